"""Translations of a rule base's text, one language per folder: translations/<lang>/<the English file's path>.

What a manager reads is mostly rule-generated: catalogue labels and explanations (catalogue/*.yaml, terms.yaml),
rule titles and rationales (policy/*.yaml) and the engine's own sentences (engine/sentences.py, translated in
translations/<lang>/sentences.yaml). Each text has a key (`techniques.focus_group.label`,
`rules.thomas.r1_information.title`, `sentences.plan.run_core`...) and each translated entry records the
fingerprint of the English it was made from (the first 12 hex digits of its sha256) and its status (drafted:
awaiting a native speaker's review; reviewed). An entry whose English changed since is stale: the engine shows the
English until it is translated again (a wording must not contradict the rule it explains), and lint names it.
English is the source and the fallback, per key.

The translations are loaded with the rule base (engine.load_rulebase_files) but are not part of its version: a
city corrects a word without making a new rule base. Their own version, a digest of their files, is what the log
records beside the language of an answer.
"""
from __future__ import annotations

import functools
import hashlib
import re
import string
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

TRANSLATIONS_DIR = "translations"
SENTENCES_FILE = "sentences.yaml"         # the engine's sentences: English in engine/sentences.py
SENTENCES_SOURCE = "engine/sentences.py"
ENGLISH = "en"
FINGERPRINT_LENGTH = 12
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
STATUSES = ("drafted", "reviewed")

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")]
Fingerprint = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{12}$")]
# kept as written: a sentence that joins others (' or ', ' The recommendation is ...') starts with its space
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=r"\S")]


def fingerprint(text: str) -> str:
    """The fingerprint of an English text: what a translation was made from (12 hex of its sha256)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


class Entry(BaseModel):
    """One translated text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Text
    source: Fingerprint = Field(description="The fingerprint of the English text it translates.")
    status: Literal["drafted", "reviewed"] = Field(description="drafted: awaiting a native speaker's review.")


class TranslationFile(RootModel[dict[Key, Entry]]):
    """A translation file: its keys, each with its text, the English's fingerprint and its status."""


@dataclass(frozen=True)
class SourceText:
    """One English text of the rule base, with where it is written."""

    key: str
    text: str
    file: str
    line: int | None


@dataclass(frozen=True)
class Translated:
    """One translated entry as loaded, with where it is written."""

    key: str
    lang: str
    text: str
    source: str
    status: str
    file: str
    line: int | None


def translation_file(lang: str, english_file: str) -> str:
    """The translation file of `english_file` ('catalogue/terms.yaml', or engine/sentences.py) in `lang`."""
    rel = SENTENCES_FILE if english_file == SENTENCES_SOURCE else english_file
    return f"{TRANSLATIONS_DIR}/{lang}/{rel}"


def placeholders(template: str) -> set[str]:
    """The named placeholders of a sentence template ('{name} would ...' -> {'name'})."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"{"}      # an unbalanced brace: never equal to a template's set


class Translations(BaseModel):
    """Every language's translations of one rule base, the English they translate, and their version."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    version: str | None = None                  # digest of the translation files; None: no translations
    sources: dict[str, SourceText] = Field(default_factory=dict)
    entries: dict[str, dict[str, Translated]] = Field(default_factory=dict)   # lang -> key -> entry
    files: dict[str, str] = Field(default_factory=dict)                      # rel path -> text

    @property
    def languages(self) -> list[str]:
        return sorted(self.entries)

    def texts(self, lang: str | None) -> dict[str, str]:
        """key -> text in `lang`, for every entry whose English is unchanged (English: none)."""
        if not lang or lang == ENGLISH:
            return {}
        cache = self.__dict__.setdefault("_texts", {})
        if lang not in cache:
            cache[lang] = {k: e.text for k, e in self.entries.get(lang, {}).items()
                           if k in self.sources and e.source == fingerprint(self.sources[k].text)}
        return cache[lang]

    def missing(self, lang: str) -> list[SourceText]:
        """The English texts `lang` has no entry for, in the order of the English files."""
        have = self.entries.get(lang, {})
        return [s for k, s in self.sources.items() if k not in have]

    def stale(self, lang: str) -> list[tuple[Translated, SourceText]]:
        """Entries made from an English text that has changed since."""
        return [(e, self.sources[k]) for k, e in self.entries.get(lang, {}).items()
                if k in self.sources and e.source != fingerprint(self.sources[k].text)]

    def orphans(self, lang: str) -> list[Translated]:
        """Entries whose key names no English text (a removed rule, a misspelt key)."""
        return [e for k, e in self.entries.get(lang, {}).items() if k not in self.sources]

    def counts(self, lang: str) -> dict[str, int]:
        entries = self.entries.get(lang, {})
        fresh = self.texts(lang)
        return {"keys": len(self.sources), "translated": len(fresh),
                "reviewed": sum(1 for k in fresh if entries[k].status == "reviewed"),
                "missing": len(self.missing(lang)), "stale": len(self.stale(lang)),
                "orphans": len(self.orphans(lang))}


