Feature: What if? A manager asks what would have to change
  As a city manager
  I want to know the smallest changes to my answers that would give another approach
  So that I know which of my answers matter, and can check them before I act

  Scenario: Without the conflict in the public, a segmented consultation would do
    Given a base project context
    And the decision answers:
      | quality_requirement             | yes |
      | manager_has_information         | yes |
      | problem_structured              | yes |
      | acceptance_critical             | yes |
      | acceptance_likely_if_autonomous | no  |
      | public_shares_goals             | no  |
      | public_conflict_likely          | yes |
    When I ask what would have to change, with at most 1 changed answer
    Then one answer is "if public_conflict_likely were false, the approach would be segmented_consultation (C-I) instead of unitary_consultation"
    And one answer is "if public_shares_goals were true, the approach would be public_decision (G) instead of unitary_consultation"
    And every answer was checked by the engine and agrees

  Scenario: Only the smallest sets of changes are proposed
    Given the Genoa pilot context
    When I ask what would have to change, with at most 3 changed answers
    Then one answer is "if manager_has_information were true and public_conflict_likely were false, the approach would be segmented_consultation (C-I) instead of unitary_consultation"
    And no answer changes all the answers another one changes, and more
    And every answer was checked by the engine and agrees

  Scenario: What would bring a steering group into the recommendation
    Given the Genoa pilot context
    When I ask what would have to change for arrangement:steering_group, with at most 1 changed answer
    Then every answer recommends arrangement:steering_group

  Scenario: Comparing my recommendation with one changed answer
    Given the Genoa pilot context
    When I compare it with decision.public_shares_goals set to true
    Then the approach changes from unitary_consultation to public_decision
    And the difference lists "+ arrangement:steering_group"
