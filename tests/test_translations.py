"""The rule base's translations (engine/translations.py): loaded with the rule base, checked at file:line, out
of its version; English the fallback, a stale translation never shown; lint names what is missing or stale."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import RuleBaseError, load_rulebase, load_rulebase_files
from engine.lint.translations import translation_findings
from engine.localize import localize, translations_version
from engine.sentences import SENTENCES
from engine.translations import fingerprint, translation_file
from engine.words import Words, change_words, literal_words

REPO = Path(__file__).resolve().parent.parent
TECHNIQUES = "translations/de/catalogue/techniques.yaml"
SENTENCES_DE = "translations/de/sentences.yaml"


@pytest.fixture(scope="module")
def english():
    """The shipped rule base's files without any translation."""
    rb = load_rulebase(REPO / "rules")
    return dict(rb.files)


def entry(key: str, text: str, source: str, status: str = "drafted") -> str:
    return f"{key}:\n  text: {json.dumps(text, ensure_ascii=False)}\n  source: {source}\n  status: {status}\n"


def load(english, **extra):
    return load_rulebase_files({**english, **{k.replace("__", "/"): v for k, v in extra.items()}})


def test_a_translation_is_read_in_its_language_and_english_stays(english):
    label = load_rulebase_files(english).catalogue.techniques["focus_group"].label
    rb = load_rulebase_files({**english, TECHNIQUES: entry("techniques.focus_group.label", "Fokusgruppe",
                                                            fingerprint(label))})
    assert Words(rb.catalogue, "de").item("technique", "focus_group") == "Fokusgruppe"
    assert Words(rb.catalogue).item("technique", "focus_group") == label
    assert Words(rb.catalogue, "it").item("technique", "focus_group") == label     # no Italian: English
    # not part of the rule base's version or files; a version of their own
    assert rb.version == load_rulebase_files(english).version
    assert TECHNIQUES not in rb.files
    assert translations_version(rb.catalogue).startswith("sha256:")
    assert translations_version(load_rulebase_files(english).catalogue) is None


def test_a_stale_translation_falls_back_to_english_and_lint_names_it(english):
    rb = load_rulebase_files({**english, TECHNIQUES: "\n" + entry("techniques.focus_group.label", "Fokusgruppe",
                                                                   fingerprint("an older English text"))})
    assert Words(rb.catalogue, "de").item("technique", "focus_group") == rb.catalogue.techniques["focus_group"].label
    stale = [f for f in translation_findings(rb) if f.kind == "translation_stale"]
    assert [(f.file, f.line) for f in stale] == [(TECHNIQUES, 2)]
    now = fingerprint(rb.catalogue.techniques["focus_group"].label)
    assert "de: techniques.focus_group.label" in stale[0].message and now in stale[0].message


def test_lint_names_each_missing_text_at_its_english_file_and_line(english):
    rb = load_rulebase_files({**english, TECHNIQUES: entry("techniques.focus_group.label", "Fokusgruppe",
                                                            fingerprint("Focus group"))})
    missing = {f.message.split(" ")[1]: f for f in translation_findings(rb) if f.kind == "translation_missing"}
    assert "techniques.focus_group.label" not in missing
    assert len(missing) == len(rb.catalogue.translations.sources) - 1
    desc = missing["techniques.focus_group.description"]
    lines = english["catalogue/techniques.yaml"].splitlines()
    assert desc.file == "catalogue/techniques.yaml" and lines[desc.line - 1].strip().startswith("description:")
    rule = missing["rules.thomas.r1_information.title"]
    assert rule.file == "policy/thomas.yaml" and "thomas.r1_information" in lines_of(english, rule)
    sentence = missing["sentences.role.at_level"]
    assert sentence.file == "engine/sentences.py" and '"role.at_level"' in \
        (REPO / "engine" / "sentences.py").read_text().splitlines()[sentence.line - 1]


def lines_of(files, finding) -> str:
    return files[finding.file].splitlines()[finding.line - 1]


def test_an_orphan_translation_is_named(english):
    rb = load_rulebase_files({**english, TECHNIQUES: entry("techniques.no_such_thing.label", "Nichts",
                                                            fingerprint("x"))})
    orphans = [f for f in translation_findings(rb) if f.kind == "translation_orphan"]
    assert [(f.file, f.line) for f in orphans] == [(TECHNIQUES, 1)]


