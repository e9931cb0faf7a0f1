Feature: Governance arrangements, the team's skills and warnings that keep participation honest
  As a public manager
  I want to know which governance arrangements the approach needs, which skills my team must
  have (and which it lacks), and what to watch out for,
  so that I can govern co-production and not only pick techniques (Paskaleva et al. 2017, finding 2).

  Background:
    Given a base project context

  # ------------------------------------------------------------------ safeguards of the approach

  Scenario: Quality constraints are stated up front when the public is involved
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    When the context is evaluated
    Then the approach is unitary_consultation
    And the governance arrangements include stated_constraints because of rule iap2.involve_stated_constraints
    And the governance arrangements include feedback_report because of rule iap2.consult_feedback
    And the governance arrangements include independent_facilitator because of rule governance.facilitator_conflict
    And technique mediation is recommended because of rule techniques.conflict_mediation
    And warning conflict is given because of rule warnings.conflict
    And skill conflict_management is lacking because of rule skills.gap_conflict_medium_facilitation
    And every line of the recommendation is explained
    And the governance arrangements do not include random_selection

  Scenario: A decision the manager takes alone needs no feedback report or facilitator
    When the context is evaluated
    Then the approach is autonomous
    And technique fact_sheet is recommended because of rule iap2.inform_baseline
    And technique open_house is recommended because of rule iap2.inform_open_house
    And the governance arrangements do not include feedback_report
    And the governance arrangements do not include independent_facilitator
    And skill communication is needed because of rule iap2.inform_baseline
    And skill facilitation is not needed
    And warning conflict is not given

  Scenario: A consultation required by law rules out deciding alone
    Given the decision:
      | legally_mandated_consultation | yes |
    When the context is evaluated
    Then autonomous is eliminated only because of rule governance.legal_consultation_floor
    And the approach is modified_autonomous because of rule governance.legal_consultation_floor
    And the governance arrangements include formal_consultation because of rule governance.legal_consultation_procedure
    And technique public_comment is recommended because of rule governance.legal_consultation_procedure
    And warning legal_consultation is given because of rule governance.legal_consultation_procedure
    And technique public_comment is recommended only because of rules governance.legal_consultation_procedure and iap2.consult_techniques_larger_public
    And technique online_questionnaire is recommended because of rule techniques.size_quantitative_online
    And the core techniques are complaints_and_contacts, fact_sheet, focus_group, key_contact_interviews, public_comment and website

  Scenario: Personal data calls for a data protection plan
    Given the decision:
      | uses_personal_data | yes |
    When the context is evaluated
    Then the governance arrangements include data_protection_plan because of rule governance.personal_data
    And skill data_protection is needed because of rule governance.personal_data
    And warning personal_data is given because of rule governance.personal_data

  Scenario: A highly technical issue brings in an expert panel and a warning
    Given the decision answers:
      | QR  | INFO | STRUCT | AR | AP  | GC  | CONF |
      | yes | no   | yes    | no | yes | yes | no   |
    And the decision:
      | technical_complexity | high |
    When the context is evaluated
    Then the approach is modified_autonomous
    And the governance arrangements include expert_panel because of rule governance.expert_panel
    And warning technical_complexity is given because of rule warnings.costly_technical

  # ------------------------------------------------------------------ sharing and delegating the decision

  Scenario: Delegating the decision outright empowers citizens, with a public commitment to implement
    Given the objective is capacity_building
    And the decision answers:
      | QR | INFO | STRUCT | AR  | AP | GC  | CONF |
      | no | yes  | yes    | yes | no | yes | no   |
    And the capacity:
      | political_support | high |
    And the stakeholder groups:
      | id        | kind     | power | interest | affected | organised |
      | residents | citizens | low   | high     | yes      | no        |
      | traders   | business | high  | high     | yes      | yes       |
    When the context is evaluated
    Then the approach is public_decision
    And the project is found to be delegated_decision because of rule iap2.delegated_decision
    And stakeholder "residents" takes part as delegated_decision_maker at level empower because of rule stakeholders.delegated_decision
    And stakeholder "traders" takes part as decision_partner at level collaborate because of rule stakeholders.approach_public_decision
    And the governance arrangements include binding_commitment because of rule iap2.delegated_decision
    And technique binding_ballot is recommended because of rule iap2.empower_ballot
    And stakeholder "residents" takes part by vote because of rule recruitment.binding_ballot
    And skill communication is needed because of rule iap2.empower_ballot

  Scenario: Without strong political support the decision is shared but not delegated
    Given the objective is capacity_building
    And the decision answers:
      | QR | INFO | STRUCT | AR  | AP | GC  | CONF |
      | no | yes  | yes    | yes | no | yes | no   |
    And the capacity:
      | political_support | low |
    When the context is evaluated
    Then the approach is public_decision
    And the project is not found to be delegated_decision
    And stakeholder "residents" takes part as decision_partner at level collaborate
    And the governance arrangements include political_mandate because of rule governance.political_mandate
    And the governance arrangements include steering_group because of rule iap2.collaborate_steering
    And warning weak_political_support is given because of rule warnings.weak_political_support
    And the governance arrangements do not include binding_commitment

  Scenario: Consulting without political support risks tokenism
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | yes  | yes    | yes | no | no | no   |
    And the capacity:
      | political_support | low |
    When the context is evaluated
    Then the approach is segmented_consultation
    And warning tokenism is given because of rule warnings.tokenism
    And warning weak_political_support is not given
    And technique focus_group is recommended only because of rules iap2.consult_techniques and techniques.thomas_segmented

  # ------------------------------------------------------------------ the team's skills and capacity

  Scenario: Low facilitation skills are flagged as lacking when the public is involved
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And the capacity:
      | facilitation_skills | low |
    When the context is evaluated
    Then skill facilitation is needed because of rule skills.facilitation
    And skill facilitation is lacking because of rule skills.gap_facilitation
    And skill conflict_management is lacking because of rules skills.gap_facilitation

  Scenario: A team new to co-production gets a capacity-building programme
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And the project:
      | phase | co_design |
    And the capacity:
      | prior_coproduction_experience | no |
    When the context is evaluated
    Then skill service_design is lacking because of rule skills.gap_first_coproduction
    And skill evaluation is lacking because of rule skills.gap_first_coproduction
    And the governance arrangements include capacity_building_programme because of rule governance.capacity_building_team

  Scenario: An experienced team with a platform lacks none of these skills
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | no   |
    And the project:
      | phase | co_design |
    And the capacity:
      | facilitation_skills           | high |
      | prior_coproduction_experience | yes  |
      | digital_platform_available    | yes  |
    When the context is evaluated
    Then skill service_design is needed but not lacking
    And skill facilitation is needed but not lacking
    And skill platform_management is needed but not lacking
    And the governance arrangements do not include capacity_building_programme
    And technique online_platform is recommended because of rule techniques.online_platform_complement

  Scenario: A missing platform is a gap only where platform skills are needed
    Given the public:
      | digital_access | low   |
      | size           | small |
    And the capacity:
      | digital_platform_available | no |
    When the context is evaluated
    Then skill platform_management is not needed

  Scenario: A missing platform is flagged where a connected public makes platform skills needed
    Given the public:
      | digital_access | high   |
      | size           | medium |
    And the capacity:
      | digital_platform_available | no |
    When the context is evaluated
    Then skill platform_management is needed because of rule skills.platform_management
    And skill platform_management is lacking because of rule skills.gap_platform

  # ------------------------------------------------------------------ warnings from the context

  Scenario: Involving a large public under time pressure and on a low budget
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And the decision:
      | urgency | high |
    And the project:
      | scope | city |
    And the public:
      | size         | city_wide   |
      | organisation | unorganised |
    And the capacity:
      | engagement_budget | low |
    When the context is evaluated
    Then warning time_pressure is given because of rule warnings.time_pressure
    And warning low_budget is given because of rule warnings.low_budget
    And warning limited_impact_city_wide is given because of rule warnings.city_wide_impact
    And warning costly_participation is given because of rule warnings.costly_large_dispersed
    And the governance arrangements do not include random_selection
    And warning unrepresentative_deliberation is given because of rule capacity.mini_public_out_of_reach
    And the plan allows at most medium time because of rule capacity.urgent
    And the plan allows at most medium cost because of rule capacity.low_budget
    And technique deliberative_poll is extra

  Scenario: A national process gets the warning that fits it, not the city-wide one
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And the project:
      | scope | national |
    And the public:
      | size | city_wide |
    When the context is evaluated
    Then the approach is unitary_consultation
    And warning limited_impact_national is given because of rule warnings.national_impact
    And warning limited_impact_city_wide is not given

  Scenario: A regional process keeps the city-wide warning
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And the project:
      | scope | region |
    When the context is evaluated
    Then warning limited_impact_city_wide is given because of rule warnings.city_wide_impact
    And warning limited_impact_national is not given

  Scenario: Low trust in the authority calls for an independent facilitator
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | yes  | yes    | yes | no | no | no   |
    And the public:
      | trust_in_authority | low |
    When the context is evaluated
    Then warning low_trust is given because of rule warnings.low_trust
    And the governance arrangements include independent_facilitator because of rule governance.facilitator_low_trust

  Scenario: Organised groups may crowd out hard-to-reach residents
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | yes  | yes    | yes | no | no | no   |
    And the public:
      | size                 | large     |
      | organisation         | organised |
      | hard_to_reach_groups | yes       |
    When the context is evaluated
    Then warning capture_by_organised_interests is given because of rule warnings.capture
    And warning self_selection_bias is given because of rule warnings.self_selection
    And the governance arrangements include targeted_recruitment because of rules warnings.self_selection and governance.accessible_participation
    And the core techniques are fact_sheet, website, focus_group, key_contact_interviews, intermediary_associations and online_questionnaire

  Scenario: A manager deciding alone recruits nobody, so a large public with hard-to-reach groups raises no self-selection warning
    Given the decision answers:
      | QR  | INFO | STRUCT | AR | AP  | GC  | CONF |
      | yes | yes  | yes    | no | yes | yes | no   |
    And the public:
      | size                 | large |
      | hard_to_reach_groups | yes   |
    When the context is evaluated
    Then the approach is autonomous
    And warning self_selection_bias is not given
    And technique intermediary_associations is recommended because of rule techniques.hard_to_reach_intermediaries

  Scenario: A manager deciding alone only informs: nobody is recruited on purpose, surveyed or sidelined
    Given the decision answers:
      | QR  | INFO | STRUCT | AR | AP  | GC  | CONF |
      | yes | yes  | yes    | no | yes | yes | no   |
    When the context is evaluated
    Then the approach is autonomous
    And stakeholder "residents" takes part as informed_public at level inform only because of rules stakeholders.approach_autonomous and stakeholders.default_inform_only
    And the core techniques are fact_sheet, open_house and website
    And the governance arrangements do not include targeted_recruitment
    And skill survey_research is not needed
    And warning key_player_sidelined is not given

  Scenario: A small public is worked with face to face, not sampled
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And the public:
      | size | small |
    When the context is evaluated
    Then technique key_contact_interviews is recommended because of rule techniques.size_small_qualitative
    And technique co_design_workshop is recommended because of rule techniques.size_small_workshop
    And technique deliberative_poll is avoided because of rule techniques.size_small_no_sampling
    And technique citizen_survey is not recommended
    And every recommended technique suits a public of size small
    And technique citizen_panel is avoided because of rule techniques.size_small_no_sampling

  Scenario: Building capacity when the public does not share the goals warns against overpromising
    Given the objective is capacity_building
    And the decision answers:
      | QR  | INFO | STRUCT | AR | AP  | GC | CONF |
      | yes | yes  | yes    | no | yes | no | no   |
    When the context is evaluated
    Then the approach is unitary_consultation
    And the approach's IAP2 level is involve
    And warning overpromising is given because of rule iap2.overpromising

  Scenario: Building capacity with shared goals makes the public a partner, with no overpromising warning
    Given the objective is capacity_building
    And the decision answers:
      | QR  | INFO | STRUCT | AR | AP  | GC  | CONF |
      | yes | yes  | yes    | no | yes | yes | no   |
    When the context is evaluated
    Then the approach is public_decision
    And warning overpromising is not given
