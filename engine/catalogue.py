"""The catalogues rules refer to: techniques, roles, arrangements, skills,
warnings, and the bibliography of sources.

Each lives in one YAML file under `rules/`; these models are their schema.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema

from .context import IAP2Level, Level, PublicSize
from .translations import Translations

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
SourceKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,80}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Prose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """" (did you mean X?)" naming the choice closest to a misspelt `word`, or "" when none is close.

    The one suggestion rule files, step checks and catalogue checks share, so that an author sees the
    same hint for the same typo everywhere. Case is ignored; a dotted id (a rule id) is also compared by
    its last part, so `governance.safeguarding` finds `coproduction.safeguarding`.
    """
    if not isinstance(word, str) or not word:
        return ""
    options = {c.lower(): c for c in choices if isinstance(c, str)}
    close = difflib.get_close_matches(word.lower(), list(options), n=1, cutoff=cutoff)
    if not close and "." in word:
        tails: dict[str, str] = {}
        for lowered, choice in options.items():
            tails.setdefault(lowered.rsplit(".", 1)[-1], choice)
        close = [c.lower() for c in (tails[t] for t in difflib.get_close_matches(
            word.lower().rsplit(".", 1)[-1], list(tails), n=1, cutoff=max(cutoff, 0.75)))]
    return f" (did you mean {options[close[0]]}?)" if close and options[close[0]] != word else ""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, frozen=True)

    code: Code
    label: Label
    description: Prose | None = None
    sources: list[SourceKey] = Field(default_factory=list)


class Demands(BaseModel):
    """What running a technique demands of the team (low < medium < high); plans are sized against it."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True, frozen=True)

    cost: Level = Field(description="Money: venues, staff hours, materials, external providers.")
    facilitation: Level = Field(description="Facilitation skill needed to run it well.")
    time: Level = Field(description="Calendar time and sustained effort, from one event to a standing body.")


DEMANDS = tuple(Demands.model_fields)


class Technique(_Entry):
    iap2_levels: list[IAP2Level] = Field(min_length=1)
    group_size: list[PublicSize] = Field(min_length=1)
    channel: Literal["online", "offline", "assisted"]
    skills: list[Code] = Field(default_factory=list)
    sources: list[SourceKey] = Field(min_length=1)
    demands: Demands | None = Field(None, description="What it demands of the team; a technique without it "
                                    "counts as demanding everything (high) where a plan bounds demands.")


class Role(_Entry):
    mode: Code | None = Field(None, description="How a group in this role takes part (a code of `modes`), when "
                              "the role itself says so; otherwise its IAP2 level's mode does.")


class Recruitment(_Entry):
    """How a participating group's people are selected (Fung 2006: who participates)."""


class Mode(_Entry):
    """How a participating group's people take part (Fung 2006: how they communicate and decide)."""

    levels: list[IAP2Level] = Field(default_factory=list, description="IAP2 levels whose participants take "
                                    "part in this mode unless a rule or their role says otherwise.")


class Arrangement(_Entry):
    pass


class Skill(_Entry):
    pass


class Warning(_Entry):
    message: Prose
    action: Prose | None = Field(None, description="What the manager does about it, as one imperative sentence "
                                 "(the plan's step for this warning); without it the plan repeats the message.")


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    citation: Prose
    doi: Label | None = None
    url: Label | None = None
    note: Prose | None = None


class TechniqueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    techniques: list[Technique]


class RoleFile(BaseModel):
    """roles.yaml: the roles, and Fung's two other dimensions of who takes part and how (optional lists)."""

    model_config = ConfigDict(extra="forbid")
    roles: list[Role]
    recruitment: list[Recruitment] = Field(default_factory=list)
    modes: list[Mode] = Field(default_factory=list)


class ArrangementFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    arrangements: list[Arrangement]


class SkillFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skills: list[Skill]


class WarningFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    warnings: list[Warning]


class SourceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: dict[SourceKey, Source]


TermCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")]


