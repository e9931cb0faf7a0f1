"""Load and check a rule base, from a directory or from files in memory, all of it, before anything runs.

Every problem becomes a LoadError naming file:line (and the rule id); a rule
base with any error is refused whole.
"""
from __future__ import annotations

import hashlib
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError

from . import approaches
from .catalogue import (CATALOGUE_FILES, EXTRA_CATALOGUES, SOURCES_FILE, TERMS_FILE, Catalogue, SourceFile, TermsFile,
                        did_you_mean)
from .conditions import FIELDS, Cmp, ConditionError, Exists, parse_condition, to_terms
from .context import UNKNOWABLE
from .rulebase import LoadError, Rule, RuleBase, RuleBaseError, UnknownPolicy
from .rulefile import RuleFile, UnknownAnswers
from .translations import (TRANSLATIONS_DIR, SourceText, catalogue_sources, load_translations, rule_sources,
                           sentence_sources, terms_sources)
from .yamlsource import Located, YamlError, parse_yaml, parse_yaml_bytes

POLICY_DIR = "policy"
MAX_RULES = 4000
MAX_FILES = 500
MEMORY_ROOT = "(in memory)"     # RuleBase.root of files not read from a directory: names no folder
_FIXED_FILES = [SOURCES_FILE] + [spec[0] for spec in CATALOGUE_FILES.values()]
_OPTIONAL_FILES = [TERMS_FILE]     # part of the rule base (and its version) when present


class _Collector:
    def __init__(self) -> None:
        self.errors: list[LoadError] = []

    def add(self, file: str, line: int | None, message: str, rule: str | None = None) -> None:
        self.errors.append(LoadError(file, line, message, rule))

    def pydantic(self, file: str, located: Located, exc: ValidationError, model: type[BaseModel]) -> None:
        """Each schema error of a file, in the author's words (see _schema_error), at its line."""
        errors = exc.errors(include_url=False)
        for err in errors:
            if _explained_by_another(err, errors, model):
                continue
            loc = tuple(err["loc"])
            message, rule = _schema_error(err, located.data, model)
            self.add(file, located.line_of(tuple(p for p in loc if p != "[key]")), message, rule)


# -- schema errors in words ---------------------------------------------------------------------------------
#
# pydantic says where (rules.15.then) and what in its own terms ("Input should be a valid dictionary or
# instance of Then"); an author needs the entry by its id (a rule's id is LoadError.rule; a catalogue entry
# is named in the message), the key as written, one-based numbers where there is no id, and what to write.

# the file's list key -> what one entry is called, and the key that names it
_ENTRIES = {"rules": ("rule", "id"), "techniques": ("technique", "code"), "roles": ("role", "code"),
            "recruitment": ("recruitment", "code"), "modes": ("mode", "code"),
            "arrangements": ("arrangement", "code"), "skills": ("skill", "code"), "warnings": ("warning", "code"),
            # catalogue/terms.yaml's lists: the words for an approach, a level, a strategy, a context field, a
            # conclusion rules derive
            "approaches": ("approach", "code"), "levels": ("level", "code"), "strategies": ("strategy", "code"),
            "fields": ("field", "code"), "conclusions": ("conclusion", "code")}
# what a text of each pattern may hold, said instead of the regular expression
_PATTERNS = {
    r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$": "a rule id holds lowercase letters, digits and '_', in parts separated "
                                          "by dots, and starts with a letter (e.g. thomas.r1_information)",
    r"^[a-z][a-z0-9_]{0,63}$": "a code or fact name holds lowercase letters, digits and '_', starts with a letter "
                               "and has at most 64 characters (e.g. focus_group)",
    r"^[A-Za-z][A-Za-z0-9_.-]{0,80}$": "a source key holds letters, digits, '_', '.' and '-', starts with a letter "
                                      "and has at most 81 characters (e.g. thomas1993)",
}


