"""The OpenAPI's words for integrators: the introduction, the tags, and the descriptions of schemas and
properties whose models (the engine's answers, mostly) are documented for their developers instead.

A description here replaces the model's in the OpenAPI only. A new field with no description in its model
nor here fails tests/service/test_svc_contract_spec.py, which also refuses internal names (modules,
libraries, the rule engine's process names) anywhere in the document.
"""
from __future__ import annotations

INTRODUCTION = """\
Who should take part in which decision, with how much power, and why. A manager posts a project's context
and gets an explained recommendation (the participation approach, who takes part with which role and IAP2
level, techniques, governance arrangements, skills and warnings), which is written to a hash-chained
decision log before it is answered. Auditors read and verify the log; policy authors keep the rule base.

**Authentication.** Every operation under `/api/v1` needs `Authorization: Bearer <token>`; the token's role
(manager, auditor or author) says what it may do. A service started without tokens (local mode) answers on
loopback only and takes every caller as every role.

**Errors.** Every error answer is RFC 9457 problem details (`application/problem+json`): `type`
(`about:blank`), `title` (the HTTP reason phrase), `status`, `detail`, and for 422 `errors`, one entry per
bad field with its path in `field`. A method a path does not take gets 405 with an `Allow` header; a request
whose `Host` this service does not answer to gets 421; a cross-site web page's request that would change
something gets 403.

**Retries.** `POST /api/v1/recommendations`, `POST /api/v1/decisions/{id}/outcomes`, `POST /api/v1/rulebase`
and `POST /api/v1/rulebase/rollback` take an `Idempotency-Key` header: a retry with the same key and the same body gets the first answer again
(with `Idempotent-Replayed: true`) and records nothing new; the same key with another body is refused
with 422. Keys are kept per caller, in the decision log's database.

**Caching.** Decisions and stored rule base versions never change: their answers carry an `ETag` and
`Cache-Control: private, ..., immutable`, and `If-None-Match` with that tag gets 304.
"""

TAGS = [
    {"name": "recommendations",
     "description": "For managers: evaluate a project context (the decision is logged), or compare the "
                    "recommendations before and after some changes (nothing is logged)."},
    {"name": "decisions",
     "description": "The decision log's records: managers read their own, auditors every one."},
    {"name": "explanations",
     "description": "Why an item is not in a decision's recommendation, and which answer changes would "
                    "change it: for managers (their own decisions) and auditors."},
    {"name": "audit",
     "description": "For auditors: verify the log's hash chains, replay a decision under its own rules or "
                    "others, and (with authors) see what a candidate rule base would change."},
    {"name": "rules",
     "description": "For authors and auditors: the rules serving now, one by one, and checking a candidate "
                    "rule base."},
    {"name": "rule base",
     "description": "Rule base versions: authors activate a new one or roll back to a stored one; authors "
                    "and auditors read the history, the stored versions and their differences."},
    {"name": "reference",
     "description": "For every role: the catalogues behind recommendations and the context's JSON Schema."},
    {"name": "evidence",
     "description": "What happened after a decision: evaluations recorded against logged decisions."},
    {"name": "service",
     "description": "Liveness and readiness probes, and who a token belongs to."},
]

_BECAUSE = "The rule firings that produced it (see explanation.firings)."
_OVERRIDDEN = "Conclusions about it that lost to others under the conflict policy, and what beat them."
_ITEM = {"code": "The item's code in the catalogue (GET /api/v1/catalogue).",
         "label": "The item's name, for people.", "because": _BECAUSE}
