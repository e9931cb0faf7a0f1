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

  Scenario: Where conflict is likely but only a consultation is feasible, a public meeting brings the segments together
    Given a base project context
    And the decision answers:
      | QR  | INFO | STRUCT | AR  | AP  | GC  | CONF |
      | yes | no   | yes    | yes | yes | yes | yes  |
    When the context is evaluated
    Then the approach is modified_autonomous
    And the approach's IAP2 level is consult
    And technique public_meeting is recommended only because of rule techniques.conflict_no_segmented_only
    And technique public_meeting is core
