"""The API's rule-generated text follows Accept-Language (or `lang`), says its language in Content-Language, and
a logged decision can be read in its own words or another language (service/rule_words.py)."""
from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from engine.sentences import SENTENCES
from engine.translations import fingerprint
from service.app import create_app
from svc_helpers import MINI, TOKENS_SPEC, auth, pilot, settings_for

GERMAN = {"roles.advisor.label": ("Beraterin oder Berater", "Advisor")}
SENTENCES_DE = {"whynot.not_recommended": "{item} wird nicht empfohlen.{instead}",
                "whatif.scenario": "Wenn {conditions}, dann {approach}."}


@pytest.fixture(scope="module")
def german(tmp_path_factory):
    """An app serving the mini rule base with two German labels."""
    tmp = tmp_path_factory.mktemp("words")
    rules = tmp / "rules"
    shutil.copytree(MINI, rules)
    folder = rules / "translations" / "de" / "catalogue"
    folder.mkdir(parents=True)
    (folder / "roles.yaml").write_text("".join(
        f'{key}:\n  text: "{text}"\n  source: "{fingerprint(english)}"\n  status: drafted\n'
        for key, (text, english) in GERMAN.items()), encoding="utf-8")
    (rules / "translations" / "de" / "sentences.yaml").write_text("".join(
        f'sentences.{key}:\n  text: "{text}"\n  source: "{fingerprint(SENTENCES[key])}"\n  status: drafted\n'
        for key, text in SENTENCES_DE.items()), encoding="utf-8")
    app = create_app(settings_for(tmp, tokens=TOKENS_SPEC, rules_dir=rules))
    with TestClient(app) as client:
        yield app, client


def labels(rec):
    return {p["role"]: p["role_label"] for p in rec["participants"]}


def test_the_answer_follows_accept_language_and_says_it(german):
    app, client = german
    english = client.post("/api/v1/recommendations", json=pilot("athens"), headers=auth("alice"))
    de = client.post("/api/v1/recommendations", json=pilot("athens"),
                     headers={**auth("alice"), "Accept-Language": "de-DE, en;q=0.5"})
    assert english.status_code == de.status_code == 201
    assert english.headers["content-language"] == "en" and de.headers["content-language"] == "de"
    assert "Accept-Language" in de.headers["vary"]
    en_labels, de_labels = labels(english.json()), labels(de.json())
    assert en_labels["advisor"] == "Advisor" and de_labels["advisor"] == "Beraterin oder Berater"
    assert set(en_labels) == set(de_labels)       # the same items: only their words differ
    untranslated = [c for c in en_labels if f"roles.{c}.label" not in GERMAN]
    assert untranslated and all(de_labels[c] == en_labels[c] for c in untranslated)     # English the fallback
    assert de.json()["approach"]["code"] == english.json()["approach"]["code"]
    # a query parameter wins over the header; an unsupported language is English
    it = client.post("/api/v1/recommendations?lang=it", json=pilot("athens"),
                     headers={**auth("alice"), "Accept-Language": "de"})
    assert it.headers["content-language"] == "it" and labels(it.json()) == en_labels
    assert client.post("/api/v1/recommendations", json=pilot("athens"),
                       headers={**auth("alice"), "Accept-Language": "fr"}).headers["content-language"] == "en"


def test_the_log_keeps_the_english_and_reads_it_in_any_language(german):
    app, client = german
    made = client.post("/api/v1/recommendations", json=pilot("athens"),
                       headers={**auth("alice"), "Accept-Language": "de"})
    decision = made.json()["decision_id"]
    stored = app.state.store.get(decision)
    assert labels(stored.recommendation)["advisor"] == "Advisor"        # the engine's words, as made
    read = client.get(f"/api/v1/decisions/{decision}?lang=de", headers=auth("alice"))
    assert read.status_code == 200 and read.headers["content-language"] == "de"
    assert labels(read.json()["recommendation"])["advisor"] == "Beraterin oder Berater"
    plain = client.get(f"/api/v1/decisions/{decision}?lang=en", headers=auth("alice"))
    assert labels(plain.json()["recommendation"])["advisor"] == "Advisor"
    assert plain.headers["etag"] != read.headers["etag"]
    assert app.state.store.verify().ok


