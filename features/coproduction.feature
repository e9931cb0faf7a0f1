Feature: Co-production is more than decision involvement
  As a public manager whose project has citizens delivering or assessing the service
  I want the people who co-deliver and co-assess to get their roles, techniques, agreements,
  skills and warnings whatever share of the decision the public holds,
  so that a volunteer scheme run under a decision I take alone still gets a volunteer programme,
  safeguards and the coordination it needs, and its volunteers are not cast as the informed public.

  Sources: Bovaird & Loeffler's four Co's, Bovaird (2007), Loeffler & Bovaird (2020),
  Fung (2006) on self-selection (DOMAIN.md section 5, "Co-production is more than decision
  involvement").

  Background:
    Given a base project context

  Scenario: A community speed watch run by volunteers under an autonomous decision
    Given the project spans the activities co_delivery
    And a stakeholder group:
      | id        | volunteers           |
      | kind      | citizens             |
      | power     | low                  |
      | interest  | high                 |
    And stakeholder "volunteers" co-produces in co_delivery by contributing time
    When the context is evaluated
    Then the approach is autonomous
    And stakeholder "volunteers" is found to be a co_producer_delivery because of rule coproduction.delivers_stated
    And stakeholder "volunteers" takes part as implementation_partner at level consult because of rule coproduction.implementation_partner_consult
    And technique volunteer_programme is recommended because of rule coproduction.delivery_programme
    And the governance arrangements include volunteer_agreement because of rule coproduction.delivery_programme
    And the governance arrangements include safeguarding_insurance because of rule coproduction.delivery_programme
    And skill volunteer_coordination is needed because of rule coproduction.delivery_programme
    And warning volunteer_burnout is given because of rule coproduction.delivery_programme
    And warning substituting_paid_staff is given because of rule coproduction.delivery_programme

  Scenario: With only today's fields, an interested association co-delivers by default
    Given the project:
      | phase | co_delivery |
    And the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And the stakeholder groups:
      | id          | kind          | power | interest | organised | affected |
      | association | civil_society | low   | high     | yes       | no       |
      | users       | citizens      | low   | high     | no        | yes      |
    When the context is evaluated
    Then the approach is unitary_consultation
    And stakeholder "association" is found to be a co_producer_delivery because of rule coproduction.delivers_by_default
    And stakeholder "association" takes part as implementation_partner at level involve because of rule coproduction.implementation_partner_involve
    And stakeholder "users" is not found to be a co_producer_delivery

  Scenario: Co-delivering volunteers share a public decision as implementation partners
    Given the project spans the activities co_design and co_delivery
    And the decision answers:
      | QR | INFO | STRUCT | AR  | AP | GC  | CONF |
      | no | yes  | yes    | yes | no | yes | no   |
    And a stakeholder group:
      | id        | volunteers |
      | kind      | citizens   |
      | power     | low        |
      | interest  | high       |
    When the context is evaluated
    Then the approach is public_decision
    And stakeholder "volunteers" takes part as implementation_partner at level collaborate because of rule coproduction.implementation_partner_collaborate
    And the core techniques are citizen_advisory_committee, citizen_reporting, fact_sheet, online_questionnaire, volunteer_programme and website

  Scenario: Users who report defects co-assess the service under a shared decision
    Given the project spans the activities co_assessment
    And the decision answers:
      | QR | INFO | STRUCT | AR  | AP | GC  | CONF |
      | no | yes  | yes    | yes | no | yes | no   |
    And a stakeholder group:
      | id       | reporters |
      | kind     | citizens  |
      | power    | low       |
      | interest | medium    |
    And stakeholder "reporters" co-produces in co_assessment by contributing reports
    When the context is evaluated
    Then stakeholder "reporters" is found to be a co_producer_assessment because of rule coproduction.assesses_stated
    And stakeholder "reporters" takes part as co_assessor at level collaborate because of rule coproduction.co_assessor_collaborate
    And technique citizen_reporting is recommended because of rule coproduction.contributes_reports
    And technique citizen_inspectors is recommended because of rule coproduction.assessment_inspectors
    And the governance arrangements include citizen_data_agreement because of rule coproduction.assessment_data
    And warning uneven_data_quality is given because of rule coproduction.contributes_reports
    And skill evaluation is needed only because of rules techniques.phase_co_assessment_co_evaluation, skills.co_assessment and governance.evaluation_framework
    And technique co_evaluation is recommended because of rule techniques.phase_co_assessment_co_evaluation
    And warning uneven_data_quality is given only because of rules coproduction.contributes_reports and coproduction.assessment_data
    And the core techniques are citizen_advisory_committee, citizen_inspectors, citizen_reporting, fact_sheet, online_questionnaire and website

  Scenario: Service users co-assess by default, and are consulted even when the manager decides alone
    Given the project:
      | phase | co_assessment |
    When the context is evaluated
    Then the approach is autonomous
    And stakeholder "residents" is found to be a co_producer_assessment because of rule coproduction.assesses_by_default
    And stakeholder "residents" takes part as co_assessor at level consult because of rule coproduction.co_assessor_consult

  Scenario: Co-assessors are involved under unitary consultation
    Given the project spans the activities co_assessment
    And the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And stakeholder "residents" co-produces in co_assessment
    When the context is evaluated
    Then stakeholder "residents" takes part as co_assessor at level involve because of rule coproduction.co_assessor_involve

  Scenario: Sensor hosts in a public with hard-to-reach groups: citizen sensing, and recruit on purpose
    Given the project spans the activities co_delivery
    And the public:
      | hard_to_reach_groups | yes |
    And a stakeholder group:
      | id       | sensor_hosts |
      | kind     | citizens     |
      | interest | high         |
    And stakeholder "sensor_hosts" co-produces in co_delivery by contributing data
    When the context is evaluated
    Then technique citizen_sensing is recommended because of rule coproduction.contributes_data
    And the governance arrangements include citizen_data_agreement because of rule coproduction.contributes_data
    And the governance arrangements include targeted_recruitment because of rule coproduction.only_the_advantaged
    And warning advantaged_volunteers is given because of rule coproduction.only_the_advantaged

  Scenario: An association that would run part of the service needs a partnership agreement
    Given the project spans the activities co_design and co_delivery
    And a stakeholder group:
      | id        | womens_association |
      | kind      | civil_society      |
      | interest  | high               |
      | organised | yes                |
    And stakeholder "womens_association" co-produces in co_delivery by contributing running_service
    When the context is evaluated
    Then the governance arrangements include partnership_agreement because of rule coproduction.runs_service
    And the governance arrangements include safeguarding_insurance because of rule coproduction.runs_service
    And warning substituting_paid_staff is given because of rule coproduction.runs_service
    And warning volunteer_burnout is not given
    And the governance arrangements do not include volunteer_agreement
    And stakeholder "womens_association" takes part as implementation_partner
    And stakeholder "womens_association" is found to be a co_production_stated because of rule coproduction.states_co_production

  Scenario: A group cannot co-produce in an activity the project does not span
    Given the project spans the activities co_design
    And stakeholder "residents" co-produces in co_delivery
    When the context is evaluated
    Then the context is refused with an error on field "stakeholders[0].co_produces[0].activity" saying "co_delivery is not one of the project's activities (co_design)"
    And no recommendation is made

  Scenario: The phase must be one of the activities when both are given
    Given the project:
      | phase | co_assessment |
    And the project spans the activities co_design
    When the context is evaluated
    Then the context is refused with an error on field "project.phase" saying "the phase must be one of project.activities"
