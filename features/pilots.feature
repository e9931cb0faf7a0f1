Feature: The six Periphèria pilots get six different, explained recommendations
  As the product owner
  I want the six pilot contexts of Paskaleva, Cooper & Concilio (2017) to come out with six
  different, defensible governance recommendations, each line traced to the rules that made it,
  so that cogov shows there is no one-size-fits-all way to co-produce a smart-city service.

  The contexts are examples/pilots/*.json; values not known from the sources are marked as
  assumed in each file's notes (DOMAIN.md section 6).
  Each pilot's whole recommendation, every item with its reasons, is pinned in
  features/expected/<pilot>.yaml: an extra, a missing or a changed item fails its scenario
  (after an intended change, `cogov rules pin` updates the pins and shows the difference).

  Scenario: Malmö, Smart Neighbourhood: hard-to-reach residents co-design through intermediaries, a women's association may run a service
    Given the Malmö pilot context
    When the context is evaluated
    Then the approach is public_decision because of rule thomas.choice_development
    And unitary_consultation is eliminated because of rules thomas.r6_fairness and thomas.r7_acceptance_priority
    And stakeholder "hard_to_reach_residents" is found to be needs_intermediary because of rule stakeholders.needs_intermediary
    And stakeholder "hard_to_reach_residents" takes part as co_designer at level collaborate because of rule stakeholders.phase_co_design_collaborate
    And stakeholder "immigrant_associations" takes part as co_designer at level collaborate because of rule stakeholders.phase_co_design_collaborate
    And stakeholder "district_administration" takes part as responsible_authority at level collaborate because of rule stakeholders.responsible_authority
    And stakeholder "living_lab_team" takes part as expert at level consult because of rule stakeholders.renn_experts
    And technique intermediary_associations is recommended because of rules techniques.hard_to_reach_intermediaries and stakeholders.needs_intermediary
    And technique community_media_centre is recommended because of rule techniques.community_media_centre
    And technique living_lab is recommended because of rule techniques.living_lab
    And technique hackathon is avoided because of rule techniques.low_digital_no_hackathon
    And online techniques are not recommended alone
    And the governance arrangements include advocacy_support because of rule stakeholders.salience_dependent
    And warning digital_divide is given because of rule techniques.offline_channel_required
    And stakeholder "hard_to_reach_residents" is selected by targeted_recruitment because of rule recruitment.targeted_hard_to_reach
    And stakeholder "womens_association" is found to be a co_producer_delivery because of rule coproduction.delivers_stated
    And stakeholder "womens_association" takes part as implementation_partner at level collaborate because of rule coproduction.implementation_partner_collaborate
    And stakeholder "immigrant_associations" is not found to be a co_producer_delivery
    And the governance arrangements include partnership_agreement because of rule coproduction.runs_service
    And warning substituting_paid_staff is given because of rule coproduction.runs_service
    And warning partial_coproduction is not given
    And the plan allows at most 4 core techniques because of rule capacity.low_resources
    And the core techniques are fact_sheet, intermediary_associations, citizen_advisory_committee and living_lab
    And every line of the recommendation is explained
    And there are no gaps
    And the recommendation is exactly as pinned in "malmo"

  Scenario: Bremen, Smart Street: contested street space is worked out by the assembled public
    Given the Bremen pilot context
    When the context is evaluated
    Then the approach is unitary_consultation because of rules thomas.r5_conflict and thomas.choice_time_efficient
    And segmented_consultation is eliminated only because of rule thomas.r5_conflict
    And public_decision is eliminated only because of rule thomas.r2_goal_congruence
    And stakeholder "residents" takes part as co_designer at level involve because of rule stakeholders.phase_co_design_involve
    And stakeholder "drivers" takes part as co_designer at level involve because of rule stakeholders.phase_co_design_involve
    And stakeholder "parking_operator" takes part as co_designer at level involve because of rule stakeholders.phase_co_design_involve
    And stakeholder "transport_department" takes part as responsible_authority at level collaborate because of rule stakeholders.responsible_authority
    And stakeholder "research_partners" takes part as expert at level consult because of rule stakeholders.renn_experts
    And technique public_meeting is recommended because of rule techniques.thomas_unitary
    And technique mediation is recommended because of rule techniques.conflict_mediation
    And technique mediation is core
    And stakeholder "parking_operator" is selected by professional_stakeholders because of rule recruitment.professionals
    And the governance arrangements include independent_facilitator because of rule governance.facilitator_conflict
    And warning conflict is given because of rule warnings.conflict
    And every line of the recommendation is explained
    And there are no gaps
    And the recommendation is exactly as pinned in "bremen"

  Scenario: Athens, Smart Square: a low-trust civic arena shares the decision, on a plan sized to a low-capacity team
    Given the Athens pilot context
    When the context is evaluated
    Then the approach is public_decision because of rules thomas.r7_acceptance_priority and thomas.choice_time_efficient
    And unitary_consultation is eliminated only because of rule thomas.r7_acceptance_priority
    And stakeholder "citizens" takes part as decision_partner at level collaborate because of rule stakeholders.approach_public_decision
    And stakeholder "citizens" is selected by open_self_selection because of rule recruitment.open
    And stakeholder "civic_groups" takes part as decision_partner at level collaborate because of rule stakeholders.approach_public_decision
    And stakeholder "vulnerable_residents" takes part as decision_partner at level collaborate because of rule stakeholders.approach_public_decision
    And stakeholder "vulnerable_residents" is selected by targeted_recruitment because of rule recruitment.targeted_hard_to_reach
    And stakeholder "municipality" takes part as responsible_authority at level collaborate because of rule stakeholders.responsible_authority
    And the plan allows at most 3 core techniques because of rule capacity.low_resources_first_time
    And the core techniques are fact_sheet, intermediary_associations and citizen_advisory_committee
    And technique intermediary_associations is recommended because of rule stakeholders.needs_intermediary
    And technique citizen_jury is extra
    And technique participatory_budgeting is extra
    And the governance arrangements include independent_facilitator because of rule governance.facilitator_low_trust
    And the governance arrangements include facilitation_support because of rule capacity.low_facilitation
    And the governance arrangements include capacity_partner because of rule capacity.low_resources_first_time
    And the governance arrangements do not include random_selection
    And warning unrepresentative_deliberation is given because of rule capacity.mini_public_out_of_reach
    And warning low_trust is given because of rule warnings.low_trust
    And skill facilitation is lacking because of rule skills.gap_facilitation
    And every line of the recommendation is explained
    And there are no gaps
    And the recommendation is exactly as pinned in "athens"

  Scenario: Genoa, Smart Museum and Park: living-lab meetings on conflicting uses, volunteer associations patrol the parks
    Given the Genoa pilot context
    When the context is evaluated
    Then the approach is unitary_consultation because of rules thomas.r3_unstructured, thomas.r5_conflict and thomas.choice_time_efficient
    And public_decision is eliminated only because of rule thomas.r2_goal_congruence
    And stakeholder "associations" is found to be a co_producer_delivery because of rule coproduction.delivers_stated
    And stakeholder "associations" takes part as implementation_partner at level involve because of rule coproduction.implementation_partner_involve
    And stakeholder "associations" is selected by organised_representatives because of rule recruitment.organised_groups
    And technique volunteer_programme is core
    And the governance arrangements include volunteer_agreement because of rule coproduction.delivery_programme
    And the governance arrangements include safeguarding_insurance because of rule coproduction.delivery_programme
    And warning volunteer_burnout is given because of rule coproduction.delivery_programme
    And stakeholder "residents" takes part as co_designer at level involve because of rule stakeholders.phase_co_design_involve
    And stakeholder "district_councils" takes part as responsible_authority at level collaborate because of rule stakeholders.responsible_authority
    And stakeholder "heritage_authority" takes part as advisor at level consult because of rule stakeholders.authority_keep_satisfied
    And technique online_questionnaire is recommended because of rule techniques.size_quantitative_online
    And technique online_questionnaire is extra
    And technique living_lab is recommended because of rule techniques.living_lab
    And technique co_design_workshop is recommended because of rule techniques.phase_co_design_workshops
    And the plan allows at most 6 core techniques because of rule capacity.first_coproduction
    And technique mediation is recommended because of rule techniques.conflict_mediation
    And the governance arrangements include data_protection_plan because of rule governance.personal_data
    And warning personal_data is given because of rule governance.personal_data
    And every line of the recommendation is explained
    And there are no gaps
    And the recommendation is exactly as pinned in "genoa"

  Scenario: Palmela, Smart City Hall: a mobile service van for isolated residents, low conflict
    Given the Palmela pilot context
    When the context is evaluated
    Then the approach is modified_autonomous only because of rules thomas.r1_information and thomas.choice_time_efficient
    And stakeholder "isolated_residents" is found to be needs_intermediary because of rule stakeholders.needs_intermediary
    And stakeholder "isolated_residents" takes part as information_source at level consult because of rule stakeholders.approach_modified_autonomous
    And stakeholder "municipality" takes part as responsible_authority at level collaborate because of rule stakeholders.responsible_authority
    And technique mobile_service_point is recommended because of rule techniques.mobile_service_point
    And technique complaints_and_contacts is recommended because of rule techniques.thomas_information_gathering
    And technique key_contact_interviews is recommended because of rule techniques.thomas_information_gathering
    And no online technique is recommended
    And every recommended technique is core
    And warning digital_divide is given because of rule techniques.offline_channel_required
    And warning conflict is not given
    And every line of the recommendation is explained
    And there are no gaps
    And the recommendation is exactly as pinned in "palmela"

  Scenario: Milan, Smart Campus: a connected, bounded community proposes online and at thematic tables
    Given the Milan pilot context
    When the context is evaluated
    Then the approach is unitary_consultation because of rules thomas.r3_unstructured and thomas.choice_time_efficient
    And public_decision is not eliminated
    And stakeholder "students" takes part as co_designer at level involve because of rule stakeholders.phase_co_design_involve
    And stakeholder "student_representatives" takes part as co_designer at level involve because of rule stakeholders.phase_co_design_involve
    And stakeholder "campus_administration" takes part as responsible_authority at level collaborate because of rule stakeholders.responsible_authority
    And technique online_platform is recommended because of rule techniques.online_platform
    And technique thematic_working_table is recommended because of rule techniques.phase_co_design_working_tables
    And technique online_platform is core
    And technique thematic_working_table is core
    And stakeholder "students" is selected by open_self_selection because of rule recruitment.open
    And warning digital_divide is not given
    And every line of the recommendation is explained
    And there are no gaps
    And the recommendation is exactly as pinned in "milan"

  Scenario: No one size fits all: the six recommendations are all different
    When the six pilot contexts are evaluated
    Then the six pilot recommendations are all different
    And the six pilots get at least 3 different approaches
    And the pilots get these approaches:
      | pilot   | approach             | because                       |
      | Malmö   | public_decision      | thomas.choice_development     |
      | Bremen  | unitary_consultation | thomas.r5_conflict            |
      | Athens  | public_decision      | thomas.r7_acceptance_priority |
      | Genoa   | unitary_consultation | thomas.r5_conflict            |
      | Palmela | modified_autonomous  | thomas.r1_information         |
      | Milan   | unitary_consultation | thomas.r3_unstructured        |
    And every pilot recommendation has no gaps