def test_the_record_says_its_language_and_translations_and_the_hash_covers_them(german):
    app, client = german
    store = app.state.store
    made = client.post("/api/v1/recommendations", json=pilot("athens"), headers={**auth("alice"),
                                                                                 "Accept-Language": "de"})
    english = client.post("/api/v1/recommendations", json=pilot("athens"), headers=auth("alice"))
    de, en = store.get(made.json()["decision_id"]), store.get(english.json()["decision_id"])
    served = app.state.activator.current.rulebase.catalogue.translations.version
    assert (de.language, de.translations) == ("de", served) and (en.language, en.translations) == ("en", None)
    assert store.get_translations(served) == app.state.activator.current.rulebase.catalogue.translations.files
    body = client.get(f"/api/v1/decisions/{de.id}", headers=auth("alice")).json()
    assert (body["language"], body["translations"]) == ("de", served)
    assert store.verify().ok
    from sqlalchemy import update

    from service.log.store import DECISIONS
    with store.engine.begin() as conn:       # the language of the answer cannot be changed unseen
        conn.execute(update(DECISIONS).where(DECISIONS.c.id == de.id).values(language="it"))
    try:
        assert not store.verify().ok
    finally:
        with store.engine.begin() as conn:
            conn.execute(update(DECISIONS).where(DECISIONS.c.id == de.id).values(language="de"))
    assert store.verify().ok


def test_a_decision_reads_in_its_original_wording_after_the_translations_change(german, tmp_path):
    app, client = german
    made = client.post("/api/v1/recommendations", json=pilot("athens"),
                       headers={**auth("alice"), "Accept-Language": "de"})
    decision = made.json()["decision_id"]
    again = client.post("/api/v1/recommendations", json=pilot("athens"),
                        headers={**auth("alice"), "Accept-Language": "de", "Idempotency-Key": "k-words-1"})
    replayed = client.post("/api/v1/recommendations", json=pilot("athens"),
                           headers={**auth("alice"), "Idempotency-Key": "k-words-1"})   # a retry, no language
    assert replayed.headers["content-language"] == "de"
    assert labels(replayed.json())["advisor"] == labels(again.json())["advisor"] == "Beraterin oder Berater"
    # the served translations change (a city corrects the word): the log still reads the original wording,
    # and ?lang=de reads today's
    served = app.state.activator.current
    from engine.translations import Translations
    old = served.rulebase.catalogue.translations
    files = {rel: text.replace("Beraterin oder Berater", "Berater/in") for rel, text in old.files.items()}
    from engine.localize import retranslated
    newer = retranslated(served.rulebase.catalogue, Translations(version="sha256:0000000000000000", files=files))
    object.__setattr__(served.rulebase, "catalogue", newer)
    try:
        original = client.get(f"/api/v1/decisions/{decision}", headers=auth("alice"))
        today = client.get(f"/api/v1/decisions/{decision}?lang=de", headers=auth("alice"))
        assert original.headers["content-language"] == today.headers["content-language"] == "de"
        assert labels(original.json()["recommendation"])["advisor"] == "Beraterin oder Berater"
        assert labels(today.json()["recommendation"])["advisor"] == "Berater/in"
    finally:
        object.__setattr__(served.rulebase, "catalogue", served.rulebase.catalogue.model_copy(
            update={"translations": old}))


def test_an_activated_rule_base_keeps_the_served_translations(german):
    """A rule base activated from its files (which hold no translations: they are not part of its version), or
    rolled back to, speaks German as before, each text checked against its own English."""
    app, client = german
    files = dict(app.state.activator.current.rulebase.files)
    files["policy/people.yaml"] += "\n# an author's comment\n"
    r = client.post("/api/v1/rulebase", json={"files": files, "note": "a comment"}, headers=auth("dave"))
    assert r.status_code == 200, r.text
    served = app.state.activator.current.rulebase
    assert served.version == r.json()["version"] and "translations/de/catalogue/roles.yaml" not in files
    de = client.post("/api/v1/recommendations", json=pilot("athens"),
                     headers={**auth("alice"), "Accept-Language": "de"})
    assert labels(de.json())["advisor"] == "Beraterin oder Berater"


def test_why_not_and_what_if_answer_in_the_language(german):
    app, client = german
    made = client.post("/api/v1/recommendations", json=pilot("athens"), headers=auth("alice")).json()
    url = f"/api/v1/decisions/{made['decision_id']}"
    en = client.get(f"{url}/why-not?item=approach:autonomous", headers=auth("alice"))
    de = client.get(f"{url}/why-not?item=approach:autonomous", headers={**auth("alice"), "Accept-Language": "de"})
    assert en.status_code == de.status_code == 200, de.text
    assert en.headers["content-language"] == "en" and de.headers["content-language"] == "de"
    assert " wird nicht empfohlen." in de.json()["summary"] and "wird" not in en.json()["summary"]
    assert de.json()["defeated_by"] == en.json()["defeated_by"] and de.json()["item"] == en.json()["item"]
    wi = client.get(f"{url}/what-if", headers={**auth("alice"), "Accept-Language": "de"})
    assert wi.status_code == 200 and wi.headers["content-language"] == "de"
    scenarios = wi.json()["scenarios"]
    assert scenarios and all(s["sentence"].startswith("Wenn ") for s in scenarios)
    assert all(labels(s["recommendation"]).get("advisor", "Beraterin oder Berater") == "Beraterin oder Berater"
               for s in scenarios)