@pytest.mark.parametrize("text, problem", [
    ("techniques.focus_group.label:\n  text: Fokusgruppe\n  source: 12e23f09b660\n  status: final\n",
     f"{TECHNIQUES}:4: techniques.focus_group.label: `status`: the status is drafted or reviewed"),
    ("techniques.focus_group.label:\n  text: Fokusgruppe\n  source: abc\n  status: drafted\n",
     f"{TECHNIQUES}:3: techniques.focus_group.label: `source`: the English text's fingerprint is 12 hex digits"),
    ("techniques.focus_group.label:\n  text: Fokusgruppe\n  source: 12e23f09b660\n  status: drafted\n  by: me\n",
     f"{TECHNIQUES}:5: techniques.focus_group.label: `by`: unknown key"),
    ("roles.consultee.label:\n  text: Befragte\n  source: 12e23f09b660\n  status: drafted\n",
     f"{TECHNIQUES}:1: roles.consultee.label: its English is in catalogue/roles.yaml"),
])
def test_a_bad_translation_file_is_refused_at_file_and_line(english, text, problem):
    with pytest.raises(RuleBaseError) as exc:
        load_rulebase_files({**english, TECHNIQUES: text})
    assert any(str(e).startswith(problem.split(": ", 1)[0]) and problem.split(": ", 1)[1] in str(e)
               for e in exc.value.errors), [str(e) for e in exc.value.errors]


def test_a_sentence_keeps_its_placeholders(english):
    key = "sentences.role.at_level"
    source = fingerprint(SENTENCES["role.at_level"])
    with pytest.raises(RuleBaseError) as exc:
        load_rulebase_files({**english, SENTENCES_DE: entry(key, "{role} auf der Stufe", source)})
    assert [str(e) for e in exc.value.errors] == [f"{SENTENCES_DE}:2: {key}: a sentence keeps the English "
                                                  "placeholders ({level}, {role}), in any order"]
    rb = load_rulebase_files({**english, SENTENCES_DE: entry(key, "auf der Stufe {level}: {role}", source)})
    words = Words(rb.catalogue, "de")
    assert words.say("role.at_level", role="R", level="L") == "auf der Stufe L: R"
    assert change_words(words, {"item": "participant:r", "kind": "added", "new": "co_designer@involve"}) == \
        f"r would take part as auf der Stufe {words.level('involve')}: {words.item('role', 'co_designer')}."


@pytest.mark.parametrize("rel, problem", [
    ("translations/de/catalogue/nothing.yaml", "translates catalogue/nothing.yaml, which is not a file"),
    ("translations/en/catalogue/techniques.yaml", "other than en"),
    ("translations/techniques.yaml", "translations/<language>/<the English file's path>"),
])
def test_a_translation_file_translates_a_file_of_the_rule_base(english, rel, problem):
    with pytest.raises(RuleBaseError) as exc:
        load_rulebase_files({**english, rel: "{}\n"})
    assert [e.file for e in exc.value.errors] == [rel] and problem in exc.value.errors[0].message


def test_english_words_are_the_sources(english):
    """Words without a language, and in a language without translations, say what the catalogue says."""
    rb = load_rulebase_files(english)
    from engine.conditions import parse_line
    said = {}
    for lang in (None, "en", "it"):
        words = Words(rb.catalogue, lang)
        assert words.approach("public_decision") == rb.catalogue.terms.approaches["public_decision"].label
        said[lang] = literal_words(words, parse_line("public.size >= large", ()))
    size = rb.catalogue.terms
    assert said[None] == said["en"] == said["it"] == \
        f"{size.fields['public.size'].label} is {size.options['public_size']['large'].label.lower()} or more"


def test_localize_english_is_the_recommendation_itself_and_another_language_keeps_the_data(english):
    from engine import Engine
    rb = load_rulebase_files({**english, TECHNIQUES: entry("techniques.fact_sheet.label", "Informationsblatt",
                                                            fingerprint("Fact sheet"))})
    engine = Engine(REPO / "rules", backend="python")
    try:
        rec = engine.evaluate(json.loads((REPO / "examples" / "pilots" / "genoa.json").read_text()))
    finally:
        engine.close()
    assert localize(rec, rb.catalogue, "en") is rec
    de = localize(rec, rb.catalogue, "de")
    assert [t["label"] for t in de["techniques"] if t["code"] == "fact_sheet"] == ["Informationsblatt"]
    assert [t["label"] for t in rec["techniques"] if t["code"] == "fact_sheet"] == ["Fact sheet"]
    assert [t["code"] for t in de["techniques"]] == [t["code"] for t in rec["techniques"]]
    assert de["approach"]["code"] == rec["approach"]["code"] and de["explanation"] == rec["explanation"]