class Term(BaseModel):
    """The plain words for one code that has no catalogue entry of its own (an approach, a level, a field...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: TermCode
    label: Label
    description: Prose = Field(description="One line a manager understands.")


TERM_KINDS = ("approaches", "levels", "strategies", "fields", "conclusions")


class TermsFile(BaseModel):
    """catalogue/terms.yaml (optional): the words for Thomas's approaches, the IAP2 levels, how the approach is
    chosen, the context's fields (by path, e.g. decision.quality_requirement) and each field's options, by
    vocabulary (answer, level, public_size...), so that pages and reports speak from one source."""

    model_config = ConfigDict(extra="forbid")
    approaches: list[Term] = Field(default_factory=list)
    levels: list[Term] = Field(default_factory=list)
    strategies: list[Term] = Field(default_factory=list)
    fields: list[Term] = Field(default_factory=list)
    conclusions: list[Term] = Field(default_factory=list)     # the facts rules derive (then: derive: [...])
    options: dict[Code, list[Term]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _codes_once(self) -> "TermsFile":
        """A code given twice would make the words depend on which one a reader meets first."""
        lists = [(kind, getattr(self, kind)) for kind in TERM_KINDS]
        lists += [(f"options.{name}", entries) for name, entries in self.options.items()]
        for kind, entries in lists:
            seen: set[str] = set()
            for term in entries:
                if term.code in seen:
                    raise ValueError(f"{kind}: the code {term.code!r} is given twice")
                seen.add(term.code)
        return self

    def terms(self) -> "Terms":
        return Terms(**{kind: {t.code: t for t in getattr(self, kind)} for kind in TERM_KINDS},
                     options={name: {t.code: t for t in entries} for name, entries in self.options.items()})


class Terms(BaseModel):
    """catalogue/terms.yaml keyed by code (empty when the rule base has no such file)."""

    model_config = ConfigDict(frozen=True)

    approaches: dict[str, Term] = Field(default_factory=dict)
    levels: dict[str, Term] = Field(default_factory=dict)
    strategies: dict[str, Term] = Field(default_factory=dict)
    fields: dict[str, Term] = Field(default_factory=dict)
    conclusions: dict[str, Term] = Field(default_factory=dict)
    options: dict[str, dict[str, Term]] = Field(default_factory=dict)


# catalogue kind -> (file under rules/, file model, list key)
CATALOGUE_FILES: dict[str, tuple[str, type[BaseModel], str]] = {
    "techniques": ("catalogue/techniques.yaml", TechniqueFile, "techniques"),
    "roles": ("catalogue/roles.yaml", RoleFile, "roles"),
    "arrangements": ("catalogue/arrangements.yaml", ArrangementFile, "arrangements"),
    "skills": ("catalogue/skills.yaml", SkillFile, "skills"),
    "warnings": ("catalogue/warnings.yaml", WarningFile, "warnings"),
}
SOURCES_FILE = "sources.yaml"
TERMS_FILE = "catalogue/terms.yaml"     # optional: a rule base without it shows codes where words would be
# catalogues kept as further lists of another catalogue's file: kind -> (the file's kind, list key)
EXTRA_CATALOGUES: dict[str, tuple[str, str]] = {"recruitment": ("roles", "recruitment"), "modes": ("roles", "modes")}


class Catalogue(BaseModel):
    """Every catalogue of a rule base, keyed by code, in file order."""

    model_config = ConfigDict(frozen=True)

    techniques: dict[str, Technique] = Field(default_factory=dict)
    roles: dict[str, Role] = Field(default_factory=dict)
    recruitment: dict[str, Recruitment] = Field(default_factory=dict)
    modes: dict[str, Mode] = Field(default_factory=dict)
    arrangements: dict[str, Arrangement] = Field(default_factory=dict)
    skills: dict[str, Skill] = Field(default_factory=dict)
    warnings: dict[str, Warning] = Field(default_factory=dict)
    sources: dict[str, Source] = Field(default_factory=dict)
    terms: Terms = Field(default_factory=Terms)
    # every language's words for the entries above (engine/translations.py): not part of the catalogue's data
    translations: SkipJsonSchema[Translations | None] = Field(None, exclude=True, repr=False)

    def order(self, kind: str) -> dict[str, int]:
        return {code: i for i, code in enumerate(getattr(self, kind))}
