Feature: Answers the manager does not know yet
  As a public manager who cannot answer all of Thomas's questions up front
  I want to answer "unknown" and still get a recommendation that says which unknown answers change
  the approach, what the approach would be under each answer and which one to find out first,
  so that I can start safely and spend my time finding out the answer that matters most.

  While an answer is unknown the recommendation follows the rule base's stated policy
  (rules/policy/unknowns.yaml, local policy in the spirit of Thomas's acceptance rule): the most
  involving approach the answers can lead to, and the answers that do not risk acceptance.
  DOMAIN.md section 5, "Answers the manager does not know".

  Background:
    Given a base project context

  Scenario: Not knowing whether the public would accept a decision taken alone
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP      | GC  | CONF |
      | yes | yes  | yes    | yes | unknown | yes | no   |
    When the context is evaluated
    Then the approach is public_decision
    And the approach follows the policy unknowns.lean_to_acceptance for unknown answers
    And answer AP is unknown and changes the approach
    And if answer AP turned out yes, the approach would be autonomous
    And if answer AP turned out no, the approach would be public_decision
    And the answer to find out first is AP
    And while it is unknown, answer AP is taken as no

  Scenario: Of two unknown answers, find out first the one that changes the approach in more cases
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP      | GC | CONF    |
      | yes | yes  | yes    | yes | unknown | no | unknown |
    When the context is evaluated
    Then the approach is unitary_consultation
    And answer CONF is unknown and changes the approach
    And answer AP is unknown and changes the approach
    And the answer to find out first is AP
    And while it is unknown, answer CONF is taken as yes
    And if answer CONF turned out no, the approach would be segmented_consultation

  Scenario: An unknown answer that changes nothing about the approach is still planned for
    Given the decision answers:
      | question           | answer  |
      | uses_personal_data | unknown |
    When the context is evaluated
    Then the approach is autonomous
    And answer uses_personal_data is unknown and does not change the approach
    And no unknown answer has to be found out first
    And while it is unknown, answer uses_personal_data is taken as yes
    And the governance arrangements include data_protection_plan because of rule governance.personal_data

  Scenario: Why not a segmented consultation? It depends on whether conflict is likely
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP      | GC | CONF    |
      | yes | yes  | yes    | yes | unknown | no | unknown |
    When I ask why not approach:segmented_consultation
    Then cogov says it is not recommended
    And cogov says it depends on unknown answer CONF

  Scenario: What would have to change? Finding out an unknown answer is a change
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP      | GC  | CONF |
      | yes | yes  | yes    | yes | unknown | yes | no   |
    When I ask what would have to change, with at most 1 changed answer
    Then the changes found include finding out AP
    And one answer is "if acceptance_likely_if_autonomous turned out true, the approach would be autonomous (A) instead of public_decision"

  Scenario: When every answer is known, nothing is assumed
    When the context is evaluated
    Then there are no unknown answers