def test_the_cli_lists_what_is_left_and_writes_translations_in(tmp_path):
    import shutil

    from service.cli import main
    root = tmp_path / "rules"
    shutil.copytree(REPO / "rules", root, ignore=shutil.ignore_patterns("translations"))
    runner = CliRunner()
    texts = tmp_path / "de.yaml"
    texts.write_text("techniques.focus_group.label: Fokusgruppe\nsentences.role.none: keine Rolle\n"
                     "no.such.key: nichts\n", encoding="utf-8")
    added = runner.invoke(main, ["rules", "translations", str(root), "--add", "de", "--file", str(texts)])
    assert added.exit_code == 1 and "no.such.key: names no text of the rule base" in added.output
    assert (root / translation_file("de", "catalogue/techniques.yaml")).is_file()
    rb = load_rulebase(root)
    assert Words(rb.catalogue, "de").item("technique", "focus_group") == "Fokusgruppe"
    assert rb.catalogue.translations.entries["de"]["techniques.focus_group.label"].status == "drafted"
    left = runner.invoke(main, ["rules", "translations", str(root), "--missing", "de", "--format", "json"])
    keys = [e["key"] for e in json.loads(left.stdout)]
    assert left.exit_code == 1 and "techniques.focus_group.label" not in keys and "sentences.role.none" not in keys
    assert len(keys) == len(rb.catalogue.translations.sources) - 2
    summary = runner.invoke(main, ["rules", "translations", str(root)])
    assert summary.exit_code == 0 and f"de {len(rb.catalogue.translations.sources):>10}" not in summary.output
    assert "de" in summary.output.split("\n")[2]


@pytest.mark.parametrize("lang", ["../../escape", "DE", "en", "d"])
def test_the_cli_refuses_a_language_it_cannot_write_before_writing(tmp_path, lang):
    import shutil

    from service.cli import main
    root = tmp_path / "rules"
    shutil.copytree(REPO / "rules", root, ignore=shutil.ignore_patterns("translations"))
    texts = tmp_path / "x.yaml"
    texts.write_text("techniques.focus_group.label: Fokusgruppe\n", encoding="utf-8")
    added = CliRunner().invoke(main, ["rules", "translations", str(root), "--add", lang, "--file", str(texts)])
    assert added.exit_code == 2 and "--add" in added.output and "not a language to translate into" in added.output
    assert not (root / "translations").exists() and not (tmp_path / "escape").exists()
    load_rulebase(root)


def test_the_cli_puts_the_files_back_when_what_it_wrote_does_not_load(tmp_path):
    import shutil

    from service.cli import main
    root = tmp_path / "rules"
    shutil.copytree(REPO / "rules", root)
    sentences = root / translation_file("de", "engine/sentences.py")
    before = sentences.read_text(encoding="utf-8")
    texts = tmp_path / "x.yaml"
    texts.write_text("sentences.role.at_level: ohne Platzhalter\n", encoding="utf-8")   # drops {role}, {level}
    added = CliRunner().invoke(main, ["rules", "translations", str(root), "--add", "de", "--file", str(texts)])
    assert added.exit_code == 1 and "not written" in added.output and "wrote" not in added.output
    assert sentences.read_text(encoding="utf-8") == before
    load_rulebase(root)


