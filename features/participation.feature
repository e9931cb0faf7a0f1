Feature: Who takes part, selected how, taking part how
  As a public manager planning who takes part in a decision
  I want each group's recruitment (how its people are selected) and mode (how they take part)
  chosen from the activity and the nature of the decision, not from the size of the public alone,
  so that a participatory budget stays an open ballot, volunteers are not mistaken for a random
  sample, and a sample is drawn only where a large public has something to deliberate.

  Sources: Fung (2006), "Varieties of participation in complex governance" (the democracy cube:
  participant selection, communication and decision modes); OECD (2020) on mini-publics; Renn et al.
  (1993); DOMAIN.md section 5, "Who participates, and how".

  Background:
    Given a base project context

  Scenario: A city-wide participatory budget is open to every resident and decided by voting
    Given the project spans the activities co_commissioning
    And the objective is capacity_building
    And the decision answers:
      | QR | INFO | STRUCT | AR  | AP | GC  | CONF |
      | no | yes  | yes    | yes | no | yes | no   |
    And the public:
      | size         | city_wide   |
      | organisation | unorganised |
    And the stakeholder groups:
      | id          | kind             | power | interest | affected | organised |
      | residents   | citizens         | low   | high     | yes      | no        |
      | council     | public_authority | high  | high     | no       | yes       |
      | association | civil_society    | low   | high     | yes      | yes       |
    When the context is evaluated
    Then the approach is public_decision
    And the project is found to be participatory_budget because of rule recruitment.participatory_budget
    And stakeholder "residents" is selected by open_self_selection because of rule recruitment.open
    And stakeholder "residents" takes part by vote because of rule recruitment.ballot
    And stakeholder "residents" does not take part as citizen_evaluator
    And technique participatory_budgeting is recommended
    And technique citizen_jury is not recommended
    And the governance arrangements do not include random_selection
    And the participants are:
      | stakeholder | role                  | level       | recruitment               | mode       |
      | residents   | decision_partner      | collaborate | open_self_selection       | vote       |
      | council     | responsible_authority | collaborate | professional_stakeholders | deliberate |
      | association | decision_partner      | collaborate | organised_representatives | deliberate |
    And warning partial_coproduction is given because of rule governance.full_coproduction

  Scenario: A large public divided over the choice deliberates through a randomly selected mini-public
    Given the project spans the activities co_commissioning
    And the objective is capacity_building
    And the decision answers:
      | QR | INFO | STRUCT | AR  | AP | GC  | CONF |
      | no | yes  | yes    | yes | no | yes | yes  |
    And the public:
      | size         | city_wide   |
      | organisation | unorganised |
    And a stakeholder group:
      | id       | residents |
      | interest | high      |
      | affected | yes       |
    When the context is evaluated
    Then the project is found to be deliberative_decision because of rule recruitment.deliberative_decision
    And the project is not found to be participatory_budget
    And stakeholder "residents" takes part as citizen_evaluator because of rule stakeholders.renn_citizen_evaluators_collaborate
    And stakeholder "residents" is selected by random_selection because of rule recruitment.mini_public
    And stakeholder "residents" takes part by deliberate as its role says
    And technique citizen_jury is recommended because of rule techniques.size_large_deliberation
    And the governance arrangements include random_selection because of rule governance.random_selection

  Scenario: Size alone does not make a random sample: formed preferences on a structured question
    Given the objective is capacity_building
    And the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | yes    | yes | no | no | no   |
    And the public:
      | size         | city_wide   |
      | organisation | unorganised |
    And a stakeholder group:
      | id       | residents |
      | interest | high      |
      | affected | yes       |
    When the context is evaluated
    Then the approach is unitary_consultation
    And the project is not found to be deliberative_decision
    And stakeholder "residents" takes part as assembled_public at level involve
    And stakeholder "residents" is selected by open_self_selection
    And stakeholder "residents" takes part by deliberate as its IAP2 level says
    And technique deliberative_poll is not recommended
    And the governance arrangements do not include random_selection

  Scenario: Volunteers who inspect the service are self-selected, not a random sample
    Given the project spans the activities co_commissioning and co_assessment
    And the objective is capacity_building
    And the decision answers:
      | QR | INFO | STRUCT | AR  | AP | GC  | CONF |
      | no | yes  | yes    | yes | no | yes | yes  |
    And the public:
      | size         | city_wide   |
      | organisation | unorganised |
    And the stakeholder groups:
      | id         | kind     | power | interest | affected | can_obstruct |
      | volunteers | citizens | low   | high     | no       | no           |
      | residents  | citizens | low   | medium   | no       | yes          |
    And stakeholder "volunteers" co-produces in co_assessment by contributing time
    When the context is evaluated
    Then stakeholder "volunteers" takes part as co_assessor
    And stakeholder "volunteers" is selected by open_self_selection
    And stakeholder "volunteers" is not selected by random_selection
    And stakeholder "residents" is selected by random_selection because of rule recruitment.mini_public
    And stakeholder "residents" takes part as citizen_evaluator at level collaborate only because of rule stakeholders.renn_citizen_evaluators_collaborate
    And stakeholder "residents" takes part by deliberate as its role says

  Scenario: Hard-to-reach residents are recruited on purpose, organisations send their people
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP  | GC  | CONF |
      | yes | no   | yes    | no  | yes | yes | no   |
    And the stakeholder groups:
      | id          | kind          | power | interest | affected | hard_to_reach | organised | holds_information |
      | migrants    | citizens      | low   | high     | yes      | yes           | no        | no                |
      | association | civil_society | low   | high     | yes      | no            | yes       | no                |
      | university  | research      | low   | high     | no       | no            | yes       | yes               |
    When the context is evaluated
    Then the approach is modified_autonomous
    And stakeholder "migrants" is selected by targeted_recruitment because of rule recruitment.targeted_hard_to_reach
    And stakeholder "migrants" takes part by express as its IAP2 level says
    And stakeholder "association" is selected by organised_representatives because of rule recruitment.organised_groups
    And stakeholder "university" takes part as expert
    And stakeholder "university" is selected by professional_stakeholders because of rule recruitment.professionals
    And stakeholder "university" takes part by expertise as its role says
