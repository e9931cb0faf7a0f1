"""The API's rule-generated text follows Accept-Language (or `lang`), says its language in Content-Language, and
a logged decision can be read in its own words or another language (service/rule_words.py)."""
from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from engine.translations import fingerprint
from service.app import create_app
from svc_helpers import MINI, TOKENS_SPEC, auth, pilot, settings_for

GERMAN = {"roles.advisor.label": ("Beraterin oder Berater", "Advisor")}


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