def test_cli_evaluate_and_explain_speak_the_language_asked(tmp_path):
    import shutil

    from service.cli import main
    root = tmp_path / "rules"
    shutil.copytree(REPO / "rules", root, ignore=shutil.ignore_patterns("translations"))
    rb = load_rulebase(root)
    folder = root / "translations" / "de" / "catalogue"
    folder.mkdir(parents=True)
    (folder / "techniques.yaml").write_text(entry("techniques.fact_sheet.label", "Informationsblatt",
                                                  fingerprint(rb.catalogue.techniques["fact_sheet"].label)))
    (root / "translations" / "de" / "sentences.yaml").write_text(
        entry("sentences.whynot.not_recommended", "{item} wird nicht empfohlen.{instead}",
              fingerprint(SENTENCES["whynot.not_recommended"])))
    pilot = str(REPO / "examples" / "pilots" / "athens.json")
    runner = CliRunner()
    args = ["evaluate", pilot, "--rules", str(root), "--backend", "python"]
    en, de = runner.invoke(main, args), runner.invoke(main, args + ["--lang", "de"])
    assert en.exit_code == de.exit_code == 0, de.output
    fact = {json.loads(out.stdout)["techniques"][0]["code"] for out in (en, de)}
    assert fact == {"fact_sheet"}
    assert json.loads(en.stdout)["techniques"][0]["label"] == rb.catalogue.techniques["fact_sheet"].label
    assert json.loads(de.stdout)["techniques"][0]["label"] == "Informationsblatt"
    assert "Informationsblatt" in runner.invoke(main, args + ["--lang", "de", "--format", "text"]).stdout
    why = runner.invoke(main, ["explain", "why-not", pilot, "approach:autonomous", "--rules", str(root),
                               "--lang", "de"])
    assert why.exit_code == 0 and "wird nicht empfohlen." in why.stdout.splitlines()[0], why.output
    assert runner.invoke(main, args + ["--lang", "xx"]).exit_code == 2


def test_a_sentence_keeps_its_edge_spaces(english, tmp_path):
    """' or ' joins the options of a condition: its translation keeps the spaces, written or --add'ed."""
    rb = load_rulebase_files({**english, SENTENCES_DE: entry("sentences.words.list_or", " oder ",
                                                              fingerprint(SENTENCES["words.list_or"]))})
    assert Words(rb.catalogue, "de").say("words.list_or") == " oder "
    from engine.translations import merged_files
    written, _ = merged_files(rb.catalogue.translations, "it", {"sentences.words.list_or": "o"})
    again = load_rulebase_files({**english, **written})
    assert Words(again.catalogue, "it").say("words.list_or") == " o "


def test_the_plan_is_made_again_in_the_language(english):
    """The plan's sentences come from templates: localize makes them again in the reader's language, with the
    same steps and the same firings behind each."""
    from engine import Engine
    from engine.plan import build_plan
    rb = load_rulebase_files({**english, SENTENCES_DE: entry("sentences.plan.set_up", "Richten Sie ein: {arrangements}",
                                                              fingerprint(SENTENCES["plan.set_up"]))})
    engine = Engine(REPO / "rules", backend="python")
    try:
        rec = engine.evaluate(json.loads((REPO / "examples" / "pilots" / "genoa.json").read_text()))
    finally:
        engine.close()
    assert build_plan(rec, rb.catalogue) == build_plan(rec, rb.catalogue, lang="en") == \
        {k: rec["plan"][k] for k in ("summary", "steps")}
    de = localize(rec, rb.catalogue, "de")["plan"]
    assert [s["because"] for s in de["steps"]] == [s["because"] for s in rec["plan"]["steps"]]
    set_up = [s["text"] for s in de["steps"] if s["text"].startswith("Richten Sie ein: ")]
    assert len(set_up) == 1 and [s["text"] for s in rec["plan"]["steps"] if s["text"].startswith("Set up ")]


def test_tier_reasons_and_the_sizing_are_said_again_in_the_language(english):
    """engine/resolve.py writes why each technique is core or extra, and how the plan was sized, from templates:
    localize reads each stored English sentence back by its template and says it in the language."""
    from engine import Engine
    texts = {"tier.demand": "es verlangt {demand} {what}, der Plan erlaubt höchstens {value} ({rules})",
             "tier.extra_demands": "Zusatz: {reasons}", "demand.cost": "Kosten",
             "plan.sizing_bounded": "Auf die Kapazität des Teams zugeschnitten ({bounds}): {core} Kern, {extra} Zusatz.",
             "bound.cost_at_most": "Kosten höchstens {value}"}
    rb = load_rulebase_files({**english, SENTENCES_DE: "".join(
        entry(f"sentences.{k}", v, fingerprint(SENTENCES[k])) for k, v in texts.items())})
    engine = Engine(REPO / "rules", backend="python")
    try:
        rec = engine.evaluate(json.loads((REPO / "examples" / "pilots" / "athens.json").read_text()))
    finally:
        engine.close()
    de = localize(rec, rb.catalogue, "de")
    costly = [t["tier_reason"] for t in de["techniques"] if t["tier_reason"].startswith("Zusatz: es verlangt")]
    assert costly and all("Kosten" in r and "(capacity." in r for r in costly)
    assert de["plan"]["sizing"].startswith("Auf die Kapazität des Teams zugeschnitten (core at most")
    assert "Kosten höchstens" in de["plan"]["sizing"]
    assert localize(rec, rb.catalogue, "en") is rec