def _choices(expected: str) -> list[str]:
    """"'a', 'b' or 'c'" (pydantic's list of allowed values) -> [a, b, c]."""
    return re.findall(r"'([^']*)'", expected)


def _said(value: Any) -> str:
    """A value as the author wrote it, for "..., not X"."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping (key: value lines)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _one(things: list[str]) -> str:
    return things[0] if len(things) == 1 else ", ".join(things[:-1]) + " or " + things[-1]


def _all(things: list[str]) -> str:
    return things[0] if len(things) == 1 else ", ".join(things[:-1]) + " and " + things[-1]


def _unwrap(annotation: Any) -> Any:
    """The type inside Annotated[...] and X | None (a model where the union holds one)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            arms = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [a for a in arms if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = (models or arms)[0]
        else:
            return annotation


def _model_at(model: type[BaseModel], loc: tuple) -> Any:
    """The type expected at `loc` inside `model` (a model class, list[...], a plain type), or None."""
    node: Any = model
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            node = field.annotation
        elif typing.get_origin(node) in (list, tuple) and isinstance(part, int):
            node = typing.get_args(node)[0]
        elif typing.get_origin(node) is dict:
            node = typing.get_args(node)[1]
        else:
            return None
    return _unwrap(node)


def _keys(node: Any) -> list[str]:
    return list(node.model_fields) if isinstance(node, type) and issubclass(node, BaseModel) else []


def _explained_by_another(err: dict, errors: list[dict], model: type[BaseModel]) -> bool:
    """A key missing (or empty) only because it was misspelt or mis-indented: `thne:` beside a missing
    `then`, or `warnings:` beside an empty `then:` above it. The other error says it; one is enough."""
    if err["type"] not in ("missing", "model_type", "dict_type") or (err["type"] != "missing" and
                                                                     err.get("input") is not None):
        return False
    loc = tuple(err["loc"])
    name, parent = loc[-1], loc[:-1]
    for other in errors:
        oloc = tuple(other["loc"])
        if other["type"] != "extra_forbidden" or oloc[:-1] != parent:
            continue
        key = str(oloc[-1])
        if did_you_mean(key, [str(name)]) or key in _keys(_model_at(model, loc)):
            return True
    return False


def _bounds(model: Any, name: str) -> str:
    """" from 0 to 1000" for a field with both bounds (" of at least 0" for one)."""
    field = model.model_fields.get(name) if isinstance(model, type) and issubclass(model, BaseModel) else None
    ge = next((m.ge for m in getattr(field, "metadata", ()) if getattr(m, "ge", None) is not None), None)
    le = next((m.le for m in getattr(field, "metadata", ()) if getattr(m, "le", None) is not None), None)
    if ge is not None and le is not None:
        return f" from {ge} to {le}"
    return f" of at least {ge}" if ge is not None else (f" of at most {le}" if le is not None else "")


def _schema_error(err: dict, data: Any, model: type[BaseModel]) -> tuple[str, str | None]:
    """(message, rule id) for one pydantic error on a rule, catalogue or sources file."""
    loc = tuple(err["loc"])
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    rule = None
    entry = ""                         # how the message names the entry ("" for a rule: LoadError.rule does)
    inner = loc                        # the path inside the entry
    if len(loc) >= 2 and loc[0] in _ENTRIES and isinstance(loc[1], int):
        noun, name_key = _ENTRIES[loc[0]]
        items = data.get(loc[0]) if isinstance(data, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        name = item.get(name_key) if isinstance(item, dict) else None
        inner = loc[2:]
        if isinstance(name, str) and name:
            if noun == "rule":
                rule = name
            else:
                entry = f"{noun} {name}: "
        else:
            entry = f"{noun} #{loc[1] + 1} (it has no {name_key}): "
    elif len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], str):
        inner = loc[2:]
        entry = f"source {loc[1]}: "
    words = [p for p in inner if isinstance(p, str) and p != "[key]"]
    numbers = [p for p in inner if isinstance(p, int)]
    field = ".".join(words) or (loc[0] if loc and isinstance(loc[0], str) else "the file")
    where = f"`{field}`" + (f", item {numbers[-1] + 1}," if numbers and inner and inner[-1] == numbers[-1] else "")
    here = _model_at(model, loc)
    if inner == () and len(loc) >= 2 and loc[0] in _ENTRIES:     # the entry itself is not a mapping
        noun, name_key = _ENTRIES[loc[0]]
        return (f"{entry.removesuffix(': ') or noun}: each {noun} is a mapping of its keys, starting with "
                f"'- {name_key}: ...' (keys: {_all(_keys(_model_at(model, loc)))}), not {_said(value)}"), rule
    parent = _model_at(model, loc[:-1])
    if words[:-1]:
        owner = f"`{'.'.join(words[:-1])}`"
    elif len(loc) > 2 and loc[0] in _ENTRIES:
        owner = f"a {_ENTRIES[loc[0]][0]}"
    else:
        owner = "the file" if len(loc) == 1 else "a source"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _keys(parent)
        if key.startswith("-") and len(key) > 1:
            return f"{entry}'{key}': a list item needs a space after the dash: write '- {key[1:].lstrip()}'", rule
        under = [name for name in allowed if key in _keys(_model_at(model, loc[:-1] + (name,)))]
        if under:                  # a conclusion written at the rule's level (its `then:` line above it, say)
            return (f"{entry}'{key}' belongs under `{under[0]}:`: indent it further than `{under[0]}:` "
                    f"(keys of {owner}: {_all(allowed)})"), rule
        if len(words) >= 2 and key in _keys(_model_at(model, loc[:-2])):
            up = f"`{'.'.join(words[:-2])}`" if words[:-2] else \
                f"the {_ENTRIES[loc[0]][0]}" if loc[0] in _ENTRIES else "the entry"
            return f"{entry}'{key}' is a key of {up}, not of `{words[-2]}`: indent it as far as `{words[-2]}:`", rule
        hint = did_you_mean(key, allowed)
        listing = f"; {owner} takes {_all(allowed)}" if allowed and not hint else ""
        return f"{entry}unknown key '{key}'" + (f" in `{'.'.join(words[:-1])}`" if words[:-1] else "") \
            + f"{hint}{listing}", rule
    if kind == "missing":
        required = [k for k, f in parent.model_fields.items() if f.is_required()] \
            if isinstance(parent, type) and issubclass(parent, BaseModel) else []
        whose = "the file" if owner == "the file" else f"every {owner.removeprefix('a ')}"
        needs = f" ({whose} needs {_all(required)})" if required else ""
        return f"{entry}{where} is missing{needs}", rule
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if field == "then" or field.endswith(".then"):
            if value is None:
                return (f"{entry}`then` is empty: the rule's conclusions go on the lines under it, indented "
                        "further than `then:` (e.g. techniques: [focus_group])"), rule
            return (f"{entry}`then` must hold the rule's conclusions as 'key: value' lines indented under it "
                    f"(e.g. techniques: [focus_group]), not {_said(value)}"), rule
        keys = _keys(here)
        if field == "participant":
            return f"{entry}`participant` must be {{role: ROLE, level: LEVEL}}, not {_said(value)}", rule
        shape = f" ({_all(keys)})" if keys else ""
        return f"{entry}{where} must be a mapping of keys{shape} indented under it, not {_said(value)}", rule
    if kind == "list_type":
        if field == "rules" and not entry and rule is None:
            return f"`rules` must be a list of rules, each starting with '- id: ...', not {_said(value)}", rule
        return f"{entry}{where} must be a list, e.g. [a, b] or one '- item' per line, not {_said(value)}", rule
    if kind == "too_short":
        what = "key of sources.yaml" if words and words[-1] == "sources" else "value"
        return f"{entry}{where} must not be empty: list at least one {what}", rule
    if kind in ("string_type", "string_too_short"):
        if value is None or (isinstance(value, str) and not value.strip()):
            return f"{entry}{where} is empty: write it after '{words[-1] if words else field}:'", rule
        return f"{entry}{where} must be text, not {_said(value)}", rule
    if kind == "string_too_long":
        return f"{entry}{where} is longer than {ctx.get('max_length')} characters", rule
    if kind == "string_pattern_mismatch":
        said = _PATTERNS.get(ctx.get("pattern", ""), f"it must match {ctx.get('pattern')}")
        what = "the key" if inner and inner[-1] == "[key]" else where
        return f"{entry}{what} {_said(value)} is not valid: {said}", rule
    if kind in ("int_parsing", "int_type", "int_from_float", "greater_than_equal", "less_than_equal"):
        bounds = _bounds(parent, str(loc[-1]))
        return f"{entry}{where} must be a whole number{bounds}, not {_said(value)}", rule
    if kind in ("literal_error", "enum"):
        allowed = _choices(str(ctx.get("expected", "")))
        return (f"{entry}{where} must be {'one of ' if len(allowed) > 1 else ''}{_one(allowed)}, not "
                f"{_said(value)}{did_you_mean(str(value), allowed) if isinstance(value, str) else ''}"), rule
    if kind == "bool_type" or kind == "bool_parsing":
        return f"{entry}{where} must be true or false, not {_said(value)}", rule
    return f"{entry}{where}: {err['msg']}", rule


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
        errs.pydantic(rel, located, exc, model)
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
    optional = [rel for rel in _OPTIONAL_FILES if (root / rel).is_file()]
    translations = root / TRANSLATIONS_DIR      # translations/<lang>/<English file>: loaded, not versioned
    translated = sorted(p.relative_to(root).as_posix() for p in translations.rglob("*")
                        if p.suffix in (".yaml", ".yml") and p.is_file()) if translations.is_dir() else []
    return _FIXED_FILES + optional + [f"{POLICY_DIR}/{name}" for name in names] + translated


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
    only labels where the files came from (RuleBase.root): it is not read. Files under translations/
    are the rule base's words in other languages (engine/translations.py): checked like the others, kept
    in rb.catalogue.translations with their own version, and not part of the rule base's version or files.
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
    rels = _FIXED_FILES + [rel for rel in _OPTIONAL_FILES if rel in files] + sorted(p.rstrip("/") for p in policy)
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
    translated: dict[str, bytes] = {}
    for rel in sorted(r for r in files if r.startswith(TRANSLATIONS_DIR + "/")):
        content = files[rel]
        try:
            translated[rel] = content if isinstance(content, bytes) else str(content).encode("utf-8")
        except UnicodeEncodeError as exc:
            errs.add(rel, None, f"not UTF-8 text: {exc.reason} at character {exc.start}")
    if errs.errors:
        raise RuleBaseError(errs.errors)
    rb = _check(files, rels, raw_files, root, errs, translated)
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
           errs: _Collector, translated: dict[str, bytes] | None = None) -> RuleBase:
    """The rule base in `files` (every one of `rels` present, `raw_files` their bytes), checked whole, with its
    translations (`translated`: translations/... files, their bytes)."""
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
    texts: list[SourceText] = []     # the English texts, by key, for the translations
    if TERMS_FILE in files:
        terms, terms_at = _read(files, TERMS_FILE, TermsFile, errs)
        cat["terms"] = terms.terms() if terms is not None else {}
        if terms is not None:
            texts += terms_sources(TERMS_FILE, terms, terms_at.line_of)
    catalogue = Catalogue(**cat)
    for kind, (rel, located, entries, key) in cat_lines.items():
        if located is not None:
            texts += catalogue_sources(kind, rel, entries, located.line_of, key)
        noun = _ENTRIES[key][0]
        for i, entry in enumerate(entries):
            mode = getattr(entry, "mode", None)
            if mode is not None and "modes" not in broken and mode not in catalogue.modes:
                hint = did_you_mean(mode, catalogue.modes) or " (not among the modes of roles.yaml)"
                errs.add(rel, located.line_of((key, i, "mode")), f"{noun} {entry.code}: unknown mode {mode!r}{hint}")
            for j, s in enumerate(entry.sources):
                if sources_ok and s not in catalogue.sources:
                    errs.add(rel, located.line_of((key, i, "sources", j)), f"{noun} {entry.code}: unknown source "
                             f"{s!r}{did_you_mean(s, catalogue.sources) or ' (add it to sources.yaml)'}")
            for j, s in enumerate(getattr(entry, "skills", [])):
                if "skills" not in broken and s not in catalogue.skills:
                    errs.add(rel, located.line_of((key, i, "skills", j)), f"{noun} {entry.code}: unknown skill "
                             f"{s!r}{did_you_mean(s, catalogue.skills) or ' (not in catalogue/skills.yaml)'}")

    # --- rule files
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    declared: set[str] = set()   # facts derived by any rule, even one with errors (no cascades)
    policy: UnknownPolicy | None = None
    for rel in rels:
        if not rel.startswith(POLICY_DIR + "/"):
            continue
        parsed, located = _read(files, rel, RuleFile, errs)
        if parsed is None:
            continue
        if parsed.unknown_answers is not None:
            found = _check_unknown_policy(parsed.unknown_answers, rel, located, errs, catalogue, sources_ok)
            if policy is not None and found is not None:
                errs.add(rel, located.line_of(("unknown_answers",)), "a rule base states one policy for unknown "
                         f"answers: it is already in {policy.file}:{policy.line}", parsed.unknown_answers.id)
            policy = policy or found
            spec = parsed.unknown_answers
            texts += rule_sources(spec.id, spec.title, spec.rationale, rel, located.line_of(("unknown_answers",)),
                                  "unknown_answers")
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
                texts += rule_sources(rule.id, rule.title, rule.rationale, rel, line,
                                      exclude=rule.then.exclude if isinstance(rule.then.exclude, str) else None)
    if len(rules) > MAX_RULES:
        errs.add(POLICY_DIR, None, f"{len(rules)} rules: durable_rules allows at most {MAX_RULES} per rule base")

    fact_scope, derivers = _facts(rules, errs, declared)
    strata, approach_stratum = _stratify(rules, derivers, errs)
    if errs.errors:
        raise RuleBaseError(errs.errors)
    translations, problems = load_translations(translated or {}, texts + sentence_sources(), set(rels))
    for file, line, message in problems:
        errs.add(file, line, message)
    if errs.errors:
        raise RuleBaseError(errs.errors)
    catalogue = catalogue.model_copy(update={"translations": translations})
    rb = RuleBase(root=root, rules=rules, catalogue=catalogue, version=_hash(raw_files),
                  files={rel: raw_files[rel].decode("utf-8") for rel in rels},
                  fact_scope=fact_scope, derivers=derivers, strata=strata, approach_stratum=approach_stratum,
                  unknown_policy=policy)
    from .compiler import plan  # the engine's hard limits, checked before any registration
    try:
        plan(rb)
    except ConditionError as exc:
        raise RuleBaseError([LoadError(POLICY_DIR, None, exc.message)]) from None
    return rb


