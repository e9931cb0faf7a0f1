Feature: Stakeholder salience (Mitchell, Agle & Wood) is worked out for every group
  Each group is classed by the salience attributes it holds (power, a legitimate claim, an
  urgent claim). The classes are shown in the explanation; some of them also change what
  the manager is told.

  Scenario: A group with only an urgent claim is a demanding, latent stakeholder
    Given a base project context
    And a stakeholder group:
      | id         | protesters |
      | power      | low        |
      | interest   | high       |
      | legitimate | no         |
      | urgent     | yes        |
    When the context is evaluated
    Then stakeholder "protesters" is found to be a demanding_stakeholder because of rule stakeholders.salience_demanding
    And stakeholder "protesters" is found to be a latent_stakeholder because of rule stakeholders.salience_demanding
    And stakeholder "protesters" is not found to be a dependent_stakeholder
    And rule stakeholders.salience_demanding fired for stakeholder "protesters" matching:
      | stakeholder.power      | low |
      | stakeholder.legitimate | no  |
      | stakeholder.urgent     | yes |

  Scenario: A powerful group with an urgent but not legitimate claim is a dangerous, expectant stakeholder
    Given a base project context
    And a stakeholder group:
      | id         | landlords |
      | kind       | business  |
      | power      | medium    |
      | interest   | high      |
      | legitimate | no        |
      | urgent     | yes       |
    When the context is evaluated
    Then stakeholder "landlords" is found to be a dangerous_stakeholder because of rule stakeholders.salience_dangerous
    And stakeholder "landlords" is found to be an expectant_stakeholder because of rule stakeholders.salience_dangerous
    And rule stakeholders.salience_dangerous fired for stakeholder "landlords" matching:
      | stakeholder.power  | medium |
      | stakeholder.urgent | yes    |
    And rule stakeholders.salience_dominant did not fire for stakeholder "landlords"
    And warning key_player_sidelined is not given