def test_a_rules_reason_for_leaving_a_group_out_is_translated(english):
    rb = load_rulebase_files(english)
    rule = rb.by_id["stakeholders.default_monitor"]
    key = "rules.stakeholders.default_monitor.exclude"
    assert rb.catalogue.translations.sources[key].text == rule.then.exclude
    de = load_rulebase_files({**english, "translations/de/policy/stakeholders.yaml": entry(
        key, "Geringes Interesse und wenig Einfluss.", fingerprint(rule.then.exclude))})
    rec = {"participants": [{"stakeholder": "g", "excluded": True, "reason": rule.then.exclude, "role": None,
                             "because": [{"rule": rule.id, "firing": 1, "subject": "g"}]}]}
    assert localize(rec, de.catalogue, "de")["participants"][0]["reason"] == "Geringes Interesse und wenig Einfluss."
    assert localize(rec, de.catalogue, "it")["participants"][0]["reason"] == rule.then.exclude


def refs(text: str) -> list[str]:
    """The firings a report cites, rule#number."""
    return sorted(re.findall(r"[a-z_0-9]+\.[a-z_0-9]+#[0-9]+", text))


def test_the_text_report_is_said_in_each_shipped_language():
    """`cogov evaluate --format text --lang X`: the same report line for line, its frames (report.*), the tier
    reasons and the approach's policy in the language, the codes and rule ids as they are."""
    from engine import Engine
    from engine.report import render_text
    rb = load_rulebase(REPO / "rules")
    context = json.loads((REPO / "examples" / "pilots" / "genoa.json").read_text(encoding="utf-8"))
    engine = Engine(rb, backend="python")
    try:
        rec = engine.evaluate(context)
    finally:
        engine.close()
    english = render_text(rec, context).splitlines()
    assert any(line.strip().startswith("extra: the core holds at most") for line in english)
    for lang in rb.catalogue.translations.languages:
        said = localize(rec, rb.catalogue, lang)
        text = render_text(said, context, rb.catalogue, lang)
        lines = text.splitlines()
        assert len(lines) == len(english), lang
        for frame in ("because ", "chosen by:", "HOW THE RULES FIRED", "extra: the core holds", "set aside: "):
            assert frame not in text, (lang, frame)
        assert "[least_involving (preference of thomas.choice_time_efficient)]" in text      # the code, for auditors
        assert refs(text) == refs("\n".join(english)), lang


def test_greek_lists_are_parted_by_its_semicolon_not_its_question_mark():
    """A list whose items hold commas is parted by words.list_semicolon: in Greek '·' (';' is its question
    mark); the English plan parts the same list with '; '."""
    from engine import Engine
    from engine.words import why_not_text
    rb = load_rulebase(REPO / "rules")
    engine = Engine(rb, backend="python")
    context = json.loads((REPO / "examples" / "pilots" / "palmela.json").read_text(encoding="utf-8"))
    try:
        rec = engine.evaluate(context)
        why = engine.why_not(context, "technique:citizen_jury")     # two unmet conditions of one rule
    finally:
        engine.close()
    assert any("; " in s["text"] for s in rec["plan"]["steps"])
    greek = localize(rec, rb.catalogue, "el")["plan"]["steps"]
    assert any("· " in s["text"] for s in greek) and not any(";" in s["text"] for s in greek)
    assert "; " in why_not_text(Words(rb.catalogue), why, context)
    said = why_not_text(Words(rb.catalogue, "el"), why, context)
    assert "· " in said and ";" not in said


def test_german_lowers_an_opening_article_inside_a_sentence_and_keeps_nouns_and_the_polite_form(english):
    words = Words(load_rulebase_files(english).catalogue, "de")
    assert words.lower("Die Dienstleistung erbringen") == "die Dienstleistung erbringen"
    assert words.lower_first("Eine Regel bevorzugt") == "eine Regel bevorzugt"
    assert words.lower("Ihr Ziel ist Effizienz") == "Ihr Ziel ist Effizienz"
    assert words.lower("Fokusgruppe") == "Fokusgruppe" and words.lower("Dienstleistung") == "Dienstleistung"