_RECOMMENDATION = {
    "": "The explained recommendation for a project context.",
    "approach": "The participation approach (Thomas's Effective Decision Model) and why.",
    "participants": "Each stakeholder group: whether it takes part, with which role, IAP2 level, recruitment and "
                    "mode, and why.",
    "techniques": "The participation techniques recommended, and why.",
    "avoided_techniques": "Techniques to avoid for this context, and why.",
    "governance": "The governance arrangements recommended, and why.",
    "skills": "The skills the city team needs, noting those it lacks.",
    "warnings": "Risks to watch for this context.",
    "explanation": "Every rule that fired, in order, with what it matched and concluded, and its sources.",
    "rulebase": "The rule base version that made the recommendation.",
    "engine": "The cogov engine that made it: `version`, and `backend` (the evaluator used).",
}
_BRIEF = {
    "": "The recommendation for a project context: the plan, the items and their `because` references (the "
        "firing numbers and rules behind each). The full explanation (the trace, sources, overridden "
        "conclusions, tier reasons, catalogue details) is at `explanation_url`, or inline with explain=full.",
    "plan": "What to do, first: the plan in words and its sizing.",
    "approach": "The participation approach and the rules behind it.",
    "unknowns": "One entry per answer given as unknown.",
    "participants": "Each stakeholder group: whether it takes part, with which role, IAP2 level, recruitment and "
                    "mode, and why.",
    "techniques": "The participation techniques recommended, their tiers, and why.",
    "avoided_techniques": "Techniques to avoid for this context, and why.",
    "governance": "The governance arrangements recommended, and why.",
    "skills": "The skills the city team needs, noting those it lacks.",
    "warnings": "Risks to watch for this context (the plan states each as an action).",
    "gaps": "Things the rule base left undecided for this context.",
    "rulebase": "The rule base version that made the recommendation.",
    "engine": "The cogov engine that made it.",
}
_CHECK = {"rule": "The rule's id.", "title": "What the rule says, in one line.",
          "file": "The rule file, relative to the rule base.", "line": "The rule's line in its file.",
          "priority": "Its priority when rules conflict (higher wins).", "fired": "Whether it fired.",
          "firing": "Its firing number in explanation.firings, when it fired."}
_ENTRY = {"code": "The entry's code, as recommendations name it.", "label": "Its name, for people.",
          "description": "What it is, when the catalogue says.",
          "sources": "Keys of the published sources behind it (see `sources`)."}
_IMPACT = {"candidate_version": "The candidate rule base's version.",
           "filters": "The filters the decisions were selected with, as given.",
           "changed": "Decisions whose recommendation would change.",
           "unchanged": "Decisions whose recommendation would stay the same.",
           "failures": "Decisions the candidate could not evaluate, grouped by reason.",
           "seconds": "How long the run took.",
           "unaffected": "Decisions not evaluated again because the edited rules cannot reach them (their "
                         "recommendation cannot change)."}
_WHATIF = {"original_approach": "The decision's approach as logged.",
           "max_changes": "The most answers changed at once, as asked.",
           "limit": "The most change sets answered, as asked.",
           "max_evaluations": "The bound on contexts evaluated.",
           "rulebase_version": "The rule base version the decision is explained under (the one that made it)."}
_REPLAY = {"decision_id": "The decision replayed.", "seq": "Its position in the decision log's chain.",
           "rulebase_version": "The rule base version that made it.", "integrity": "Its replay under that version.",
           "seconds": "How long the replay took."}