def _check_unknown_policy(spec: UnknownAnswers, rel: str, located: Located, errs: _Collector, catalogue: Catalogue,
                          sources_ok: bool) -> UnknownPolicy | None:
    """The policy for unknown answers, if its sources are known and it assumes an answer for every yes/no
    answer of the decision (and nothing else)."""
    before = len(errs.errors)
    at = ("unknown_answers",)
    for j, s in enumerate(spec.sources):
        if sources_ok and s not in catalogue.sources:
            errs.add(rel, located.line_of(at + ("sources", j)), f"unknown source {s!r} (add it to sources.yaml)",
                     spec.id)
    for path in spec.assume:
        if path not in UNKNOWABLE:
            errs.add(rel, located.line_of(at + ("assume", path)), f"assume: {path} is not a yes/no answer of the "
                     f"decision (one of {', '.join(UNKNOWABLE)}){did_you_mean(path, UNKNOWABLE)}", spec.id)
    missing = [p for p in UNKNOWABLE if p not in spec.assume]
    if missing:
        errs.add(rel, located.line_of(at + ("assume",)), "assume needs the answer to work with for every yes/no "
                 f"answer of the decision; missing: {', '.join(missing)}", spec.id)
    if len(errs.errors) > before:
        return None
    return UnknownPolicy(spec=spec, file=rel, line=located.line_of(at) or 1)


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
            err(("sources", j),
                f"unknown source {s!r}{did_you_mean(s, catalogue.sources) or ' (add it to sources.yaml)'}")
    for j, code in enumerate(then.eliminate):
        if code not in approaches.BY_CODE:
            err(("then", "eliminate", j), f"unknown approach {code!r}"
                f"{did_you_mean(code, approaches.ORDER) or ' (one of ' + ', '.join(approaches.ORDER) + ')'}")
    if then.prefer is not None and then.prefer not in approaches.BY_CODE and then.prefer not in approaches.STRATEGIES:
        err(("then", "prefer"), f"prefer takes {', '.join(approaches.STRATEGIES)} or an approach, not {then.prefer!r}"
            f"{did_you_mean(then.prefer, [*approaches.STRATEGIES, *approaches.ORDER])}")
    if (then.participant or then.exclude) and scope != "stakeholder":
        err(("then",), "participant and exclude need 'for_each: stakeholder'")
    if then.participant and then.exclude:
        err(("then",), "a rule cannot both give a participant role and exclude the group")
    if then.participant and "roles" not in broken and then.participant.role not in catalogue.roles:
        err(("then", "participant", "role"), f"unknown role {then.participant.role!r}"
            f"{did_you_mean(then.participant.role, catalogue.roles) or ' (not in catalogue/roles.yaml)'}")
    if then.plan is not None:
        if scope != "project":
            err(("then", "plan"), "plan bounds the whole plan: a rule with 'for_each: stakeholder' cannot say it")
        if not then.plan.bounds():
            err(("then", "plan"), "plan needs at least one bound: core_at_most, cost_at_most, facilitation_at_most "
                "or time_at_most")
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
            err(("then", key), f"unknown {noun} {code!r}"
                f"{did_you_mean(code, getattr(catalogue, kind)) or ' (one of ' + known + ')'}")
    for key, kind in (("techniques", "techniques"), ("avoid_techniques", "techniques"),
                      ("arrangements", "arrangements"), ("skills", "skills"), ("skill_gaps", "skills"),
                      ("warnings", "warnings")):
        for j, code in enumerate(getattr(then, key)):
            if kind not in broken and code not in getattr(catalogue, kind):
                err(("then", key, j), f"unknown {kind[:-1]} code {code!r}"
                    f"{did_you_mean(code, getattr(catalogue, kind)) or ' (not in the catalogue)'}")
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
        for lit in r.group_derived():   # any group's fact may be read inside a group condition
            if lit.name not in scope and lit.name not in declared:
                errs.add(r.file, r.line, f"derived.{lit.name} is never derived by any rule"
                         f"{did_you_mean('derived.' + lit.name, {'derived.' + n for n in declared | set(scope)})}",
                         r.id)
        for lit in r.derived_literals():
            if lit.name not in scope:
                if lit.name in declared:
                    continue  # its deriving rule has an error of its own, reported already
                errs.add(r.file, r.line, f"derived.{lit.name} is never derived by any rule"
                         f"{did_you_mean('derived.' + lit.name, {'derived.' + n for n in declared | set(scope)})}",
                         r.id)
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
        for lit in r.group_derived():   # a count of groups may fall as well as rise: read it complete
            for d in derivers.get(lit.name, []):
                edges[d].append((r.order, 1))
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
                errs.add(r.file, r.line, "depends on its own negation, on a count of groups it changes or on "
                         "the approach it decides, through "
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
