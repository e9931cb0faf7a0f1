"""`cogov rules translations`: what is left to translate in each language, and writing translations in.

Translators work one language each, in parallel: `--missing de` lists what German lacks (or prints it as YAML
entries to fill in, `--format yaml`), `--add de --file FILE` writes a file of `key: text` lines into the right
translation files with today's English fingerprints, as drafted (or reviewed, `--status reviewed`).
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from engine.translations import ENGLISH, LANGUAGE, fingerprint, merged_files, render_file, translation_file
from service.cli.base import default_rules_dir
from service.cli.rules import _load, rules


@rules.command("translations")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--missing", "missing", metavar="LANG", default=None,
              help="List every text LANG has no up-to-date translation of (missing or stale), with its file:line.")
@click.option("--format", "fmt", type=click.Choice(["text", "yaml", "json"]), default="text", show_default=True,
              help="With --missing: yaml prints translation entries to fill in (the English as the text to "
                   "replace), grouped by translation file.")
@click.option("--add", "add", metavar="LANG", default=None,
              help="Write the translations of --file (a YAML mapping key: text) into LANG's translation files.")
@click.option("--status", type=click.Choice(["drafted", "reviewed"]), default="drafted", show_default=True,
              help="With --add: the status of the entries written.")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="With --add: the YAML mapping key: text to write in.")
def rules_translations(directory: Path | None, missing: str | None, fmt: str, add: str | None, status: str,
                       file: Path | None) -> None:
    """Per language: how many texts are translated, reviewed, missing and stale, and the translations'
    version. Exit 1 with --missing when something is left."""
    for option, lang in (("--add", add), ("--missing", missing)):
        if lang is not None and (not LANGUAGE.match(lang) or lang == ENGLISH):
            raise click.BadParameter(f"{lang!r} is not a language to translate into: a language code of two or three "
                                     f"lowercase letters (e.g. de, el), not {ENGLISH}, the source",
                                     param_hint=option)
    root = directory or default_rules_dir()
    rb, _ = _load(root)
    translations = rb.catalogue.translations
    if add is not None:
        if file is None:
            raise click.UsageError("--add LANG needs --file FILE, the key: text lines to write in")
        import yaml
        texts = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        if not isinstance(texts, dict) or not all(isinstance(v, str) for v in texts.values()):
            raise click.UsageError(f"{file}: expected a mapping of key: text")
        written, unknown = merged_files(translations, add, {str(k): v for k, v in texts.items()}, status)
        before = {rel: (root / rel).read_text(encoding="utf-8") if (root / rel).exists() else None for rel in written}
        for rel, text in written.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        try:
            _load(root)     # what was written loads (or every error, file:line, and exit 1)
        except SystemExit:
            for rel, text in before.items():       # put the files back as they were: nothing half-written stays
                if text is None:
                    (root / rel).unlink()
                else:
                    (root / rel).write_text(text, encoding="utf-8")
            click.echo(f"{file}: not written: the rule base would not load with it (errors above)", err=True)
            raise
        for rel in written:
            click.echo(f"wrote {rel}")
        for key in unknown:
            click.echo(f"{file}: {key}: names no text of the rule base (not written)", err=True)
        raise SystemExit(1 if unknown else 0)
    if missing is not None:
        left = [(s, None) for s in translations.missing(missing)] + \
            [(s, e) for e, s in translations.stale(missing)]
        order = {k: i for i, k in enumerate(translations.sources)}
        left.sort(key=lambda pair: order[pair[0].key])
        if fmt == "json":
            click.echo(json.dumps([{"key": s.key, "file": s.file, "line": s.line, "english": s.text,
                                    "source": fingerprint(s.text), "stale": e is not None,
                                    "translation_file": translation_file(missing, s.file)} for s, e in left],
                                  indent=2, ensure_ascii=False))
        elif fmt == "yaml":
            files: dict[str, list] = {}
            for s, _ in left:
                files.setdefault(s.file, []).append((s.key, s.text, fingerprint(s.text), "drafted"))
            for english, entries in files.items():
                click.echo(f"# --- {translation_file(missing, english)}")
                click.echo(render_file(missing, english, entries).split("\n\n", 1)[1])
        else:
            for s, e in left:
                state = f"stale (was made from {e.source})" if e is not None else "missing"
                click.echo(f"{s.file}:{s.line or 1}: {s.key}: {state}: {s.text}")
            click.echo(f"{missing}: {len(left)} text(s) to translate", err=True)
        raise SystemExit(1 if left else 0)
    click.echo(f"translations version: {translations.version or 'none'}")
    click.echo(f"{'language':<9} {'keys':>5} {'translated':>10} {'reviewed':>8} {'missing':>7} {'stale':>5} "
               f"{'orphans':>7}")
    for lang in translations.languages:
        c = translations.counts(lang)
        click.echo(f"{lang:<9} {c['keys']:>5} {c['translated']:>10} {c['reviewed']:>8} {c['missing']:>7} "
                   f"{c['stale']:>5} {c['orphans']:>7}")
