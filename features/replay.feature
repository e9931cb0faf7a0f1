Feature: Replaying a stored decision
  As an auditor
  I want to run any logged decision again, under the rules that made it and under today's rules,
  so that I can tell whether it would come out the same, and if not, which rule edits make the difference.

  Replay under the decision's own rule base version uses the engine that made it (durable_rules).
  A record that does not verify in the hash chain is an integrity fault. A record that verifies but
  comes out differently is an integrity fault when the engine has the version that made it, and an
  engine change (no evidence of tampering) when the engine was upgraded since. See docs/AUDITING.md.

  Background:
    Given a decision log holding the six pilots' decisions made with the shipped rules

  Scenario: Every pilot comes out the same under the rules that made it
    When the auditor replays every pilot's decision under its own rule base
    Then every replay is reproduced

  Scenario: A rule edit changes exactly the decisions it should, and each change names the edited rule
    Given a rule edit adding technique open_house to rule techniques.thomas_unitary
    When the auditor replays every pilot's decision under the edited rules
    Then only these pilots' decisions differ under the edited rules:
      | pilot  | change                               | because of rule           |
      | Bremen | + technique:open_house = core        | techniques.thomas_unitary |
      | Bremen | ~ technique:website: core -> extra   | techniques.thomas_unitary |
      | Genoa  | + technique:open_house = core        | techniques.thomas_unitary |
      | Genoa  | ~ technique:living_lab: core -> extra | techniques.thomas_unitary |
      | Milan  | + technique:open_house = core        | techniques.thomas_unitary |
      | Milan  | ~ technique:living_lab: core -> extra | techniques.thomas_unitary |

  Scenario: A change through a derived fact is traced to the rule that derived it
    Given a rule edit replacing "stakeholder.interest == high" by "stakeholder.interest >= medium" in rule stakeholders.grid_key_player
    When the auditor replays every pilot's decision under the edited rules
    Then only these pilots' decisions differ under the edited rules:
      | pilot  | change                                                                             | because of rule                |
      | Athens | ~ participant:city_it_company: advisor@consult -> responsible_authority@collaborate | stakeholders.grid_key_player |
      | Athens | ~ mode:city_it_company: express -> deliberate                                      | stakeholders.grid_key_player |

  Scenario: A tampered record is an integrity fault
    Given the stored recommendation of the Genoa decision was altered to drop its first technique
    When the auditor replays the Genoa decision under its own rule base
    Then the replay reports an integrity fault that names the dropped technique

  Scenario: A decision made by an earlier engine that comes out the same is reproduced
    Given the Genoa decision was logged by engine version 0.0.9 with the same recommendation
    When the auditor replays the Genoa decision under its own rule base
    Then the replay is reproduced, made by engine 0.0.9 and replayed by the current engine

  Scenario: After an engine upgrade a different result is an engine change, not an integrity fault
    Given the Genoa decision was logged by engine version 0.0.9 without its first technique
    When the auditor replays the Genoa decision under its own rule base
    Then the replay reports an engine change from engine 0.0.9 that names the dropped technique

  Scenario: A tampered record is an integrity fault whichever engine made it
    Given the Genoa decision was logged by engine version 0.0.9 with the same recommendation
    And the stored recommendation of the Genoa decision was altered to drop its first technique
    When the auditor replays the Genoa decision under its own rule base
    Then the replay reports an integrity fault that names the dropped technique
