"""The language of the API's rule-generated text: what it is for a request, and the words of a stored decision.

The API negotiates as the pages do (service/i18n.py: a `lang` query parameter, then Accept-Language, then
English; no cookie, as an API client is not a browser's page), answers the recommendation's words in that
language (engine.localize) and says which in `Content-Language`. The log keeps the English recommendation the
engine made, with the language of the answer and the version of the translations used, so a stored decision
can be read in its original wording or in any other language.
"""
from __future__ import annotations

from typing import Any

from engine.catalogue import Catalogue
from engine.localize import localize, retranslated, translations_version
from engine.rulebase import RuleBase
from engine.translations import Translations
from service.i18n import DEFAULT, negotiate


def api_language(request: Any) -> str:
    """The language to answer an API request in: its `lang` query parameter, then Accept-Language, then English."""
    return negotiate(request.query_params.get("lang"), None, request.headers.get("accept-language"))


def catalogue_for(rulebase: RuleBase, served: RuleBase | None) -> Catalogue:
    """The words of a decision's rule base version in every language: its own catalogue with the served
    translations, each checked against that version's English (engine.localize.retranslated)."""
    if served is None or served is rulebase:
        return rulebase.catalogue
    return retranslated(rulebase.catalogue, served.catalogue.translations)


def in_language(recommendation: dict[str, Any], catalogue: Catalogue, lang: str) -> dict[str, Any]:
    """A recommendation's words in `lang` (English: the recommendation itself)."""
    return localize(recommendation, catalogue, lang)


def wording(catalogue: Catalogue, lang: str) -> dict[str, str | None]:
    """What the log records of an answer's words: its language and the version of the translations used
    (None for English, which uses none)."""
    return {"language": lang, "translations": None if lang == DEFAULT else translations_version(catalogue)}


def set_language(response: Any, lang: str) -> Any:
    """`Content-Language` on an answer whose text follows Accept-Language, which caches must vary on."""
    response.headers["Content-Language"] = lang
    vary = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    if "Accept-Language" not in vary:
        response.headers["Vary"] = ", ".join(vary + ["Accept-Language"])
    return response


def keep_translations(store: Any, catalogue: Catalogue, lang: str) -> dict[str, str | None]:
    """Before an answer in `lang` is logged: the translations it uses kept in the log (by their version, once),
    and what its record says of its words (wording)."""
    said = wording(catalogue, lang)
    translations = catalogue.translations
    if said["translations"] is not None and translations is not None:
        store.store_translations(said["translations"], translations.files)
    return said


def original_catalogue(store: Any, rulebase: RuleBase, version: str | None, served: RuleBase | None) -> Catalogue:
    """The words a logged answer was given in: its rule base version with the translations of the version it
    used, as kept in the log (or as served now, when that is the same version or none was kept)."""
    if version is not None:
        files = store.get_translations(version)
        if files is not None:
            return retranslated(rulebase.catalogue, Translations(version=version, files=files))
    return catalogue_for(rulebase, served)


def _names(context: Any) -> dict[str, str]:
    groups = context.get("stakeholders") if isinstance(context, dict) else None
    return {str(s["id"]): str(s.get("name") or s["id"]) for s in groups or () if isinstance(s, dict) and "id" in s}


def why_not_in(answer: dict[str, Any], catalogue: Catalogue, lang: str, context: Any = None) -> dict[str, Any]:
    """A why-not answer (its JSON form) with its words in `lang`: the item and the summary said in words
    (engine.words.why_not_words), each rule's title translated; codes, conditions and references unchanged."""
    if lang == DEFAULT:
        return answer
    from engine.words import Words, item_words, why_not_words
    words = Words(catalogue, lang)
    out = dict(answer)
    said = why_not_words(words, answer, _names(context))
    label = item_words(words, answer.get("item") or "", _names(context))
    out["label"] = label[:1].upper() + label[1:]
    out["summary"] = " ".join([said["summary"], *said["reasons"]])
    out["producers"] = [{**p, "title": words.rule_title(p["rule"], p["title"])} if p.get("rule") and p.get("title")
                        else p for p in answer.get("producers") or ()]
    return out


def what_if_in(answer: dict[str, Any], catalogue: Catalogue, lang: str, context: Any = None) -> dict[str, Any]:
    """A what-if answer (its JSON form) with its words in `lang`: each scenario's sentence said in words
    (engine.words.scenario_words) and its recommendation's words (engine.localize); codes unchanged."""
    if lang == DEFAULT:
        return answer
    from engine.words import Words, scenario_words
    words = Words(catalogue, lang)
    out = dict(answer)
    out["scenarios"] = [{**s, "sentence": scenario_words(words, s, answer.get("original_approach"),
                                                         answer.get("target"), _names(context)),
                         "recommendation": localize(s["recommendation"], catalogue, lang)}
                        for s in answer.get("scenarios") or ()]
    return out
