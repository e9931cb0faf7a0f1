"""Load and check a rule base, from a directory or from files in memory, all of it, before anything runs.

Every problem becomes a LoadError naming file:line (and the rule id); a rule
base with any error is refused whole.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError

from . import approaches
from .catalogue import CATALOGUE_FILES, EXTRA_CATALOGUES, SOURCES_FILE, Catalogue, SourceFile
from .conditions import FIELDS, Cmp, ConditionError, Exists, parse_condition, to_terms
from .rulebase import LoadError, Rule, RuleBase, RuleBaseError
from .rulefile import RuleFile
from .yamlsource import Located, YamlError, parse_yaml, parse_yaml_bytes

POLICY_DIR = "policy"
MAX_RULES = 4000
MAX_FILES = 500
MEMORY_ROOT = "(in memory)"     # RuleBase.root of files not read from a directory: names no folder
_FIXED_FILES = [SOURCES_FILE] + [spec[0] for spec in CATALOGUE_FILES.values()]


class _Collector:
    def __init__(self) -> None:
        self.errors: list[LoadError] = []

    def add(self, file: str, line: int | None, message: str, rule: str | None = None) -> None:
        self.errors.append(LoadError(file, line, message, rule))

    def pydantic(self, file: str, located: Located, exc: ValidationError, prefix: tuple = ()) -> None:
        for err in exc.errors(include_url=False):
            loc = prefix + tuple(err["loc"])
            rule = None
            if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
                rules = (located.data or {}).get("rules") or []
                if loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
                    rule = rules[loc[1]].get("id") if isinstance(rules[loc[1]].get("id"), str) else None
            field = ".".join(str(p) for p in loc)
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key (not part of the rule-file schema)"
            elif err["type"] == "missing":
                msg = "required key is missing"
            self.add(file, located.line_of(loc), f"{field}: {msg}", rule)


def _read(files: Mapping[str, str | bytes], rel: str, model: type[BaseModel],
          errs: _Collector) -> tuple[Any, Located | None]:
    content = files[rel]
    try:
        located = parse_yaml_bytes(content) if isinstance(content, bytes) else parse_yaml(content)
    except YamlError as exc:
        errs.add(rel, exc.line, exc.message)
        return None, None
    if not isinstance(located.data, dict):
        errs.add(rel, 1, "expected a mapping at the top of the file")
        return None, located
    try:
        return model.model_validate(located.data), located
    except ValidationError as exc:
        errs.pydantic(rel, located, exc)
        return None, located


def _hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    return "sha256:" + digest.hexdigest()[:16]


def rulebase_files(root: Path) -> list[str]:
    """Relative paths of every file that makes up the rule base in directory `root`, sorted."""
    policy = root / POLICY_DIR
    names = sorted(p.name for p in policy.iterdir() if p.suffix in (".yaml", ".yml") or p.is_dir()) \
        if policy.is_dir() else []
    return _FIXED_FILES + [f"{POLICY_DIR}/{name}" for name in names]


def _path_problem(rel: Any) -> str | None:
    """Why `rel` cannot name a file of a rule base held in memory (None: it can)."""
    if not isinstance(rel, str) or not rel:
        return "a file name must be a non-empty text"
    if any(not c.isprintable() for c in rel):
        return "a file name cannot hold control characters (NUL, line breaks...)"
    if "\\" in rel:
        return "separate folder names with '/', not '\\'"
    path = PurePosixPath(rel)
    if path.is_absolute():
        return "rule base paths must be relative to the rule base"
    if ".." in path.parts:
        return "rule base paths must stay inside the rule base ('..' is not allowed)"
    if not path.parts:
        return "a file name must name a file"
    if str(path) != rel:
        return f"write this path as {str(path)!r}"
    return None


def load_rulebase_files(files: Mapping[str, str | bytes], *, expect_version: str | None = None,
                        root: str = MEMORY_ROOT) -> RuleBase:
    """Load, validate and stratify a rule base given as {relative path: text}, e.g. RuleBase.files.

    The one way every rule base is loaded (load_rulebase reads a directory into this), so a rule base
    stored in the decision log, a candidate sent to the API and the rules directory give the same
    version and the same errors for the same files. Paths are checked before anything is parsed: each
    is relative, '/'-separated, canonical and stays inside the rule base (RuleBaseError naming each bad
    one). Files that are not part of a rule base (a README, lint.yaml) are ignored, as in a directory.
    Bytes are read as UTF-8, as from disk. `expect_version`: the version these files must give (a
    stored version rebuilt from its files); another version is a RuleBaseError saying both. `root`
    only labels where the files came from (RuleBase.root): it is not read.
    """
    errs = _Collector()
    for rel in files:
        problem = _path_problem(rel)
        if problem is not None:
            shown = rel if isinstance(rel, str) and rel.isprintable() else repr(rel)
            errs.add(shown, None, problem)
    if errs.errors:
        raise RuleBaseError(errs.errors)
    policy: set[str] = set()
    for rel in files:
        parts = rel.split("/")
        if parts[0] == POLICY_DIR and len(parts) > 2:
            policy.add(f"{POLICY_DIR}/{parts[1]}/")       # a subfolder: refused below, as in a directory
        elif parts[0] == POLICY_DIR and len(parts) == 2 and PurePosixPath(rel).suffix in (".yaml", ".yml"):
            policy.add(rel)
    rels = _FIXED_FILES + sorted(p.rstrip("/") for p in policy)
    if len(rels) > MAX_FILES:
        raise RuleBaseError([LoadError(root, None, f"more than {MAX_FILES} rule files")])
    raw_files: dict[str, bytes] = {}
    for rel in rels:
        if f"{rel}/" in policy:
            errs.add(rel, None, "rule files must sit directly in policy/: subfolders are not read")
        elif rel not in files:
            errs.add(rel, None, "missing: every rule base has this file")
        elif isinstance(files[rel], bytes):
            raw_files[rel] = files[rel]
        elif not isinstance(files[rel], str):
            errs.add(rel, None, f"the file's content must be text, not {type(files[rel]).__name__}")
        else:
            try:
                raw_files[rel] = files[rel].encode("utf-8")
            except UnicodeEncodeError as exc:
                errs.add(rel, None, f"not UTF-8 text: {exc.reason} at character {exc.start}")
    if errs.errors:
        raise RuleBaseError(errs.errors)
    rb = _check(files, rels, raw_files, root, errs)
    if expect_version is not None and rb.version != expect_version:
        raise RuleBaseError([LoadError("", None, f"these files load as rule base version {rb.version}, not the "
                                                 f"expected {expect_version}: they were altered")])
    return rb


def load_rulebase(root: str | Path) -> RuleBase:
    """Load, validate and stratify the rule base in directory `root` (e.g. `rules/`): each file is read
    once, then loaded by load_rulebase_files."""
    root = Path(root)
    errs = _Collector()
    if not root.is_dir():
        raise RuleBaseError([LoadError(str(root), None, "not a directory")])
    rels = rulebase_files(root)
    if len(rels) > MAX_FILES:
        raise RuleBaseError([LoadError(str(root), None, f"more than {MAX_FILES} rule files")])
    raw_files: dict[str, bytes] = {}
    for rel in rels:
        if (root / rel).is_dir():
            errs.add(rel, None, "rule files must sit directly in policy/: subfolders are not read")
            continue
        try:
            raw_files[rel] = (root / rel).read_bytes()
        except OSError as exc:
            errs.add(rel, None, f"cannot read: {exc.strerror}")
    if errs.errors:
        raise RuleBaseError(errs.errors)
    return load_rulebase_files(raw_files, root=str(root))


def _check(files: Mapping[str, str | bytes], rels: list[str], raw_files: dict[str, bytes], root: str,
           errs: _Collector) -> RuleBase:
    """The rule base in `files` (every one of `rels` present, `raw_files` their bytes), checked whole."""
    # --- catalogues and sources
    cat: dict[str, dict] = {}
    src_model, _ = _read(files, SOURCES_FILE, SourceFile, errs)
    cat["sources"] = dict(src_model.sources) if src_model else {}
    sources_ok = src_model is not None  # else every citation would be reported as unknown too
    cat_lines: dict[str, tuple[str, Located | None, list, str]] = {}
    broken: set[str] = set()  # catalogues that failed to load: no "unknown code" cascades
    lists: list[tuple[str, str, str]] = [(kind, spec[0], spec[2]) for kind, spec in CATALOGUE_FILES.items()]
    lists += [(kind, CATALOGUE_FILES[home][0], key) for kind, (home, key) in EXTRA_CATALOGUES.items()]
    parsed_files: dict[str, tuple[Any, Located | None]] = {}
    for kind, rel, key in lists:
        if rel not in parsed_files:
            model = next(m for r, m, _ in CATALOGUE_FILES.values() if r == rel)
            parsed_files[rel] = _read(files, rel, model, errs)
        parsed, located = parsed_files[rel]
        if parsed is None:
            broken.add(kind)
        entries = getattr(parsed, key) if parsed else []
        cat_lines[kind] = (rel, located, entries, key)
        cat[kind] = {}
        for i, entry in enumerate(entries):
            if entry.code in cat[kind]:
                errs.add(rel, located.line_of((key, i, "code")), f"duplicate {kind} code {entry.code!r}")
            cat[kind][entry.code] = entry
    catalogue = Catalogue(**cat)
    for kind, (rel, located, entries, key) in cat_lines.items():
        for i, entry in enumerate(entries):
            mode = getattr(entry, "mode", None)
            if mode is not None and "modes" not in broken and mode not in catalogue.modes:
                errs.add(rel, located.line_of((key, i, "mode")), f"{entry.code}: unknown mode {mode!r}")
            for j, s in enumerate(entry.sources):
                if sources_ok and s not in catalogue.sources:
                    errs.add(rel, located.line_of((key, i, "sources", j)), f"{entry.code}: unknown source {s!r}")
            for j, s in enumerate(getattr(entry, "skills", [])):
                if "skills" not in broken and s not in catalogue.skills:
                    errs.add(rel, located.line_of((key, i, "skills", j)), f"{entry.code}: unknown skill {s!r}")

    # --- rule files
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    declared: set[str] = set()   # facts derived by any rule, even one with errors (no cascades)
    for rel in rels:
        if not rel.startswith(POLICY_DIR + "/"):
            continue
        parsed, located = _read(files, rel, RuleFile, errs)
        if parsed is None:
            continue
        for i, spec in enumerate(parsed.rules):
            declared.update(spec.then.derive)
            at = ("rules", i)
            line = located.line_of(at)
            if spec.id in seen:
                errs.add(rel, located.line_of(at + ("id",)), f"duplicate rule id (first in {seen[spec.id]})", spec.id)
                continue
            seen[spec.id] = f"{rel}:{line}"
            rule = _check_rule(spec, rel, located, at, len(rules), catalogue, errs, sources_ok, broken)
            if rule is not None:
                rules.append(rule)
    if len(rules) > MAX_RULES:
        errs.add(POLICY_DIR, None, f"{len(rules)} rules: durable_rules allows at most {MAX_RULES} per rule base")

    fact_scope, derivers = _facts(rules, errs, declared)
    strata, approach_stratum = _stratify(rules, derivers, errs)
    if errs.errors:
        raise RuleBaseError(errs.errors)
    rb = RuleBase(root=root, rules=rules, catalogue=catalogue, version=_hash(raw_files),
                  files={rel: raw_files[rel].decode("utf-8") for rel in rels},
                  fact_scope=fact_scope, derivers=derivers, strata=strata, approach_stratum=approach_stratum)
    from .compiler import plan  # the engine's hard limits, checked before any registration
    try:
        plan(rb)
    except ConditionError as exc:
        raise RuleBaseError([LoadError(POLICY_DIR, None, exc.message)]) from None
    return rb


def _check_rule(spec, rel: str, located: Located, at: tuple, order: int, catalogue: Catalogue,
                errs: _Collector, sources_ok: bool = True, broken: frozenset | set = frozenset()) -> Rule | None:
    before = len(errs.errors)

    def err(path: tuple, message: str) -> None:
        errs.add(rel, located.line_of(at + path), message, spec.id)

    scope = "stakeholder" if spec.for_each == "stakeholder" else "project"
    terms = []
    node = None
    try:
        node = parse_condition(spec.when, ("when",))
        terms = to_terms(node, ("when",))
    except ConditionError as exc:
        err(exc.path, exc.message)
    misplaced = sorted({lit.field for term in terms for lit in term
                        if isinstance(lit, (Cmp, Exists)) and FIELDS[lit.field].scope == "stakeholder"})
    if misplaced and scope != "stakeholder":
        err(("when",), f"reads {', '.join(misplaced)} but has no 'for_each: stakeholder'")
    then = spec.then
    if then.is_empty():
        err(("then",), "concludes nothing")
    for j, s in enumerate(spec.sources):
        if sources_ok and s not in catalogue.sources:
            err(("sources", j), f"unknown source {s!r} (add it to sources.yaml)")
    for j, code in enumerate(then.eliminate):
        if code not in approaches.BY_CODE:
            err(("then", "eliminate", j), f"unknown approach {code!r} (one of {', '.join(approaches.ORDER)})")
    if then.prefer is not None and then.prefer not in approaches.BY_CODE and then.prefer not in approaches.STRATEGIES:
        err(("then", "prefer"), f"prefer takes {', '.join(approaches.STRATEGIES)} or an approach, not {then.prefer!r}")
    if (then.participant or then.exclude) and scope != "stakeholder":
        err(("then",), "participant and exclude need 'for_each: stakeholder'")
    if then.participant and then.exclude:
        err(("then",), "a rule cannot both give a participant role and exclude the group")
    if then.participant and "roles" not in broken and then.participant.role not in catalogue.roles:
        err(("then", "participant", "role"), f"unknown role {then.participant.role!r}")
    for key, kind, noun in (("recruitment", "recruitment", "recruitment"), ("mode", "modes", "mode")):
        code = getattr(then, key)
        if code is None:
            continue
        if scope != "stakeholder":
            err(("then", key), f"{key} is about a stakeholder group: it needs 'for_each: stakeholder'")
        if then.exclude:
            err(("then", key), f"a rule that excludes the group cannot say its {noun}")
        if kind not in broken and code not in getattr(catalogue, kind):
            known = ", ".join(getattr(catalogue, kind)) or "none in roles.yaml"
            err(("then", key), f"unknown {noun} {code!r} (one of {known})")
    for key, kind in (("techniques", "techniques"), ("avoid_techniques", "techniques"),
                      ("arrangements", "arrangements"), ("skills", "skills"), ("skill_gaps", "skills"),
                      ("warnings", "warnings")):
        for j, code in enumerate(getattr(then, key)):
            if kind not in broken and code not in getattr(catalogue, kind):
                err(("then", key, j), f"unknown {kind[:-1]} code {code!r} (not in the catalogue)")
    if len(errs.errors) > before or node is None:
        return None
    reads_approach = any(isinstance(l, (Cmp, Exists)) and FIELDS[l.field].scope == "approach"
                         for t in terms for l in t)
    return Rule(id=spec.id, title=spec.title, rationale=spec.rationale, sources=list(spec.sources),
                priority=spec.priority, scope=scope, when_raw=spec.when, when=node, then=then, file=rel,
                line=located.line_of(at) or 1, order=order, terms=terms, reads_approach=reads_approach,
                decides_approach=bool(then.eliminate or then.prefer))


def _facts(rules: list[Rule], errs: _Collector, declared: set[str]) -> tuple[dict[str, str], dict[str, list[int]]]:
    scope: dict[str, str] = {}
    derivers: dict[str, list[int]] = {}
    for r in rules:
        for name in r.then.derive:
            if name in scope and scope[name] != r.scope:
                errs.add(r.file, r.line, f"fact {name!r} is derived both per stakeholder and per project", r.id)
            scope.setdefault(name, r.scope)
            derivers.setdefault(name, []).append(r.order)
    for r in rules:
        for lit in r.derived_literals():
            if lit.name not in scope:
                if lit.name in declared:
                    continue  # its deriving rule has an error of its own, reported already
                errs.add(r.file, r.line, f"derived.{lit.name} is never derived by any rule", r.id)
            elif scope[lit.name] == "stakeholder" and r.scope == "project":
                errs.add(r.file, r.line, f"derived.{lit.name} belongs to stakeholder groups; "
                         "this rule needs 'for_each: stakeholder' to read it", r.id)
    return scope, derivers


def _stratify(rules: list[Rule], derivers: dict[str, list[int]], errs: _Collector) -> tuple[int, int]:
    """Assign strata so negation and approach reads see complete facts.

    Edges run from a rule to the rules that read what it concludes: weight 0
    for a positive read of a derived fact, 1 for a negated read, and 1 from
    every rule deciding the approach to every rule reading `approach.*`. A
    strongly connected component holding a weight-1 edge is a cycle through
    negation (or through the approach): each rule in it is reported, and
    nobody else. Otherwise a rule's stratum is the heaviest path reaching it.
    """
    bad = [r for r in rules if r.decides_approach and r.reads_approach]
    for r in bad:
        errs.add(r.file, r.line, "a rule that eliminates or prefers approaches cannot read approach.*", r.id)
    deciders = [r.order for r in rules if r.decides_approach and not r.reads_approach]
    edges: dict[int, list[tuple[int, int]]] = {r.order: [] for r in rules}
    for r in rules:
        for lit in r.derived_literals():
            for d in derivers.get(lit.name, []):
                edges[d].append((r.order, 0 if lit.positive else 1))
        if r.reads_approach and not r.decides_approach:
            for d in deciders:
                edges[d].append((r.order, 1))
    comp = _components(len(rules), edges)
    cyclic: set[int] = set()
    for src, outs in edges.items():
        for dst, weight in outs:
            if weight and comp[src] == comp[dst]:
                cyclic.add(comp[src])
    if cyclic:
        for r in rules:
            if comp[r.order] in cyclic:
                others = sorted(o.id for o in rules if comp[o.order] == comp[r.order] and o is not r)
                errs.add(r.file, r.line, "depends on its own negation or on the approach it decides, through "
                         f"a chain of derived facts with {', '.join(others) or 'itself'}", r.id)
        return 1, 0
    # heaviest path in the condensation, visiting rules in topological order
    indegree = {o: 0 for o in edges}
    for outs in edges.values():
        for dst, _ in outs:
            indegree[dst] += 1
    ready = sorted(o for o, n in indegree.items() if n == 0)
    stratum = {o: 0 for o in edges}
    seen = 0
    while ready:
        o = ready.pop()
        seen += 1
        for dst, weight in edges[o]:
            stratum[dst] = max(stratum[dst], stratum[o] + weight)
            indegree[dst] -= 1
            if indegree[dst] == 0:
                ready.append(dst)
    if seen < len(rules):  # positive cycles: iterate to a fixpoint within their components
        for _ in range(len(rules)):
            changed = False
            for o, outs in edges.items():
                for dst, weight in outs:
                    if stratum[o] + weight > stratum[dst]:
                        stratum[dst] = stratum[o] + weight
                        changed = True
            if not changed:
                break
    for r in rules:
        r.stratum = stratum[r.order]
    approach_stratum = max((r.stratum for r in rules if r.decides_approach), default=0)
    return (max((r.stratum for r in rules), default=0) + 1), approach_stratum


def _components(n: int, edges: dict[int, list[tuple[int, int]]]) -> dict[int, int]:
    """Strongly connected components (iterative Tarjan): node -> component id."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    comp: dict[int, int] = {}
    counter = 0
    for root in range(n):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            outs = edges.get(node, [])
            if i < len(outs):
                work.append((node, i + 1))
                nxt = outs[i][0]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp[w] = node
                    if w == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return comp
