Feature: Hard-to-reach groups and low digital access get an offline or assisted channel
  As a public manager
  I want participation techniques that reach people without good digital access and groups that
  ordinary channels miss,
  so that online tools only complement, and never replace, the ways these people can take part.

  SmartiP and the Periphèria pilots (DOMAIN.md section 5): where the target group has low digital
  access or skills, or is elderly, low-income, migrant or geographically isolated, an offline or
  assisted channel is required (mobile service point, intermediary associations, community media
  centre); online tools only complement it.

  Background:
    Given a base project context

  Scenario: Low digital access in a district: a community media centre and face-to-face information
    Given the project:
      | scope | district |
    And the public:
      | digital_access | low    |
      | size           | medium |
    When the context is evaluated
    Then an assisted technique is recommended because of rule techniques.community_media_centre
    And technique open_house is recommended because of rule techniques.low_digital_in_person
    And warning digital_divide is given because of rule techniques.offline_channel_required
    And technique website is not recommended
    And online techniques are not recommended alone
    And technique hackathon is avoided because of rule techniques.low_digital_no_hackathon

  Scenario: Isolated residents across a city: a mobile service point, as in Palmela
    Given the project:
      | scope  | city               |
      | domain | digital_government |
    And the public:
      | digital_access       | low       |
      | size                 | city_wide |
      | hard_to_reach_groups | yes       |
    When the context is evaluated
    Then technique mobile_service_point is recommended because of rule techniques.mobile_service_point
    And technique intermediary_associations is recommended because of rule techniques.hard_to_reach_intermediaries
    And an offline or assisted technique is recommended
    And online techniques are not recommended alone
    And warning digital_divide is given because of rule techniques.offline_channel_required

  Scenario: Hard-to-reach groups in a connected public still get an assisted channel beside the platform
    Given the decision answers:
      | QR  | INFO | STRUCT | AR  | AP | GC | CONF |
      | yes | no   | no     | yes | no | no | yes  |
    And the public:
      | digital_access       | high  |
      | size                 | large |
      | hard_to_reach_groups | yes   |
    And the capacity:
      | digital_platform_available | yes |
    When the context is evaluated
    Then technique online_platform is recommended because of rule techniques.online_platform
    And technique intermediary_associations is recommended because of rule techniques.hard_to_reach_intermediaries
    And an assisted technique is recommended
    And online techniques are not recommended alone
    And warning digital_divide is given because of rule techniques.offline_channel_required
    And stakeholder "residents" is selected by random_selection because of rule recruitment.mini_public

  Scenario: A connected public without hard-to-reach groups raises no digital-divide warning
    Given the public:
      | digital_access       | high |
      | hard_to_reach_groups | no   |
    When the context is evaluated
    Then warning digital_divide is not given
    And technique intermediary_associations is not recommended

  Scenario Outline: Whatever the approach and the size of the public, low digital access never leaves online tools alone
    Given the decision answers:
      | QR   | INFO   | STRUCT   | AR   | AP   | GC   | CONF   |
      | <QR> | <INFO> | <STRUCT> | <AR> | <AP> | <GC> | <CONF> |
    And the project:
      | scope | <scope> |
    And the public:
      | digital_access       | low             |
      | size                 | <size>          |
      | hard_to_reach_groups | <hard_to_reach> |
    And the capacity:
      | digital_platform_available | yes |
    When the context is evaluated
    Then the approach is <approach>
    And an offline or assisted technique is recommended
    And online techniques are not recommended alone
    And warning digital_divide is given because of rule techniques.offline_channel_required
    And technique hackathon is not recommended

    Examples:
      | QR  | INFO | STRUCT | AR  | AP  | GC  | CONF | approach               | scope         | size      | hard_to_reach |
      | yes | yes  | yes    | no  | yes | yes | no   | autonomous             | neighbourhood | small     | no            |
      | yes | yes  | yes    | no  | yes | yes | no   | autonomous             | city          | city_wide | yes           |
      | yes | no   | yes    | no  | yes | yes | no   | modified_autonomous    | district      | medium    | no            |
      | yes | yes  | yes    | yes | no  | no  | no   | segmented_consultation | city          | large     | yes           |
      | yes | no   | no     | yes | no  | no  | yes  | unitary_consultation   | site          | large     | no            |
      | yes | no   | no     | yes | no  | no  | yes  | unitary_consultation   | region        | city_wide | no            |
      | no  | yes  | yes    | yes | no  | yes | no   | public_decision        | neighbourhood | medium    | yes           |
      | no  | yes  | yes    | yes | no  | yes | no   | public_decision        | city          | city_wide | no            |

  Scenario Outline: Where a group is hard to reach, an assisted channel is recommended for it
    Given the decision answers:
      | QR   | INFO   | STRUCT   | AR   | AP   | GC   | CONF   |
      | <QR> | <INFO> | <STRUCT> | <AR> | <AP> | <GC> | <CONF> |
    And the public:
      | digital_access | <digital_access> |
    And a stakeholder group:
      | id            | newcomers |
      | kind          | citizens  |
      | power         | low       |
      | interest      | high      |
      | affected      | yes       |
      | hard_to_reach | yes       |
    When the context is evaluated
    Then an assisted technique is recommended because of rule stakeholders.needs_intermediary
    And stakeholder "newcomers" takes part
    And online techniques are not recommended alone

    Examples:
      | QR  | INFO | STRUCT | AR  | AP  | GC  | CONF | digital_access |
      | yes | yes  | yes    | no  | yes | yes | no   | high           |
      | yes | yes  | yes    | yes | no  | no  | no   | mixed          |
      | yes | no   | no     | yes | no  | no  | yes  | high           |
      | no  | yes  | yes    | yes | no  | yes | no   | low            |
