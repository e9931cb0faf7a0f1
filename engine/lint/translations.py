"""Lint of the rule base's translations: per language, each text not translated, each translation whose English
changed since it was made (stale), each translation of nothing; every finding at its file:line."""
from __future__ import annotations

from ..rulebase import RuleBase
from ..translations import fingerprint, translation_file
from .findings import Finding


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
