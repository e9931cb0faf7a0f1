Feature: Every line of a recommendation can be followed down to the manager's answers
  As a policy author auditing cogov
  I want each item of a recommendation to name the rules that produced it, and each rule firing
  to show the answers it matched and the firings it relied on,
  so that any line of the advice can be checked against its sources.

  Scenario: A Thomas rule shows the answers that triggered it
    Given the Genoa pilot context
    When the context is evaluated
    Then rule thomas.r1_information fired matching:
      | decision.quality_requirement     | yes |
      | decision.manager_has_information | no  |
    And rule thomas.r5_conflict fired matching:
      | decision.acceptance_critical              | yes |
      | decision.acceptance_likely_if_autonomous  | no  |
      | decision.public_conflict_likely           | yes |
    And rule thomas.r6_fairness did not fire
    And rule thomas.r7_acceptance_priority did not fire
    And the choice policy is least_involving
    And every line of the recommendation is explained

  Scenario: A stakeholder rule fires for the group it is about, and only for it
    Given the Genoa pilot context
    When the context is evaluated
    Then rule stakeholders.grid_key_player fired for stakeholder "district_councils" matching:
      | stakeholder.power    | high |
      | stakeholder.interest | high |
    And rule stakeholders.grid_key_player did not fire for stakeholder "residents"
    And rule stakeholders.grid_keep_satisfied fired for stakeholder "heritage_authority"
    And stakeholder "residents" is not found to be a key_player
    And stakeholder "district_councils" is found to be a key_player because of rule stakeholders.grid_key_player

  Scenario: The roles handed out, in one table
    Given the Genoa pilot context
    When the context is evaluated
    Then the participants are:
      | stakeholder        | role                   | level       | because                                    |
      | municipality       | responsible_authority  | collaborate | stakeholders.responsible_authority         |
      | district_councils  | responsible_authority  | collaborate | stakeholders.responsible_authority         |
      | associations       | implementation_partner | involve     | coproduction.implementation_partner_involve |
      | residents          | co_designer            | involve     | stakeholders.phase_co_design_involve       |
      | site_managers      | responsible_authority  | collaborate |                                            |
      | heritage_authority | advisor                | consult     | stakeholders.authority_keep_satisfied      |
    And stakeholder "residents" takes part at level consult or higher
    And stakeholder "heritage_authority" takes part at level consult or lower
    And stakeholder "residents" does not take part as decision_partner
    And every stakeholder group has a role or is excluded

  Scenario: Warnings speak to the manager in plain words
    Given the Palmela pilot context
    When the context is evaluated
    Then the warning digital_divide says "only complement an offline or assisted channel"
    And the recommended techniques include mobile_service_point, key_contact_interviews and fact_sheet
    And technique hackathon is avoided
    And technique website is not avoided
    And no online technique is recommended
    And the recommendation has no gaps