# -- the English texts of a rule base, by key ---------------------------------------------------------------------
CATALOGUE_FIELDS = ("label", "description", "message", "action")
TERM_FIELDS = ("label", "description")
RULE_FIELDS = ("title", "rationale")


def catalogue_sources(kind: str, rel: str, entries: list[Any], line_of: Any, list_key: str) -> list[SourceText]:
    """The texts of one catalogue list (`kind` as Catalogue names it): label, description, message, action."""
    out = []
    for i, entry in enumerate(entries):
        for name in CATALOGUE_FIELDS:
            text = getattr(entry, name, None)
            if text:
                out.append(SourceText(f"{kind}.{entry.code}.{name}", text, rel, line_of((list_key, i, name))))
    return out


def terms_sources(rel: str, terms_file: Any, line_of: Any) -> list[SourceText]:
    """The texts of catalogue/terms.yaml: approaches, levels, strategies, fields, conclusions (each list of the
    file's model), options by vocabulary."""
    out = []
    for kind in (k for k in type(terms_file).model_fields if k != "options"):
        for i, term in enumerate(getattr(terms_file, kind)):
            for name in TERM_FIELDS:
                out.append(SourceText(f"{kind}.{term.code}.{name}", getattr(term, name), rel, line_of((kind, i, name))))
    for vocabulary, terms in terms_file.options.items():
        for i, term in enumerate(terms):
            for name in TERM_FIELDS:
                out.append(SourceText(f"options.{vocabulary}.{term.code}.{name}", getattr(term, name), rel,
                                  line_of(("options", vocabulary, i, name))))
    return out


def rule_sources(rule_id: str, title: str, rationale: str, rel: str, line: int | None,
                 kind: str = "rules", exclude: str | None = None) -> list[SourceText]:
    """A rule's texts: its title, its rationale, and the reason it gives for leaving a group out, if any."""
    return [SourceText(f"{kind}.{rule_id}.{name}", text, rel, line)
            for name, text in (("title", title), ("rationale", rationale), ("exclude", exclude)) if text]


def sentence_sources() -> list[SourceText]:
    from .sentences import SENTENCES, line_of
    return [SourceText(f"sentences.{key}", text, SENTENCES_SOURCE, line_of(key)) for key, text in SENTENCES.items()]


def english_file_of(rel: str) -> tuple[str, str] | None:
    """translations/de/catalogue/terms.yaml -> ('de', 'catalogue/terms.yaml'); None for another path."""
    parts = rel.split("/", 2)
    if len(parts) != 3 or parts[0] != TRANSLATIONS_DIR:
        return None
    lang, english = parts[1], parts[2]
    return lang, (SENTENCES_SOURCE if english == SENTENCES_FILE else english)


def files_version(files: dict[str, bytes]) -> str | None:
    """The version of a set of translation files: a digest of their paths and bytes (None: no files)."""
    if not files:
        return None
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    return "sha256:" + digest.hexdigest()[:16]


@functools.lru_cache(maxsize=512)
def _parse_file(rel: str, content: bytes) -> tuple[dict[str, Entry], dict[tuple, int | None],
                                                 list[tuple[str, int | None, str]]]:
    """One translation file read and validated: its entries, the line of each entry and text, its problems.
    Kept per content (a service loads the same translations at each activation, tests at each load): the
    files are parsed once, and checked against each rule base's English anew."""
    from pydantic import ValidationError

    from .yamlsource import YamlError, parse_yaml_bytes
    problems: list[tuple[str, int | None, str]] = []
    try:
        located = parse_yaml_bytes(content)
    except YamlError as exc:
        problems.append((rel, exc.line, exc.message))
        return {}, {}, problems
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        problems.append((rel, 1, "expected a mapping of keys (e.g. techniques.focus_group.label:) at the top "
                                 "of the file"))
        return {}, {}, problems
    try:
        parsed = TranslationFile.model_validate(data).root
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            key = str(loc[0]) if loc else ""
            where = ".".join(str(p) for p in loc[1:] if p != "[key]")
            said = f"`{where}`" if where else "the entry"
            message = err["msg"]
            if where == "source" and err["type"] in ("string_pattern_mismatch", "string_type"):
                message = ("the English text's fingerprint is 12 hex digits, in quotes (cogov rules translations "
                           "--missing prints it)")
            elif err["type"] == "string_pattern_mismatch" and not where:
                message = "a key is dotted lowercase words, e.g. techniques.focus_group.label"
            elif err["type"] == "literal_error":
                message = f"the status is {' or '.join(STATUSES)}"
            elif err["type"] == "extra_forbidden":
                message = "unknown key; an entry holds text, source and status"
            problems.append((rel, located.line_of(tuple(p for p in loc if p != "[key]")),
                             f"{key}: {said}: {message}" if key else f"{said}: {message}"))
        return {}, {}, problems
    lines = {(key,): located.line_of((key,)) for key in parsed}
    lines.update({(key, "text"): located.line_of((key, "text")) for key in parsed})
    return parsed, lines, problems