# schema name -> {"": the schema's description, property: the property's description}
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Recommendation": _RECOMMENDATION,
    "RecommendationOut": {k: v for k, v in _RECOMMENDATION.items() if k},
    "LoggedRecommendation": {k: v for k, v in _RECOMMENDATION.items() if k},
    "Because": {"": "A rule firing behind an item.", "rule": "The rule's id."},
    # the default answer: the plan, the items and their because references (explain=full: the above)
    "RecommendationBrief": _BRIEF,
    "RecommendationBriefOut": {k: v for k, v in _BRIEF.items() if k},
    "LoggedRecommendationBrief": {k: v for k, v in _BRIEF.items() if k},
    "BriefPlan": {"": "The plan in words and how the techniques were sized to the team's capacity.",
                  "summary": "One or two plain sentences: the approach, who decides, and with whom.",
                  "steps": "The ordered actions, in words.", "bounds": "The bounds the team's capacity puts on the "
                  "plan (empty when none).", "core": "Codes of the core techniques (do these).",
                  "extra": "Codes of the extra techniques (if capacity allows).",
                  "sizing": "How the techniques were sized, in one sentence."},
    "BriefPlanStep": {"": "One action of the plan.", "text": "What to do, in words."},
    "BriefApproach": {"": "The recommended participation approach (Thomas's Effective Decision Model).",
                      "code": "The approach's code.", "thomas": "Its name in Thomas's model.",
                      "label": "Its name, for people.", "iap2_level": "The IAP2 level it corresponds to.",
                      "constraints": "The constraints within which the decision is shared, as the manager stated "
                                     "them; null when none were.", "because": _BECAUSE},
    "BriefParticipant": {"": "One stakeholder group in the recommendation.",
                         "stakeholder": "The group's id in the context.", "name": "The group's name in the context.",
                         "role": "Its role's code; null when it does not take part.",
                         "role_label": "Its role's name; null when it does not take part.",
                         "iap2_level": "How much power it gets (IAP2); null when it does not take part.",
                         "recruitment": "How its people are selected; null when it does not take part.",
                         "mode": "How they take part; null when it does not take part.",
                         "excluded": "True when the group is left out of participation.",
                         "reason": "Why it is left out, when it is.",
                         "because": "The rule firings behind its role and level."},
    "BriefChoice": {"": "How a group's people are selected, or how they take part.",
                    "code": "The choice's code in the catalogue.", "label": "Its name, for people.",
                    "via": "rule (a rule concluded it), role (the role's own mode) or level (the mode of the "
                           "group's IAP2 level).", "because": _BECAUSE},
    "BriefTechnique": {"": "A recommended participation technique, its tier and why.", **_ITEM,
                       "tier": "core (do these) or extra (if capacity allows)."},
    "UnknownAnswer": {"question": "The question the unknown answer belongs to, in words."},
    "UnknownEffect": {"field": "The context field whose answer is unknown.",
                      "answer": "One value the answer could take."},
    "UnknownsPolicy": {"id": "The id of the rule stating the policy for unknown answers.",
                       "title": "What that rule says, in one line.", "rationale": "Why, in the rule's words.",
                       "sources": "The published sources it cites.", "file": "The rule file it is in.",
                       "line": "Its line in that file."},
    "Overridden": {"": "A conclusion that lost under the conflict policy, and what beat it.",
                   "rule": "The rule that concluded it.", "firing": "Its firing number in explanation.firings.",
                   "value": "What it concluded.", "by": "The firings that beat it.",
                   "reason": "Why it lost (the conflict policy's rule), in words."},
    "Eliminated": {"": "An approach ruled out, and by which rules.", "code": "The approach's code.",
                   "label": "The approach's name.", "because": "The rule firings that ruled it out."},
    "ApproachOut": {"": "The recommended participation approach (Thomas's Effective Decision Model).",
                    "code": "The approach's code.", "thomas": "Its name in Thomas's model (e.g. AI, AII, CI, "
                                                                      "CII, G).",
                    "label": "Its name, for people.", "iap2_level": "The IAP2 level it corresponds to.",
                    "meaning": "What it means in practice.",
                    "feasible": "Codes of the approaches the context left feasible.",
                    "eliminated": "The approaches ruled out, and why.",
                    "policy": "Which feasible approach the manager's objective chose (efficiency: the least "
                              "involving; capacity building: the most), in words.",
                    "because": _BECAUSE, "overridden": _OVERRIDDEN},
    "ParticipationChoice": {"code": "The choice's code in the catalogue.", "label": "Its name, for people.",
                            "overridden": _OVERRIDDEN},
    "Participant": {"": "One stakeholder group in the recommendation.",
                    "stakeholder": "The group's id in the context.", "name": "The group's name in the context.",
                    "role": "Its role's code; null when it does not take part.",
                    "role_label": "Its role's name; null when it does not take part.",
                    "iap2_level": "How much power it gets (IAP2: inform, consult, involve, collaborate, empower); "
                                  "null when it does not take part.",
                    "excluded": "True when the group is left out of participation.",
                    "reason": "Why it is left out, when it is.",
                    "because": "The rule firings behind its role and level.", "overridden": _OVERRIDDEN},
    "Item": {"": "A recommended item (a governance arrangement) and why.", **_ITEM},
    "TechniqueOut": {"": "A recommended participation technique and why.", **_ITEM,
                     "iap2_levels": "The IAP2 levels it serves.", "group_size": "The public sizes it suits.",
                     "channel": "online, offline or assisted.", "skills": "Codes of the skills it needs."},
    "AvoidedTechnique": {"": "A technique to avoid for this context and why.", **_ITEM},
    "SkillOut": {"": "A skill the city team needs and why.", **_ITEM,
                 "lacking": "True when the context says the team lacks it.",
                 "lacking_because": "The rule firings that found it lacking."},
    "WarningOut": {"": "A risk to watch and why.", **_ITEM, "message": "The warning, in words."},
    "PlanBound": {"value": "The bound: a number of techniques for core_at_most, else a level (low, medium, "
                           "high)."},
    "PlanOut": {"summary": "The plan in words."},
    "FiringOut": {"": "One rule firing: what the rule matched and concluded.",
                  "seq": "Its firing number (its place in the order rules fired).", "rule": "The rule's id.",
                  "title": "What the rule says, in one line.", "file": "The rule file.", "line": "Its line.",
                  "subject": "The stakeholder id, for a rule applied to each group.",
                  "concluded": "What it concluded.", "sources": "Keys of the published sources it cites."},
    "Explanation": {"": "How the recommendation was reached, firing by firing.",
                    "firings": "Every rule firing, in order.",
                    "policy": "The conflict policy that settled competing conclusions, in words."},
    "RuleBaseInfo": {"": "A rule base version.", "version": "The version (a digest of its files).",
                     "rule_count": "How many rules it has."},
    # why not / what if
    "WhyNotOut": {"item": "The item asked about, as given (e.g. technique:citizen_jury).",
                  "label": "The item's name.", "rulebase_version": "The rule base version it is explained under."},
    "RuleCheck": {"": "A rule that can produce (or contend for) the item: whether it fired, and if not, why not.",
                  **_CHECK},
    "Alternative": {"condition": "The alternative, as the rule language writes it.",
                    "failed": "Its conditions that did not hold."},
    "FailedLiteral": {"field": "The context field (or derived fact) the condition reads."},
    "Defeat": {"how": "eliminated, avoided, overridden, not_chosen or excluded.",
               "rule": "The rule that did it, when one did.", "firing": "Its firing number.",
               "subject": "The stakeholder id, for a rule applied to each group.",
               "matched": "The values that rule matched.", "reason": "What happened, in words."},
    "WhatIfOut": _WHATIF,
    "ScenarioOut": {"changes": "The answers changed.", "approach": "The approach with these changes.",
                    "checked_by": "Which evaluator made `recommendation` (the one that makes logged decisions).",
                    "agrees": "Whether the search's own evaluation and that evaluator gave the same items, for the "
                              "same rules (firing numbers may differ between them)."},
    "FieldChange": {"": "One answer changed in the context.", "new": "Its new value."},
    "RecommendationDiff": {"": "Two recommendations compared item by item.",
                           "same": "True when nothing differs.", "changes": "Each item that differs."},
    "Change": {"": "One item that differs between two recommendations.",
               "item": "The item, e.g. technique:citizen_jury or participant:residents:level.",
               "kind": "added, removed or changed.", "old": "Its old value (null when added).",
               "new": "Its new value (null when removed)."},
    # replay and impact
    "ReplayOut": _REPLAY,
    "Integrity": {"": "The decision replayed under its own stored rule base version, by the same kind of "
                      "evaluation that made it.",
                  "detail": "The outcome, in words."},
    "ComparisonOut": {"rulebase_version": "The other rule base version.",
                      "edits": "The rule and catalogue edits from the decision's version to it.",
                      "diff": "What differs in the recommendation, item by item; null when it gives none."},
    "RuleBaseDiff": {"": "The edits from one rule base version to another.",
                     "old_version": "The version compared from.", "new_version": "The version compared to.",
                     "rules": "The rules added, removed or changed.",
                     "catalogue": "The catalogue entries added, removed, changed or reordered."},
    "RuleEdit": {"": "A rule added, removed or changed.", "rule": "The rule's id.",
                 "kind": "added, removed or changed.", "fields": "For a changed rule: the fields that changed."},
    "CatalogueEdit": {"": "A catalogue entry added, removed, changed or reordered.",
                      "entry": "The entry, e.g. technique:citizen_jury.",
                      "kind": "added, removed, changed or reordered."},
    "Cause": {"": "The rule edits behind one changed item.", "item": "The changed item.",
              "how": "How it was traced: named (an edited rule concludes it), fired_differently, catalogue or "
                     "indirect.",
              "rules": "The edited rules behind it.", "catalogue": "The edited catalogue entries behind it."},
    "ImpactReport": {"": "What a candidate rule base would change in the stored decisions, and which rule edits "
                         "cause each change.", **_IMPACT},
    "ImpactWithEvidence": {"": "What a candidate rule base would change in the stored decisions, which rule edits "
                               "cause each change, and how the advice behind the changes fared where decisions "
                               "were evaluated.", **_IMPACT},
    "Transition": {"": "One approach transition across decisions.", "old": "The approach before.",
                   "new": "The approach under the candidate."},
    "ItemChange": {"": "One item change across decisions.", "item": "The item.",
                   "old": "Its old value.", "new": "Its new value."},
    "RuleImpact": {"": "The changes one rule edit causes across decisions.",
                   "how": "How the changes were traced to it (named, fired_differently, catalogue, indirect)."},
    "Failure": {"": "Decisions the candidate could not evaluate, for one reason.", "reason": "The reason."},
    # the catalogue
    "CatalogueOut": {"techniques": "Participation techniques by code.", "roles": "Stakeholder roles by code.",
                     "recruitment": "How participants are selected, by code.",
                     "modes": "How participants take part, by code.",
                     "arrangements": "Governance arrangements by code.", "skills": "Skills by code.",
                     "warnings": "Warnings by code.", "sources": "Published sources by key."},
    "Technique": {"": "A participation technique.", **_ENTRY, "iap2_levels": "The IAP2 levels it serves.",
                  "group_size": "The public sizes it suits.", "channel": "online, offline or assisted.",
                  "skills": "Codes of the skills it needs."},
    "Role": {"": "A role a stakeholder group can take.", **_ENTRY},
    "Recruitment": _ENTRY,
    "Mode": _ENTRY,
    "Arrangement": {"": "A governance arrangement.", **_ENTRY},
    "Skill": {"": "A skill a city team may need.", **_ENTRY},
    "Warning": {"": "A risk a recommendation can warn about.", **_ENTRY, "message": "The warning, in words."},
    "Term": {"code": "The code it names.", "label": "Its name, for people."},
    "Terms": {"approaches": "The words for each approach code.", "levels": "The words for each IAP2 level.",
              "strategies": "The words for each way an approach is chosen.",
              "fields": "The words for each context field, by its path (e.g. decision.quality_requirement).",
              "conclusions": "The words for each conclusion rules derive (e.g. key_player), as why-not names it.",
              "options": "The words for each field's choices, by vocabulary."},
    "TextEdit": {"part": "The part of the rule edited: a condition (e.g. when.all[2]), a conclusion (e.g. "
                         "then.techniques) or another field.",
                 "old": "It as it was written before (null when added).",
                 "new": "It as it is written now (null when removed)."},
    "Named": {"project": "The context's project name (null once removed by retention).",
              "city": "The context's city, when given."},
    "Source": {"": "A published source rules cite.", "citation": "The full citation.", "doi": "Its DOI, if any.",
               "url": "Its address, if any.", "note": "A note on how it is used, if any."},
}
