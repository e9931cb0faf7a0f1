Feature: Techniques follow the co-production phase and the level the approach allows

  Scenario: In co-design under consultation, users test prototypes
    Given a base project context
    And the project:
      | phase | co_design |
    And the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | yes  | yes    | yes | no | no | no   |
    When the context is evaluated
    Then the approach is segmented_consultation because of rules thomas.r4_acceptance and thomas.choice_time_efficient
    And public_decision is eliminated because of rule thomas.r2_goal_congruence
    And the approach's IAP2 level is consult
    And technique prototyping is recommended only because of rule techniques.phase_co_design_testing
    And technique co_design_workshop is not recommended
    And rule techniques.phase_co_design_testing fired matching:
      | project.activities | ["co_design"] |
      | approach.level     | consult       |