def test_the_explanation_is_in_the_words_of_the_answer_or_of_lang(german):
    """GET /decisions/{id}/explanation negotiates as GET /decisions/{id} does: the words the answer was given in,
    or with `lang` those of that language; Content-Language says which (issue 18)."""
    _, client = german
    made = client.post("/api/v1/recommendations", json=pilot("athens"),
                       headers={**auth("alice"), "Accept-Language": "de"})
    url = made.json()["explanation_url"]
    original = client.get(url, headers=auth("alice"))
    assert original.status_code == 200, original.text
    assert original.headers["content-language"] == "de" and "Accept-Language" in original.headers["vary"]
    assert labels(original.json())["advisor"] == "Beraterin oder Berater"
    inline = client.post("/api/v1/recommendations?explain=full", json=pilot("athens"),
                         headers={**auth("alice"), "Accept-Language": "de"}).json()
    assert labels(inline) == labels(original.json())
    assert [f["title"] for f in inline["explanation"]["firings"]] == \
        [f["title"] for f in original.json()["explanation"]["firings"]]
    english = client.get(f"{url}?lang=en", headers=auth("alice"))
    assert english.headers["content-language"] == "en" and labels(english.json())["advisor"] == "Advisor"
    assert english.headers["etag"] != original.headers["etag"]
    assert labels(client.get(f"{url}?lang=de", headers=auth("alice")).json())["advisor"] == "Beraterin oder Berater"
    # an answer given in English reads in English; `lang` reads it in German
    plain = client.post("/api/v1/recommendations", json=pilot("athens"), headers=auth("alice")).json()
    en = client.get(plain["explanation_url"], headers=auth("alice"))
    assert en.headers["content-language"] == "en" and labels(en.json())["advisor"] == "Advisor"
    de = client.get(plain["explanation_url"], params={"lang": "de"}, headers=auth("alice"))
    assert de.headers["content-language"] == "de" and labels(de.json())["advisor"] == "Beraterin oder Berater"
    assert list(de.json()) == list(en.json()) and de.json()["approach"]["code"] == en.json()["approach"]["code"]
    assert [f["rule"] for f in de.json()["explanation"]["firings"]] == \
        [f["rule"] for f in en.json()["explanation"]["firings"]]
    again = client.get(plain["explanation_url"], params={"lang": "de"},
                       headers={**auth("alice"), "If-None-Match": de.headers["etag"]})
    assert again.status_code == 304


def test_the_explanation_documents_lang(german):
    _, client = german
    spec = client.get("/openapi.json").json()
    params = spec["paths"]["/api/v1/decisions/{decision_id}/explanation"]["get"]["parameters"]
    assert any(p["name"] == "lang" and p["in"] == "query" and p.get("description") for p in params)
    params = spec["paths"]["/api/v1/catalogue"]["get"]["parameters"]
    assert any(p["name"] == "lang" and p["in"] == "query" and p.get("description") for p in params)


def test_the_catalogue_follows_accept_language(german):
    _, client = german
    english = client.get("/api/v1/catalogue", headers=auth("alice"))
    de = client.get("/api/v1/catalogue", headers={**auth("alice"), "Accept-Language": "de-AT"})
    assert english.status_code == de.status_code == 200, de.text
    assert english.headers["content-language"] == "en" and de.headers["content-language"] == "de"
    assert "Accept-Language" in de.headers["vary"]
    assert english.json()["roles"]["advisor"]["label"] == "Advisor"
    assert de.json()["roles"]["advisor"]["label"] == "Beraterin oder Berater"
    # the same catalogue: only the translated words differ (English where none), codes and keys unchanged
    changed = {k for k in english.json() if english.json()[k] != de.json()[k]}
    assert changed == {"roles"}
    assert {c: {**r, "label": None} for c, r in de.json()["roles"].items()} == \
        {c: {**r, "label": None} for c, r in english.json()["roles"].items()}
    assert client.get("/api/v1/catalogue?lang=de", headers={**auth("alice"), "Accept-Language": "en"}).json() \
        == de.json()
    assert client.get("/api/v1/catalogue?lang=fr", headers=auth("alice")).json() == english.json()
