Feature: Impact of a rule change
  As a policy author
  I want to see what my edit would change in the decisions already made, before I publish it,
  so that I can check that it does what I meant and nothing else.

  The candidate is checked first; then every stored decision is evaluated under it and compared,
  item by item, with what was recommended (`cogov rules impact DIR`, the author's impact page).
  With a limit, only the newest decisions are examined, and the report says it is partial.

  Background:
    Given a decision log holding the six pilots' decisions made with the shipped rules

  Scenario: Adding a technique to a rule adds it where that rule fires, and nowhere else
    Given a rule edit adding technique open_house to rule techniques.thomas_unitary
    When the author asks for the impact of the edit
    Then 3 of the 6 decisions change
    And technique open_house is added in 3 decisions because of rule techniques.thomas_unitary
    And no approach changes

  Scenario: Widening who counts as a key player changes the role of one group
    Given a rule edit replacing "stakeholder.interest == high" by "stakeholder.interest >= medium" in rule stakeholders.grid_key_player
    When the author asks for the impact of the edit
    Then 1 of the 6 decisions changes
    And the participants that change are city_it_company
    And every change is caused by rule stakeholders.grid_key_player

  Scenario: Removing a rule that no pilot needs changes no pilot
    Given a rule edit removing rule techniques.size_small_qualitative
    When the author asks for the impact of the edit
    Then 0 of the 6 decisions change

  Scenario: A comment changes nothing
    Given a rule edit that only adds a comment to policy/thomas.yaml
    When the author asks for the impact of the edit
    Then 0 of the 6 decisions change

  Scenario: A broken edit is refused before anything is evaluated
    Given a rule edit adding technique no_such_technique to rule techniques.thomas_unitary
    When the author asks for the impact of the edit
    Then the candidate is refused with an error at policy/techniques.yaml naming no_such_technique

  Scenario: An impact on fewer decisions than were made says it is partial
    Given a rule edit adding technique open_house to rule techniques.thomas_unitary
    When the author asks for the impact of the edit on at most 2 decisions
    Then the impact is partial: the 2 newest of the 6 decisions were examined
    And 1 of the 2 decisions changes
