Feature: Who takes part, in which role and with how much power
  As a public manager
  I want each stakeholder group placed by its power, interest and claims, and given a role and an
  IAP2 level that fit the approach Thomas's model chose,
  so that key players are managed closely, powerful bystanders kept satisfied, groups that could
  block the decision or that hold information are not forgotten, and groups that cannot take part
  on their own get support to do so.

  Sources: Mendelow's power/interest grid, Mitchell, Agle & Wood's salience, Involve's checklist,
  Thomas's relevant public, Renn et al.'s division of roles (DOMAIN.md section 4).

  Background:
    Given a base project context

  # ------------------------------------------------------------------ key players

  Scenario: A key player shares the decision when the model calls for a public decision
    Given the decision answers:
      | QR | INFO | STRUCT | AR  | AP | GC  | CONF |
      | no | yes  | yes    | yes | no | yes | no   |
    And a stakeholder group:
      | id        | traders              |
      | name      | Traders' association |
      | kind      | civil_society        |
      | power     | high                 |
      | interest  | high                 |
      | organised | yes                  |
    When the context is evaluated
    Then the approach is public_decision
    And stakeholder "traders" is found to be a key_player because of rule stakeholders.grid_key_player
    And stakeholder "traders" takes part as decision_partner at level collaborate only because of rules stakeholders.approach_public_decision and stakeholders.default_key_player
    And technique negotiation is recommended because of rule stakeholders.negotiate_with_organised_key_players
    And skill partnership_management is needed because of rule stakeholders.negotiate_with_organised_key_players

  Scenario: A key player is part of the assembled public under unitary consultation
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And a stakeholder group:
      | id        | traders  |
      | kind      | business |
      | power     | high     |
      | interest  | high     |
      | organised | yes      |
    When the context is evaluated
    Then the approach is unitary_consultation
    And stakeholder "traders" is found to be a key_player because of rule stakeholders.grid_key_player
    And stakeholder "traders" takes part as assembled_public at level involve because of rule stakeholders.approach_unitary
    And for stakeholder "traders" the conclusion of rule stakeholders.default_key_player is overridden by rule stakeholders.approach_unitary

  Scenario: A key player is only informed when the manager decides alone, and the manager is warned
    Given a stakeholder group:
      | id       | traders  |
      | kind     | business |
      | power    | high     |
      | interest | high     |
    When the context is evaluated
    Then the approach is autonomous
    And stakeholder "traders" takes part as informed_public at level inform because of rule stakeholders.approach_autonomous
    And warning key_player_sidelined is given because of rule stakeholders.key_player_under_autonomous

  Scenario: A public body that is a key player co-owns the decision whatever the approach
    Given a stakeholder group:
      | id       | transport_department |
      | kind     | public_authority     |
      | power    | high                 |
      | interest | high                 |
    When the context is evaluated
    Then the approach is autonomous
    And stakeholder "transport_department" takes part as responsible_authority at level collaborate because of rule stakeholders.responsible_authority
    And warning key_player_sidelined is not given

  # ------------------------------------------------------------------ keep satisfied

  Scenario: A powerful group with little interest is kept satisfied as an adviser
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | yes  | yes    | yes | no | no | no   |
    And a stakeholder group:
      | id       | utility_company |
      | kind     | utility         |
      | power    | high            |
      | interest | low             |
    When the context is evaluated
    Then the approach is segmented_consultation
    And stakeholder "utility_company" is found to be keep_satisfied because of rule stakeholders.grid_keep_satisfied
    And stakeholder "utility_company" takes part as advisor at level consult because of rule stakeholders.default_keep_satisfied

  Scenario: A powerful regulator with little interest is consulted as an adviser even under a public decision
    Given the decision answers:
      | QR | INFO | STRUCT | AR  | AP | GC  | CONF |
      | no | yes  | yes    | yes | no | yes | no   |
    And a stakeholder group:
      | id           | heritage_authority |
      | kind         | public_authority   |
      | power        | high               |
      | interest     | low                |
      | legitimate   | yes                |
      | can_obstruct | yes                |
    When the context is evaluated
    Then the approach is public_decision
    And stakeholder "heritage_authority" takes part as advisor at level consult because of rule stakeholders.authority_keep_satisfied
    And for stakeholder "heritage_authority" the conclusion of rule stakeholders.approach_public_decision is overridden

  Scenario: Under an autonomous decision a powerful bystander is informed, not consulted
    Given a stakeholder group:
      | id       | utility_company |
      | kind     | utility         |
      | power    | high            |
      | interest | low             |
    When the context is evaluated
    Then the approach is autonomous
    And stakeholder "utility_company" takes part as informed_public at level inform because of rule stakeholders.approach_autonomous_keep_satisfied

  # ------------------------------------------------------------------ hard to reach and dependent groups

  Scenario: Hard-to-reach residents with a legitimate, urgent claim are supported through intermediaries
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | yes  | yes    | yes | no | no | no   |
    And the public:
      | hard_to_reach_groups | yes |
    And a stakeholder group:
      | id            | migrant_residents |
      | name          | Migrant residents |
      | kind          | citizens          |
      | power         | low               |
      | interest      | high              |
      | legitimate    | yes               |
      | urgent        | yes               |
      | affected      | yes               |
      | hard_to_reach | yes               |
    When the context is evaluated
    Then the approach is segmented_consultation
    And stakeholder "migrant_residents" is found to be a dependent_stakeholder because of rule stakeholders.salience_dependent
    And stakeholder "migrant_residents" is found to be needs_intermediary because of rule stakeholders.needs_intermediary
    And stakeholder "migrant_residents" takes part as consulted_segment at level consult because of rule stakeholders.approach_segmented
    And technique intermediary_associations is recommended because of rule stakeholders.needs_intermediary
    And the governance arrangements include advocacy_support because of rule stakeholders.salience_dependent
    And the governance arrangements include accessible_participation because of rule stakeholders.needs_intermediary
    And skill community_outreach is needed because of rule stakeholders.needs_intermediary
    And warning dependent_stakeholder is given because of rule stakeholders.salience_dependent

  Scenario: Hard-to-reach residents of a large public are heard themselves, not replaced by a random sample
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And the public:
      | size                 | large |
      | hard_to_reach_groups | yes   |
    And the stakeholder groups:
      | id               | kind     | power | interest | affected | hard_to_reach |
      | isolated_elderly | citizens | low   | high     | yes      | yes           |
      | residents        | citizens | low   | high     | yes      | no            |
    When the context is evaluated
    Then the approach is unitary_consultation
    And stakeholder "residents" takes part as citizen_evaluator at level involve because of rule stakeholders.renn_citizen_evaluators_involve
    And stakeholder "isolated_elderly" takes part as assembled_public at level involve because of rule stakeholders.approach_unitary
    And technique intermediary_associations is recommended because of rule stakeholders.needs_intermediary

  # ------------------------------------------------------------------ groups that can obstruct

  Scenario: A group that can obstruct the decision is never left out
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And the stakeholder groups:
      | id         | kind     | power | interest | can_obstruct |
      | landowners | business | low   | low      | yes          |
      | passers_by | citizens | low   | low      | no           |
    When the context is evaluated
    Then the approach is unitary_consultation
    And stakeholder "landowners" is found to be acceptance_needed because of rule stakeholders.relevant_acceptance
    And stakeholder "landowners" takes part as assembled_public at level involve because of rule stakeholders.approach_unitary
    And stakeholder "passers_by" is excluded because of rule stakeholders.default_monitor
    And stakeholder "passers_by" is excluded with the reason "monitor"
    And every stakeholder group has a role or is excluded

  Scenario: When the manager decides alone, a group that can obstruct is flagged
    Given a stakeholder group:
      | id           | landowners |
      | kind         | business   |
      | power        | medium     |
      | interest     | low        |
      | can_obstruct | yes        |
    When the context is evaluated
    Then the approach is autonomous
    And stakeholder "landowners" takes part as informed_public at level inform because of rule stakeholders.approach_autonomous
    And warning obstruction_risk is given because of rule stakeholders.obstruction_under_autonomous

  # ------------------------------------------------------------------ groups holding information

  Scenario: A group that only holds information the manager needs is asked for it
    Given the decision answers:
      | QR  | INFO | STRUCT | AR | AP  | GC  | CONF |
      | yes | no   | yes    | no | yes | yes | no   |
    And a stakeholder group:
      | id                | shopkeepers              |
      | name              | Shopkeepers' association |
      | kind              | civil_society            |
      | power             | low                      |
      | interest          | low                      |
      | organised         | yes                      |
      | holds_information | yes                      |
    When the context is evaluated
    Then the approach is modified_autonomous because of rule thomas.r1_information
    And stakeholder "shopkeepers" is found to be an information_holder because of rule stakeholders.relevant_information_holder
    And stakeholder "shopkeepers" takes part as information_source at level consult because of rule stakeholders.information_only
    And technique key_contact_interviews is recommended because of rule stakeholders.interview_organised_holders

  Scenario: A research group holding information contributes expertise, not value judgements
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And a stakeholder group:
      | id                | university |
      | kind              | research   |
      | power             | medium     |
      | interest          | high       |
      | holds_information | yes        |
      | organised         | yes        |
    When the context is evaluated
    Then the approach is unitary_consultation
    And stakeholder "university" takes part as expert at level consult because of rule stakeholders.renn_experts
    And the governance arrangements include expert_panel because of rule stakeholders.renn_experts

  # ------------------------------------------------------------------ the approach sets the level of the relevant public

  Scenario Outline: Affected residents get the role and level of the chosen approach
    Given the decision answers:
      | QR   | INFO   | STRUCT   | AR   | AP   | GC   | CONF   |
      | <QR> | <INFO> | <STRUCT> | <AR> | <AP> | <GC> | <CONF> |
    And a stakeholder group:
      | id       | residents |
      | kind     | citizens  |
      | power    | low       |
      | interest | high      |
      | affected | yes       |
    When the context is evaluated
    Then the approach is <approach>
    And stakeholder "residents" takes part as <role> at level <level> because of rule <rule>
    And every stakeholder group has a role or is excluded

    Examples:
      | QR  | INFO | STRUCT | AR  | AP  | GC  | CONF | approach               | role               | level       | rule                                      |
      | yes | yes  | yes    | no  | yes | yes | no   | autonomous             | informed_public    | inform      | stakeholders.approach_autonomous          |
      | yes | no   | yes    | no  | yes | yes | no   | modified_autonomous    | information_source | consult     | stakeholders.approach_modified_autonomous |
      | yes | yes  | yes    | yes | no  | no  | no   | segmented_consultation | consulted_segment  | consult     | stakeholders.approach_segmented           |
      | yes | no   | no     | yes | no  | no  | yes  | unitary_consultation   | assembled_public   | involve     | stakeholders.approach_unitary             |
      | no  | yes  | yes    | yes | no  | yes | no   | public_decision        | decision_partner   | collaborate | stakeholders.approach_public_decision     |

  Scenario Outline: In a co-production phase the relevant public takes the phase's role
    Given the objective is capacity_building
    And the project:
      | phase | <phase> |
    And the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC   | CONF |
      | yes | no   | no     | yes | no | <GC> | yes  |
    And a stakeholder group:
      | id       | residents |
      | kind     | citizens  |
      | power    | low       |
      | interest | high      |
      | affected | yes       |
    When the context is evaluated
    Then the approach is <approach>
    And stakeholder "residents" takes part as <role> at level <level> because of rule <rule>

    Examples:
      | phase         | GC  | approach             | role                   | level       | rule                                         |
      | co_design     | no  | unitary_consultation | co_designer            | involve     | stakeholders.phase_co_design_involve         |
      | co_design     | yes | public_decision      | co_designer            | collaborate | stakeholders.phase_co_design_collaborate     |
      | co_delivery   | no  | unitary_consultation | implementation_partner | involve     | stakeholders.phase_co_delivery_involve       |
      | co_delivery   | yes | public_decision      | implementation_partner | collaborate | stakeholders.phase_co_delivery_collaborate   |
      | co_assessment | no  | unitary_consultation | co_assessor            | involve     | stakeholders.phase_co_assessment_involve     |
      | co_assessment | yes | public_decision      | co_assessor            | collaborate | stakeholders.phase_co_assessment_collaborate |
