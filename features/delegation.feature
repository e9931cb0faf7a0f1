Feature: Delegating a decision to the public within stated constraints
  As a public manager whose council hands a decision to the public within limits it sets
  (a binding budget within its envelope, a plan within legal limits)
  I want the recommendation to empower the public within those limits, state them up front and
  commit the authority to implement the result, even though the decision has quality requirements,
  so that a binding participatory budget is recommended as what it is, not as a consultation.

  Sources: Thomas (1995) on sharing authority within constraints stated up front; IAP2 empower
  ("we will implement what you decide"); Fung (2006) on direct authority and aggregation
  (DOMAIN.md section 5, "Sharing authority within constraints").

  Background:
    Given a base project context
    And the decision answers:
      | QR  | INFO | STRUCT | AR  | AP  | GC  | CONF |
      | yes | yes  | yes    | yes | yes | yes | no   |
    And the public:
      | size         | city_wide |
    And the capacity:
      | political_support | high |
    And a stakeholder group:
      | id       | residents |
      | interest | high      |
      | affected | yes       |

  Scenario: A binding participatory budget within its envelope: residents decide by voting
    Given the project spans the activities co_commissioning
    And the decision:
      | delegated_within_constraints | yes                                                              |
      | constraints                  | "EUR 2 million; municipal competences only; a legal check of every project" |
    When the context is evaluated
    Then the approach is public_decision because of rule iap2.delegation_declared
    And the constraints are stated up front: "EUR 2 million; municipal competences only"
    And the project is found to be delegated_decision because of rule iap2.delegated_within_constraints
    And stakeholder "residents" takes part as delegated_decision_maker at level empower because of rule stakeholders.delegated_decision
    And stakeholder "residents" is selected by open_self_selection
    And stakeholder "residents" takes part by vote because of rule recruitment.ballot
    And technique participatory_budgeting is recommended
    And the governance arrangements include binding_commitment because of rule iap2.delegated_within_constraints
    And the governance arrangements include stated_constraints because of rule iap2.delegated_within_constraints
    And the core techniques are citizen_advisory_committee, citizen_panel, citizen_survey, fact_sheet, online_questionnaire and website

  Scenario: Without the delegation, the same quality decision stays with the manager
    Given the project spans the activities co_commissioning
    When the context is evaluated
    Then the approach is autonomous
    And the project is not found to be delegated_decision
    And the governance arrangements do not include binding_commitment
    And no constraints are stated
    And technique open_house is not recommended

  Scenario: A public that does not share the goals of a quality decision cannot be handed it
    Given the project spans the activities co_commissioning
    And the decision answers:
      | question | answer |
      | GC       | no     |
    And the decision:
      | delegated_within_constraints | yes                        |
      | constraints                  | "EUR 2 million envelope"   |
    When the context is evaluated
    Then public_decision is eliminated because of rule thomas.r2_goal_congruence
    And warning delegation_not_feasible is given because of rule iap2.delegation_against_goals
    And the governance arrangements do not include binding_commitment
    And the constraints are stated up front: "EUR 2 million envelope"

  Scenario: A plan delegated within legal limits to a divided public is decided by a citizen jury
    Given the decision answers:
      | question | answer |
      | CONF     | yes    |
    And the decision:
      | delegated_within_constraints | yes                                   |
      | constraints                  | "The zoning law and the plan's budget" |
    When the context is evaluated
    Then the approach is public_decision because of rule iap2.delegation_declared
    And technique citizen_jury is recommended because of rule iap2.empower_jury
    And stakeholder "residents" takes part as delegated_decision_maker at level empower
    And stakeholder "residents" is selected by random_selection because of rule recruitment.mini_public
    And stakeholder "residents" takes part by deliberate as its IAP2 level says
    And skill deliberative_design is needed only because of rules governance.random_selection and iap2.empower_jury
    And technique negotiation is recommended because of rule techniques.conflict_negotiation

  Scenario: A delegated choice between known options, with no conflict to work out, is a binding ballot
    Given the decision:
      | delegated_within_constraints | yes                          |
      | constraints                  | "The three options on the table" |
    When the context is evaluated
    Then technique binding_ballot is recommended because of rule iap2.empower_ballot
    And stakeholder "residents" takes part by vote because of rule recruitment.binding_ballot

  Scenario: A delegation must state its constraints
    Given the decision:
      | delegated_within_constraints | yes |
    When the context is evaluated
    Then the context is refused with an error on field "decision.constraints" saying "state the constraints within which the decision is delegated"
