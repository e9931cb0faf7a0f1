Feature: A context cogov cannot read is refused, and the error names the field
  As a manager filling in a project context
  I want a mistake in my context to be refused with the path of the field at fault,
  so that I can correct it, rather than get a recommendation built on a misread answer.

  Field paths are written as in the context: sections and fields joined by dots, stakeholder
  groups by their position in the list counting from 0, e.g. stakeholders[1].power.

  Background:
    Given a base project context

  Scenario: The base context is accepted
    When the context is evaluated
    Then the approach is autonomous

  Scenario: An unknown field in a section is refused
    Given the context field "project.budget" is 10000
    When the context is evaluated
    Then the context is refused with an error on field "project.budget" saying "unknown field"
    And the only errors are on field "project.budget"
    And no recommendation is made

  Scenario: An unknown section is refused
    Given the context field "stakeholder_map" is "see attached"
    When the context is evaluated
    Then the context is refused with an error on field "stakeholder_map" saying "unknown field"

  Scenario: An unknown field in a stakeholder group is refused
    Given a stakeholder group:
      | id       | residents |
      | power    | low       |
      | interest | high      |
      | nickname | locals    |
    When the context is evaluated
    Then the context is refused with an error on field "stakeholders[0].nickname" saying "unknown field"

  Scenario: A misspelt answer to one of Thomas's questions is refused
    Given the context field "decision.acceptance_likely" is no
    When the context is evaluated
    Then the context is refused with an error on field "decision.acceptance_likely" saying "unknown field"

  Scenario Outline: A value of the wrong type is refused
    Given the context field "<field>" is <value>
    When the context is evaluated
    Then the context is refused with an error on field "<field>"
    And the only errors are on field "<field>"

    Examples:
      | field                               | value               |
      | decision.quality_requirement        | "perhaps"           |
      | decision.public_conflict_likely     | ["yes"]             |
      | capacity.digital_platform_available | 2                   |
      | public.hard_to_reach_groups         | "some"              |
      | project.name                        | 42                  |
      | public                              | "large and mixed"   |
      | stakeholders                        | {"id": "residents"} |
      | stakeholders[0].can_obstruct        | "if left out"       |
      | notes                               | ["assumed"]         |

  Scenario Outline: A value outside a field's list is refused, naming the field
    Given the context field "<field>" is <value>
    When the context is evaluated
    Then the context is refused with an error on field "<field>" saying "<allowed>"
    And the only errors are on field "<field>"

    Examples:
      | field                      | value      | allowed           |
      | public.size                | huge       | city_wide         |
      | public.size                | 3          | city_wide         |
      | public.digital_access      | none       | mixed             |
      | public.organisation        | anarchic   | unorganised       |
      | public.trust_in_authority  | very_low   | medium            |
      | project.objective          | growth     | capacity_building |
      | project.domain             | tourism    | culture_heritage  |
      | project.phase              | co_funding | co_design         |
      | project.scope              | planet     | neighbourhood     |
      | decision.urgency           | critical   | high              |
      | capacity.engagement_budget | none       | low               |
      | stakeholders[0].power      | extreme    | high              |
      | stakeholders[0].kind       | government | public_authority  |

  Scenario: A missing answer to one of Thomas's questions is refused
    Given the context field "decision.public_conflict_likely" is removed
    When the context is evaluated
    Then the context is refused with an error on field "decision.public_conflict_likely" saying "required"

  Scenario: A missing section is refused
    Given the context field "capacity" is removed
    When the context is evaluated
    Then the context is refused with an error on field "capacity" saying "required"

  Scenario: A stakeholder group without its power is refused
    Given the context field "stakeholders[0].power" is removed
    When the context is evaluated
    Then the context is refused with an error on field "stakeholders[0].power" saying "required"

  Scenario: A stakeholder id that is not a short code is refused
    Given the context field "stakeholders[0].id" is "Residents of the north"
    When the context is evaluated
    Then the context is refused with an error on field "stakeholders[0].id"

  Scenario: Two stakeholder groups with the same id are refused, naming the second one
    Given the stakeholder groups:
      | id        | name                   | kind     | power  | interest |
      | residents | Residents of the north | citizens | low    | high     |
      | traders   | Local traders          | business | medium | high     |
      | residents | Residents of the south | citizens | low    | high     |
    When the context is evaluated
    Then the context is refused with an error on field "stakeholders[2].id" saying "residents"
    And the only errors are on field "stakeholders[2].id"

  Scenario: A context without any stakeholder group is refused
    Given the context has no stakeholder groups
    When the context is evaluated
    Then the context is refused with an error on field "stakeholders" saying "at least 1"

  Scenario: Every mistake is reported at once
    Given the context field "public.size" is huge
    And the context field "decision.quality_requirement" is "perhaps"
    And the context field "stakeholders[0].interest" is removed
    And the context field "project.sponsor" is "the mayor"
    When the context is evaluated
    Then the context is refused with an error on field "public.size"
    And the context is refused with an error on field "decision.quality_requirement"
    And the context is refused with an error on field "stakeholders[0].interest" saying "required"
    And the context is refused with an error on field "project.sponsor" saying "unknown field"
    And the only errors are on fields "public.size", "decision.quality_requirement", "stakeholders[0].interest" and "project.sponsor"

  Scenario: A context that is not an object is refused
    Given the context in file "features/data/not_an_object.json"
    When the context is evaluated
    Then the context is refused with an error on field "" saying "JSON object"
