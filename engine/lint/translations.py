"""Lint of the rule base's words: catalogue/terms.yaml's conclusions that no rule derives, and, per language,
each text not translated, each translation whose English changed since it was made (stale), each translation of
nothing; every finding at its file:line."""
from __future__ import annotations

from ..catalogue import TERMS_FILE, did_you_mean
from ..rulebase import RuleBase
from ..translations import fingerprint, translation_file
from .findings import Finding


def conclusion_findings(rb: RuleBase) -> list[Finding]:
    """Words for a conclusion (terms.yaml `conclusions:`) that no rule of this rule base derives."""
    sources = rb.catalogue.translations.sources if rb.catalogue.translations is not None else {}
    out = []
    for code in rb.catalogue.terms.conclusions:
        if code not in rb.derivers:
            at = sources.get(f"conclusions.{code}.label")
            out.append(Finding(kind="unknown_conclusion", file=TERMS_FILE, line=(at.line if at else None) or 1,
                               message=f"conclusion {code}: no rule derives it"
                                       f"{did_you_mean(code, rb.derivers) or ' (remove its words or correct the code)'}"))
    return out


def translation_findings(rb: RuleBase) -> list[Finding]:
    translations = rb.catalogue.translations
    if translations is None:
        return []
    out = []
    for lang in translations.languages:
        for s in translations.missing(lang):
            out.append(Finding(kind="translation_missing", file=s.file, line=s.line or 1,
                               message=f"{lang}: {s.key} is not translated (write it in "
                                       f"{translation_file(lang, s.file)})"))
        for e, s in translations.stale(lang):
            out.append(Finding(kind="translation_stale", file=e.file, line=e.line or 1,
                               message=f"{lang}: {e.key} translates an older English text (fingerprint {e.source}, "
                                       f"now {fingerprint(s.text)}): check it against {s.file}:{s.line or 1}, "
                                       f"then set source: {fingerprint(s.text)}"))
        for e in translations.orphans(lang):
            out.append(Finding(kind="translation_orphan", file=e.file, line=e.line or 1,
                               message=f"{lang}: {e.key} names no text of the rule base: remove it or correct "
                                       "the key"))
    return out