def load_translations(files: dict[str, bytes], sources: list[SourceText],
                      english_files: set[str]) -> tuple[Translations, list[tuple[str, int | None, str]]]:
    """The translations in `files` (translations/<lang>/<English file>: bytes), checked against the English
    `sources`; the problems as (file, line, message). A translation file must translate a file of the rule base
    (or the engine's sentences); a sentence's translation keeps its English placeholders; a key is written in
    the translation of the file its English is in."""
    by_key = {s.key: s for s in sources}
    problems: list[tuple[str, int | None, str]] = []
    entries: dict[str, dict[str, Translated]] = {}
    for rel in sorted(files):
        found = english_file_of(rel)
        if found is None or not LANGUAGE.match(found[0]) or found[0] == ENGLISH:
            problems.append((rel, None, "a translation file is translations/<language>/<the English file's path>, "
                                        "with a two- or three-letter language code other than en"))
            continue
        lang, english = found
        if english not in english_files and english != SENTENCES_SOURCE:
            problems.append((rel, None, f"translates {english}, which is not a file of this rule base"))
            continue
        parsed, lines, found_problems = _parse_file(rel, files[rel])
        if found_problems:
            problems.extend(found_problems)
            continue
        mine = entries.setdefault(lang, {})
        for key, entry in parsed.items():
            line = lines.get((key,))
            source = by_key.get(key)
            if source is not None and source.file != english:
                problems.append((rel, line, f"{key}: its English is in {source.file}: write it in "
                                            f"{translation_file(lang, source.file)}"))
                continue
            if key in mine:
                problems.append((rel, line, f"{key}: translated twice (also in {mine[key].file}:{mine[key].line})"))
                continue
            if source is not None and key.startswith("sentences.") and \
                    placeholders(entry.text) != placeholders(source.text):
                want = ", ".join("{" + p + "}" for p in sorted(placeholders(source.text))) or "none"
                problems.append((rel, lines.get((key, "text")), f"{key}: a sentence keeps the English "
                                                                      f"placeholders ({want}), in any order"))
                continue
            mine[key] = Translated(key, lang, entry.text, entry.source, entry.status, rel, line)
    return Translations(version=files_version(files), sources=by_key, entries=entries,
                        files={rel: files[rel].decode("utf-8") for rel in sorted(files)}), problems


# -- writing translation files (cogov rules translations --add) ---------------------------------------------------
def _quoted(text: str) -> str:
    import json
    return json.dumps(text, ensure_ascii=False)       # a JSON string is a YAML double-quoted scalar


def render_file(lang: str, english_file: str, entries: list[tuple[str, str, str, str]]) -> str:
    """A translation file's text: [(key, text, source fingerprint, status)] in the English file's order."""
    lines = [f"# {english_file} in {lang}: each key's text, the fingerprint of the English it translates",
             "# (source) and its status: drafted (awaiting a native speaker's review) or reviewed.",
             "# How to correct one: docs/TRANSLATING.md, \"Rule and catalogue text\".", ""]
    for key, text, source, status in entries:
        lines += [f"{key}:", f"  text: {_quoted(text)}", f"  source: \"{source}\"", f"  status: {status}"]
    return "\n".join(lines) + "\n"


def _edges(english: str, text: str) -> str:
    """A translation with the English's edge spaces (' or ' stays ' o '), its inner spaces as written."""
    core = text.strip()
    lead = english[:len(english) - len(english.lstrip())]
    tail = english[len(english.rstrip()):]
    return lead + core + tail


def merged_files(translations: Translations, lang: str, texts: dict[str, str],
                 status: str = "drafted") -> tuple[dict[str, str], list[str]]:
    """The translation files of `lang` with `texts` ({key: translated text}) written in, each new or changed
    entry made from today's English (its fingerprint) with `status`; the other entries kept as they are.
    Returns ({translation file: its new text}, [keys that name no English text, not written])."""
    if status not in STATUSES:
        raise ValueError(f"status is {' or '.join(STATUSES)}, not {status!r}")
    unknown = [k for k in texts if k not in translations.sources]
    have = translations.entries.get(lang, {})
    touched = {translations.sources[k].file for k in texts if k in translations.sources}
    out: dict[str, str] = {}
    for english in sorted(touched):
        entries = []
        for key, src in translations.sources.items():
            if src.file != english:
                continue
            if key in texts:
                entries.append((key, _edges(src.text, texts[key]),
                                fingerprint(src.text), status))
            elif key in have:
                e = have[key]
                entries.append((key, e.text, e.source, e.status))
        entries += [(e.key, e.text, e.source, e.status) for e in have.values()
                    if e.key not in translations.sources and e.file == translation_file(lang, english)]
        out[translation_file(lang, english)] = render_file(lang, english, entries)
    return out, unknown
