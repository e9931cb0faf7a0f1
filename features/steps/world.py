"""The state of one scenario and the helpers every step shares.

A scenario builds a context (from the base context or a pilot file), evaluates
it once, then checks the recommendation or the refusal. Assertion helpers
raise AssertionError with messages written for policy authors: what was
expected, what cogov actually said, and (for reasons) a diff of rule ids.
"""
from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "rules"
PILOTS_DIR = REPO / "examples" / "pilots"
PINS_DIR = REPO / "features" / "expected"     # pinned recommendations (engine/pins.py, `cogov rules pin`)

APPROACHES = ["autonomous", "modified_autonomous", "segmented_consultation", "unitary_consultation",
              "public_decision"]
THOMAS_LETTERS = {"A": "autonomous", "A-II": "modified_autonomous", "AII": "modified_autonomous",
                  "C-I": "segmented_consultation", "CI": "segmented_consultation",
                  "C-II": "unitary_consultation", "CII": "unitary_consultation", "G": "public_decision"}
IAP2 = ["inform", "consult", "involve", "collaborate", "empower"]

# Thomas's seven questions: the codes of DOMAIN.md section 2 and the context's field names.
QUESTIONS = {
    "QR": "quality_requirement",
    "INFO": "manager_has_information",
    "STRUCT": "problem_structured",
    "AR": "acceptance_critical",
    "AP": "acceptance_likely_if_autonomous",
    "GC": "public_shares_goals",
    "CONF": "public_conflict_likely",
}

# Rules fired by every evaluation of this test session, counted once per evaluation
# (read by the rule-coverage check at the end of the features run: test_rule_coverage.py).
FIRED_RULES: Counter[str] = Counter()

PILOTS = ["athens", "bremen", "genoa", "malmo", "milan", "palmela"]

# The base context: a complete, valid, deliberately unremarkable project. Steps
# then change only what a scenario is about. STEPS.md lists these values.
BASE_CONTEXT: dict[str, Any] = {
    "project": {"name": "Base project", "city": "Testville", "domain": "other", "objective": "efficiency"},
    "decision": {
        "quality_requirement": True,
        "manager_has_information": True,
        "problem_structured": True,
        "acceptance_critical": False,
        "acceptance_likely_if_autonomous": True,
        "public_shares_goals": True,
        "public_conflict_likely": False,
    },
    "public": {"size": "medium", "digital_access": "mixed", "organisation": "mixed",
               "trust_in_authority": "medium", "hard_to_reach_groups": False},
    "stakeholders": [
        {"id": "residents", "name": "Residents", "kind": "citizens", "power": "low", "interest": "medium",
         "affected": True},
    ],
    "capacity": {"facilitation_skills": "medium", "engagement_budget": "medium", "political_support": "medium",
                 "digital_platform_available": False, "prior_coproduction_experience": False},
}

# Values a described stakeholder group gets when its table leaves them out.
STAKEHOLDER_DEFAULTS = {"kind": "citizens", "power": "low", "interest": "low"}


# ---------------------------------------------------------------- values

def parse_value(text: str) -> Any:
    """A value written in a step or a table cell.

    "quoted" is that exact text; yes/no are booleans; anything JSON can read
    (3, 2.5, true, null, ["a"], {"k": 1}) is that JSON value; the rest is text.
    """
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    low = text.lower()
    if low in ("yes", "true"):
        return True
    if low in ("no", "false"):
        return False
    try:
        return json.loads(text)
    except ValueError:
        return text


