Feature: Why not? A manager asks why something is not in the recommendation
  As a city manager reading my recommendation
  I want to ask "why not a public decision?" (or a technique, or a level for a group)
  So that I see which rule decided, and which of my answers stood in the way

  Scenario: Why not a public decision? The rule that ruled it out, with my answers
    Given the Genoa pilot context
    When I ask why not approach:public_decision
    Then cogov says it is not recommended
    And it was ruled out because of rule thomas.r2_goal_congruence matching:
      | decision.public_shares_goals | no  |
      | decision.quality_requirement | yes |

  Scenario: A feasible approach was not chosen because of my objective
    Given the Milan pilot context
    When I ask why not approach:public_decision
    Then cogov says it is not recommended
    And it was not chosen because of rule thomas.choice_time_efficient
    And rule thomas.choice_development could have produced it but failed on:
      | project.objective == capacity_building | efficiency |

  Scenario: Why not a citizen jury? The conditions that failed, with my actual answers
    Given the Genoa pilot context
    When I ask why not technique:citizen_jury
    Then cogov says it is not recommended
    And rule techniques.size_large_deliberation could have produced it but failed on:
      | approach.level >= collaborate             | involve                      |
      | project.activities not contains co_design | ["co_design", "co_delivery"] |

  Scenario: Why are residents not collaborating? Each rule that could have made them, and why not
    Given a base project context
    When I ask why not participant:residents:collaborate
    Then cogov says it is not recommended
    And rule stakeholders.default_key_player could have produced it but failed on:
      | derived.key_player | no |
    And rule stakeholders.approach_public_decision could have produced it but failed on:
      | approach.code == public_decision | autonomous |

  Scenario: Asking about something that is recommended after all
    Given the Genoa pilot context
    When I ask why not approach:unitary_consultation
    Then cogov says it is recommended

  Scenario: A misspelt question gets a suggestion
    Given the Genoa pilot context
    When I ask why not technique:citizen_jurry
    Then cogov cannot answer and suggests "citizen_jury"
