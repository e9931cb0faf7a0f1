Feature: What happened after a recommendation, and which advice works where
  As a manager or an evaluator
  I want to record what was actually done after a recommendation and how it went
  so that the city learns which advice works where, and the rules' authors learn which advice is dropped.

  An evaluation says which techniques were used, how many people took part and how it went, scored 1 to 5
  on Rowe & Frewer's criteria and the OECD's stages. It is a record of the hash-chained decision log. The
  evidence counts, for each technique, rule, approach and role, the evaluated decisions that followed the
  advice and those that dropped it; below 5 evaluated decisions (evidence.min_evaluations in rules/lint.yaml)
  nothing is presented as a finding. Every evaluation in these scenarios is synthetic test data, labelled
  so: cogov ships no outcome data. See docs/EVIDENCE.md.

  Background:
    Given a decision log holding the six pilots' decisions made with the shipped rules

  Scenario: An evaluation shows up in the evidence of each technique it touches
    When the Genoa decision is evaluated with technique website dropped
    Then technique website was followed in 0 of 1 evaluated decisions
    And technique fact_sheet was followed in 1 of 1 evaluated decisions
    And nothing about technique fact_sheet is presented as a finding
    And the decision log still verifies

  Scenario: Enough evaluations make a finding, and the authors are told about advice that is always dropped
    When every pilot's decision is evaluated with technique fact_sheet dropped
    Then technique fact_sheet was followed in 0 of 6 evaluated decisions
    And how often technique fact_sheet is followed is a finding
    And the rule analysis with the decision log flags rule iap2.inform_baseline as repeatedly dropped

  Scenario: An evaluation altered in the database is caught by the audit
    When the Genoa decision is evaluated with technique website dropped
    And someone rewrites the scores of the last evaluation in the database
    Then the audit of the log names evaluation 1 as altered

  Scenario Outline: A bad evaluation is refused naming the field
    When an evaluation of the Genoa decision gives <what>
    Then the evaluation is refused naming the field "<field>" with "<text>"

    Examples:
      | what                                        | field                 | text                              |
      | "public_meting" as a technique used         | techniques_used[2]    | did you mean 'public_meeting'?    |
      | -3 participants                             | participants          | greater than or equal to 0        |
      | an influence score of 9                     | scores.influence      | less than or equal to 5           |
      | the group "nobody" as one that took part    | groups[0].stakeholder | a group of the decision's context |

  Scenario: The open data export keeps codes and counts, not names
    When every pilot's decision is evaluated with technique fact_sheet dropped
    Then the open data export holds 6 records, each marked synthetic
    And the open data export names no project, city, stakeholder group or note
