Feature: A plan sized to the team's capacity
  As a public manager with a small budget, few facilitation skills or no experience of co-production
  I want a small core of techniques my team can run well, the steps that build its capacity,
  and the rest kept as options for when capacity grows,
  so that the recommendation is a plan I can carry out, not a full-scale programme that would run badly.

  Sources: Irvin & Stansbury (2004) on the costs of participation; SmartiP and Paskaleva, Cooper &
  Concilio (2017) on managers' skills and capacity; OECD (2022) Guidelines for Citizen Participation
  Processes (DOMAIN.md section 5, "Scaling the process to the team"). The numbers are local policy.

  Background:
    Given a base project context
    And the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC  | CONF |
      | no  | yes  | yes    | yes | no | yes | no   |
    And the public:
      | size                 | large |
      | hard_to_reach_groups | yes   |
    And the stakeholder groups:
      | id        | kind     | power | interest | affected | hard_to_reach |
      | residents | citizens | low   | high     | yes      | no            |
      | elderly   | citizens | low   | high     | yes      | yes           |

  Scenario: A low-capacity team new to co-production gets a small core and steps to build its capacity
    Given the capacity:
      | engagement_budget             | low |
      | facilitation_skills           | low |
      | prior_coproduction_experience | no  |
    When the context is evaluated
    Then the approach is public_decision
    And the plan allows at most 3 core techniques because of rule capacity.low_resources_first_time
    And the plan allows at most medium cost because of rule capacity.low_budget
    And the plan allows at most medium facilitation because of rule capacity.low_facilitation
    And the core techniques are fact_sheet, intermediary_associations and citizen_advisory_committee
    And technique website is extra
    And technique online_questionnaire is extra
    And the governance arrangements include facilitation_support because of rule capacity.low_facilitation
    And the governance arrangements include phased_plan because of rule capacity.low_resources
    And the governance arrangements include capacity_partner because of rule capacity.low_resources_first_time
    And the governance arrangements include capacity_building_programme because of rule capacity.low_resources_first_time

  Scenario: An experienced, well-resourced team gets every technique as core
    Given the capacity:
      | engagement_budget             | high |
      | facilitation_skills           | high |
      | prior_coproduction_experience | yes  |
    When the context is evaluated
    Then every recommended technique is core
    And the plan does not bound core techniques
    And the plan does not bound cost
    And the governance arrangements do not include phased_plan

  Scenario: A team's first co-production, with a normal budget, is a focused plan of six
    When the context is evaluated
    Then the plan allows at most 6 core techniques because of rule capacity.first_coproduction
    And the plan does not bound cost
    And technique fact_sheet is core
    And technique intermediary_associations is core

  Scenario: A small budget keeps the costly techniques as options, but not the channel the excluded need
    Given the capacity:
      | engagement_budget             | low |
      | prior_coproduction_experience | yes |
    And the project:
      | scope | city |
    And the public:
      | digital_access | low |
    When the context is evaluated
    Then the plan allows at most 4 core techniques because of rule capacity.low_resources
    And technique mobile_service_point is extra
    And technique intermediary_associations is core
    And an assisted technique is recommended

  Scenario: An urgent decision leaves standing bodies for later
    Given the decision:
      | urgency | high |
    And the capacity:
      | prior_coproduction_experience | yes |
    When the context is evaluated
    Then the plan allows at most medium time because of rule capacity.urgent
    And technique citizen_advisory_committee is extra
    And technique fact_sheet is core