def show(value: Any) -> str:
    """A value as an author writes it."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "(absent)"
    return str(value)


def split_list(text: str) -> list[str]:
    """`a, b and c` / `a b c` / `none` -> a list of words."""
    text = text.strip()
    if text.lower() in ("none", "nothing", "-", ""):
        return []
    parts = re.split(r",|\band\b|\s+", text)
    return [p.strip().strip('"') for p in parts if p.strip()]


def approach_code(text: str) -> str:
    """An approach written as its code (unitary_consultation) or Thomas letter (C-II)."""
    text = text.strip()
    if text in APPROACHES:
        return text
    code = THOMAS_LETTERS.get(text.upper())
    if code is None:
        raise AssertionError(f"unknown approach {text!r}: write one of {', '.join(APPROACHES)} "
                             f"or a Thomas code ({', '.join(k for k in THOMAS_LETTERS if '-' in k or len(k) == 1)})")
    return code


def approach_list(text: str) -> list[str]:
    return [approach_code(t) for t in split_list(text)]


def slug(name: str) -> str:
    """'Malmö' -> 'malmo'."""
    norm = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", norm.lower()).strip("_")


def table_pairs(datatable: list[list[str]]) -> list[tuple[str, str]]:
    """A two-column `| field | value |` table (an optional header row is skipped)."""
    rows = [r for r in datatable if r]
    if rows and [c.strip().lower() for c in rows[0]] in (["field", "value"], ["question", "answer"]):
        rows = rows[1:]
    out = []
    for row in rows:
        if len(row) != 2:
            raise AssertionError(f"expected a two-column table | field | value |, got the row {row}")
        out.append((row[0].strip(), row[1].strip()))
    return out


def table_records(datatable: list[list[str]]) -> list[dict[str, str]]:
    """A table with a header row: one dict per following row."""
    header = [c.strip() for c in datatable[0]]
    return [dict(zip(header, (c.strip() for c in row))) for row in datatable[1:]]


# ---------------------------------------------------------------- context paths

_PART = re.compile(r"([^.\[\]]+)|\[([^\]]+)\]")


def path_parts(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in _PART.findall(path):
        if name:
            parts.append(name)
        else:
            parts.append(int(index) if index.isdigit() else index)
    return parts


def _step_into(node: Any, part: str | int, path: str, create: bool) -> Any:
    if isinstance(node, list):
        if isinstance(part, int):
            if part >= len(node):
                raise AssertionError(f"{path}: there is no item {part} (the list has {len(node)})")
            return node[part]
        for item in node:  # stakeholders[residents]: by id
            if isinstance(item, dict) and item.get("id") == part:
                return item
        raise AssertionError(f"{path}: no item with id {part!r}")
    if not isinstance(node, dict):
        raise AssertionError(f"{path}: cannot go inside {node!r}")
    if part not in node:
        if not create:
            raise AssertionError(f"{path}: the context has no {part!r}")
        node[part] = {}
    return node[part]


def set_path(data: dict, path: str, value: Any) -> None:
    parts = path_parts(path)
    node = data
    for part in parts[:-1]:
        node = _step_into(node, part, path, create=True)
    last = parts[-1]
    if isinstance(node, list):
        node[_index(node, last, path)] = value
    else:
        node[last] = value


def remove_path(data: dict, path: str) -> None:
    parts = path_parts(path)
    node = data
    for part in parts[:-1]:
        node = _step_into(node, part, path, create=False)
    last = parts[-1]
    if isinstance(node, list):
        del node[_index(node, last, path)]
    elif last in node:
        del node[last]
    else:
        raise AssertionError(f"{path}: the context has no such field to remove")


def _index(items: list, part: str | int, path: str) -> int:
    if isinstance(part, int):
        if part >= len(items):
            raise AssertionError(f"{path}: there is no item {part} (the list has {len(items)})")
        return part
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("id") == part:
            return i
    raise AssertionError(f"{path}: no item with id {part!r}")


# ---------------------------------------------------------------- reasons

@dataclass
class Reasons:
    """A `because of rule(s) ...` clause: the rule ids and whether the list is exact."""

    rules: list[str]
    exact: bool

    def describe(self) -> str:
        return ("only " if self.exact else "") + "because of " + ", ".join(self.rules)


# The optional reason clause every assertion about an item accepts (see parse_reasons).
REASON = r"(?: (?P<reason>(?:only )?because of .+))?"

_REASON = re.compile(r"^(?P<only>only )?because of (?:the )?(?:rules?|rule ids?) (?P<rules>.+)$")


def parse_reasons(clause: str | None) -> Reasons | None:
    if not clause:
        return None
    m = _REASON.match(clause.strip())
    if not m:
        raise AssertionError(f"cannot read the reasons {clause!r}: write 'because of rule RULE_ID', "
                             "'because of rules ID1, ID2 and ID3' or 'only because of rules ...'")
    return Reasons(split_list(m["rules"]), exact=bool(m["only"]))


def rule_ids(because: list[dict]) -> list[str]:
    """The distinct rule ids of a `because` list, in first-firing order."""
    seen: list[str] = []
    for b in because:
        if b["rule"] not in seen:
            seen.append(b["rule"])
    return seen


def diff_rules(expected: list[str], actual: list[str], exact: bool) -> str:
    """A readable diff of rule ids: '-' expected but missing, '+' present but not expected."""
    lines = []
    for rid in sorted(set(expected) | set(actual)):
        if rid in expected and rid in actual:
            lines.append(f"      {rid}")
        elif rid in expected:
            lines.append(f"    - {rid}    (expected, not among cogov's reasons)")
        elif exact:
            lines.append(f"    + {rid}    (cogov's reason, not expected)")
        else:
            lines.append(f"      {rid}    (also a reason; fine)")
    return "\n".join(lines) if lines else "      (no rule ids on either side)"


def check_rules(what: str, expected: list[str], actual: list[str], exact: bool) -> None:
    __tracebackhide__ = True
    missing = [r for r in expected if r not in actual]
    extra = [r for r in actual if r not in expected]
    if missing or (exact and extra):
        label = "expected exactly:" if exact else "expected at least:"
        raise AssertionError(
            f"{what}: the reasons differ.\n"
            f"  {label:<19}{', '.join(expected) or '(none)'}\n"
            f"  {'actual:':<19}{', '.join(actual) or '(none)'}\n"
            f"  diff (- expected but missing, + unexpected):\n{diff_rules(expected, actual, exact)}")


def check_reasons(what: str, reasons: Reasons | None, because: list[dict]) -> None:
    __tracebackhide__ = True
    if reasons is not None:
        check_rules(what, reasons.rules, rule_ids(because), reasons.exact)


# ---------------------------------------------------------------- names a step uses

# A step argument names a rule or a catalogue code by its name (`rule`, `role`, `level`, ...), or, for the
# generic names `code`, `codes`, `item`, `fact`, `old` and `new`, by the words written just before it in the
# step ("technique X", "warning X", "selected by X"): check_step_arguments checks every one against the
# rule base the scenario runs on, for every step (features/conftest.py calls it before each step), so
# that a misspelt id fails instead of making a negative check ("rule X did not fire") pass on nothing.
ARGUMENT_KINDS = {
    "rule": "rule", "by": "rule", "rule_id": "rule", "rules": "rules", "reason": "reasons",
    "role": "role", "level": "level", "approach": "approach", "approaches": "approaches",
    "technique": "technique", "arrangement": "arrangement", "skill": "skill", "warning": "warning",
    "recruitment": "recruitment", "mode": "mode",
}
# (the step's text before the argument ends with this, what the argument names); the first that fits wins.
# None: not checked here (the loader checks the rule edits it writes, with its own "did you mean").
ARGUMENT_BEFORE: list[tuple[str, str | None]] = [
    (r"a rule edit adding technique ", None),
    (r"techniques (?:include|are) ", "techniques"),
    (r"technique ", "technique"),
    (r"arrangements (?:do not )?include ", "arrangement"),
    (r"skill ", "skill"),
    (r"warning ", "warning"),
    (r"selected by ", "recruitment"),
    (r"takes part by ", "mode"),
    (r"stakeholder \"[^\"]*\" is (?:not )?found to be (?:an? )?", "stakeholder fact"),
    (r"the project is (?:not )?found to be (?:an? )?", "project fact"),
    (r"found to be (?:an? )?", "fact"),
    (r"approach changes from (?:\S+ to )?", "approach"),
    (r"answer recommends ", "item"),
]
CONTEXTUAL_ARGUMENTS = {"code", "codes", "item", "fact", "old", "new"}
# Arguments that name no rule and no code: stakeholder ids (the recommendation lists the real ones when one
# is missing), texts and numbers, context fields and values (the context schema checks them when the
# context is evaluated), an item asked about (the engine answers an unknown one with its own "did you
# mean"), rule files and edits.
FREE_ARGUMENTS = {
    "sid", "names", "text", "sentence", "suggestion", "field", "fields", "value", "path", "relpath", "section",
    "objective", "activity", "what", "city", "version", "how", "kind", "n", "m", "limit", "neg", "matching",
    "via", "policy", "channels", "size", "word", "tier", "question", "pin",
}
# datatable column -> what its cells name (empty cells and "excluded" in a role column are not names)
COLUMN_KINDS = {"role": "role", "level": "level", "approach": "approach", "recruitment": "recruitment",
                "mode": "mode", "because": "rules", "because of rule": "rules"}
# what a replay's cause column says when no edited rule is the cause (engine.impact.Cause.how)
_CAUSE_WORDS = {"named", "fired_differently", "catalogue", "indirect"}
_CATALOGUE_FILE = {"techniques": "catalogue/techniques.yaml", "arrangements": "catalogue/arrangements.yaml",
                   "skills": "catalogue/skills.yaml", "warnings": "catalogue/warnings.yaml",
                   "roles": "catalogue/roles.yaml", "recruitment": "catalogue/roles.yaml (recruitment:)",
                   "modes": "catalogue/roles.yaml (modes:)"}


def argument_kind(name: str, text: str, value: Any) -> str | None:
    """What step argument `name` (its value `value`, in the step `text`) names; None: nothing to check.
    KeyError for an argument no table here classifies (test_step_library.py names it)."""
    if name in CONTEXTUAL_ARGUMENTS:
        found = re.search(rf"(?<![\w.]){re.escape(value)}(?![\w.])", text) if isinstance(value, str) and value \
            else None
        if found is None:
            return None
        before = text[:found.start()]
        for pattern, kind in ARGUMENT_BEFORE:
            if re.search(f"(?:^|\\b){pattern}$", before):
                return kind
        return None
    if name in ARGUMENT_KINDS:
        return ARGUMENT_KINDS[name]
    if name in FREE_ARGUMENTS or name in ("datatable", "docstring"):
        return None
    raise KeyError(name)


def check_name(rulebase: Any, kind: str, value: Any) -> None:
    """Fail (AssertionError, with a "did you mean") when `value` is not a `kind` of `rulebase`:
    a rule id, a derived fact, a catalogue code, an approach or an IAP2 level."""
    __tracebackhide__ = True
    from engine.catalogue import did_you_mean
    if value is None or value == "":
        return
    if kind in ("rules", "reasons", "approaches", "techniques"):
        if kind == "reasons":
            try:
                reasons = parse_reasons(value)
            except AssertionError:
                return                      # the step itself says how to write a reason
            names = reasons.rules if reasons else []
        else:
            names = split_list(value)
        single = {"rules": "rule", "reasons": "rule", "approaches": "approach", "techniques": "technique"}[kind]
        for name in names:
            if not (kind == "rules" and name in _CAUSE_WORDS):
                check_name(rulebase, single, name)
        return
    if kind == "rule":
        if value not in rulebase.by_id:
            raise AssertionError(f"rule {value} is not in the rule base this scenario runs on"
                                 f"{did_you_mean(value, rulebase.by_id)}")
        return
    if kind in ("fact", "stakeholder fact", "project fact"):
        scope = rulebase.fact_scope.get(value)
        if scope is None:
            raise AssertionError(f"no rule derives the fact {value} in the rule base this scenario runs on"
                                 f"{did_you_mean(value, rulebase.fact_scope)}")
        wanted = kind.split()[0]
        if wanted != "fact" and scope != wanted:
            owner, other = ("each stakeholder group", "the project") if scope == "stakeholder" else \
                ("the project", "a stakeholder group")
            step = 'stakeholder "ID" is' if scope == "stakeholder" else "the project is"
            raise AssertionError(f"the fact {value} is derived for {owner}, not for {other}: write "
                                 f"'{step} found to be {value}'")
        return
    if kind == "approach":
        if value in APPROACHES or str(value).upper() in THOMAS_LETTERS:
            return
        raise AssertionError(f"unknown approach {value!r}{did_you_mean(value, APPROACHES)}: write one of "
                             f"{', '.join(APPROACHES)} or a Thomas code (A, A-II, C-I, C-II, G)")
    if kind == "level":
        if value not in IAP2:
            raise AssertionError(f"unknown IAP2 level {value!r}{did_you_mean(value, IAP2)}: the levels are "
                                 f"{', '.join(IAP2)}")
        return
    if kind == "item":
        item_kind, _, code = str(value).partition(":")
        kinds = {"technique": "technique", "avoided_technique": "technique", "arrangement": "arrangement",
                 "skill": "skill", "warning": "warning", "approach": "approach"}
        if item_kind in kinds and code:
            check_name(rulebase, kinds[item_kind], code)
        return
    catalogue = {"technique": "techniques", "arrangement": "arrangements", "skill": "skills",
                 "warning": "warnings", "role": "roles", "recruitment": "recruitment", "mode": "modes"}[kind]
    codes = getattr(rulebase.catalogue, catalogue)
    if value not in codes:
        raise AssertionError(f"{kind} {value} is not in the catalogue of the rule base this scenario runs on "
                             f"({_CATALOGUE_FILE[catalogue]}){did_you_mean(value, codes)}")


def check_step_arguments(rulebase: Any, text: str, arguments: dict[str, Any]) -> None:
    """Check every rule id and catalogue code a step names (its arguments, and the cells of its table by
    column) against `rulebase`: called before every step runs (features/conftest.py)."""
    __tracebackhide__ = True
    for name, value in arguments.items():
        if name == "datatable" and isinstance(value, list) and value:
            header = [str(c).strip().lower() for c in value[0]]
            for row in value[1:]:
                for column, cell in zip(header, row):
                    kind = COLUMN_KINDS.get(column)
                    cell = str(cell).strip()
                    if kind and cell and not (column == "role" and cell.lower() == "excluded"):
                        check_name(rulebase, kind, cell)
            continue
        try:
            kind = argument_kind(name, text, value)
        except KeyError:
            continue                          # a fixture (world, audit...), not a parsed argument
        if kind is not None and isinstance(value, str):
            check_name(rulebase, kind, value)


# ---------------------------------------------------------------- the scenario's state

@dataclass
class World:
    engine: Any
    context: dict | None = None
    placeholder_group: bool = False
    result: dict | None = None
    refusal: Any = None          # the ContextError when the context was refused
    failure: BaseException | None = None  # any other error raised by the engine
    pilot_results: dict[str, dict] = field(default_factory=dict)

    # -- building the context
    def use_base(self) -> None:
        self.context = copy.deepcopy(BASE_CONTEXT)
        self.placeholder_group = True

    def use_file(self, path: Path) -> None:
        self.context = json.loads(path.read_text(encoding="utf-8"))
        self.placeholder_group = False

    def ctx(self) -> dict:
        if self.context is None:
            raise AssertionError("no context yet: start with 'Given a base project context' "
                                 "or 'Given the Genoa pilot context'")
        return self.context

    def add_group(self, group: dict) -> None:
        ctx = self.ctx()
        if self.placeholder_group:
            ctx["stakeholders"] = []
            self.placeholder_group = False
        ctx.setdefault("stakeholders", []).append(group)

    def group(self, sid: str) -> dict:
        for g in self.ctx().get("stakeholders", []):
            if g.get("id") == sid:
                return g
        raise AssertionError(f"the context has no stakeholder group {sid!r}; it has: "
                             f"{', '.join(str(g.get('id')) for g in self.ctx().get('stakeholders', []))}")

    # -- evaluating
    def evaluate(self) -> None:
        from engine import ContextError
        self.result = self.refusal = self.failure = None
        try:
            self.result = self.engine.evaluate(self.ctx())
            FIRED_RULES.update({f["rule"] for f in self.result["explanation"]["firings"]})
        except ContextError as exc:
            self.refusal = exc
        except Exception as exc:  # the engine or the rule base failed: report it in the Then step
            self.failure = exc

    # -- reading the outcome
    def rec(self) -> dict:
        if self.result is not None:
            return self.result
        if self.refusal is not None:
            errs = "\n".join(f"  {e['field'] or '(top)'}: {e['message']}" for e in self.refusal.errors)
            raise AssertionError(f"no recommendation: cogov refused the context:\n{errs}")
        if self.failure is not None:
            raise AssertionError(f"no recommendation: the engine failed: "
                                 f"{type(self.failure).__name__}: {self.failure}")
        raise AssertionError("the context has not been evaluated: add 'When the context is evaluated'")

    def participant(self, sid: str) -> dict:
        for p in self.rec()["participants"]:
            if p["stakeholder"] == sid:
                return p
        raise AssertionError(f"stakeholder {sid!r} is not in the recommendation; its participants are: "
                             f"{', '.join(p['stakeholder'] for p in self.rec()['participants'])}")

    def firings(self, rule: str | None = None, subject: str | None = None, any_subject: bool = True) -> list[dict]:
        out = []
        for f in self.rec()["explanation"]["firings"]:
            if rule is not None and f["rule"] != rule:
                continue
            if not any_subject and f["subject"] != subject:
                continue
            out.append(f)
        return out

    def firing_summary(self) -> str:
        return ", ".join(sorted({f["rule"] for f in self.rec()["explanation"]["firings"]})) or "(none)"


def describe_participant(p: dict) -> str:
    if p["excluded"]:
        state = f"excluded ({p['reason']})"
    elif p["role"] is None:
        state = "given no role by any rule"
    else:
        state = f"{p['role']} at level {p['iap2_level']}"
    rules = ", ".join(rule_ids(p["because"])) or "no rule"
    lines = [f"stakeholder {p['stakeholder']!r} is {state}, because of {rules}"]
    for o in p.get("overridden", []):
        lines.append(f"    overridden: {o['value']} from {o['rule']} ({o['reason']})")
    for key, what in (("recruitment", "selected by"), ("mode", "takes part by")):
        choice = p.get(key)
        if choice:
            origin = (f"because of {', '.join(rule_ids(choice['because']))}" if choice["via"] == "rule"
                      else f"as its {'role' if choice['via'] == 'role' else 'IAP2 level'} says")
            lines.append(f"    {what} {choice['code']}, {origin}")
            for o in choice["overridden"]:
                lines.append(f"        overridden: {o['value']} from {o['rule']} ({o['reason']})")
    return "\n".join(lines)


def signature(rec: dict) -> tuple:
    """What a manager reads in a recommendation, without its explanation.

    Stakeholder ids are left out (each pilot names its own groups): two
    recommendations are the same when approach, the roles and levels handed
    out, techniques, arrangements, skills and warnings are.
    """
    return (
        rec["approach"]["code"],
        tuple(sorted((p["role"] or "-", p["iap2_level"] or "-", p["excluded"]) for p in rec["participants"])),
        tuple(t["code"] for t in rec["techniques"]),
        tuple(t["code"] for t in rec["avoided_techniques"]),
        tuple(g["code"] for g in rec["governance"]),
        tuple((s["code"], s["lacking"]) for s in rec["skills"]),
        tuple(w["code"] for w in rec["warnings"]),
    )

