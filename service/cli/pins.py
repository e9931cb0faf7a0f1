"""`cogov rules pin`: update the pinned recommendations after an intended change, showing the difference.

The pilots' scenarios check that each pilot's recommendation is exactly its pin (features/expected/*.yaml,
engine/pins.py). When a rule change is meant to change a pilot's recommendation, this command evaluates
every pin's context with the rule base, says what differs from the pin in words, and rewrites the pins that
changed (with --check, it only says so), so that the change is reviewed, then committed with the rules.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import click

from engine import CogovError, ContextError, Engine, jsontext
from engine.catalogue import did_you_mean
from engine.pins import Difference, Pin, compare, describe, parse_pin, pin_text, pinned_view
from service.cli.base import load_engine
from service.cli.rules import rules
from service.coverage import FEATURES_DIR

PINS_DIR = FEATURES_DIR / "expected"


@dataclass
class PinCheck:
    """One pin checked against the rule base: its file, the pinned and the actual view, what differs."""

    path: Path
    pin: Pin
    text: str
    actual_text: str
    differences: list[Difference]


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def read_pin(path: Path) -> tuple[Pin, str]:
    """A pin file and its text; ClickException naming the file when it cannot be read or is not a pin."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{_shown(path)}: cannot read: {exc}") from None
    try:
        return parse_pin(text, _shown(path)), text
    except CogovError as exc:
        raise click.ClickException(exc.message) from None


def evaluate_context(engine: Engine, context_file: Path, where: str) -> dict:
    """The recommendation for a pin's context file; ClickException naming the file and its fields when not."""
    try:
        context = jsontext.loads(context_file.read_bytes())
        return engine.evaluate(context)
    except OSError as exc:
        raise click.ClickException(f"{where}: cannot read its context {_shown(context_file)}: "
                                   f"{exc.strerror}") from None
    except ContextError as exc:
        fields = "; ".join(f"{e['field'] or '(top)'}: {e['message']}" for e in exc.errors)
        raise click.ClickException(f"{where}: its context {_shown(context_file)} is refused: {fields}") from None
    except CogovError as exc:
        raise click.ClickException(f"{where}: its context {_shown(context_file)}: {exc}") from None


def check_pin(engine: Engine, path: Path) -> PinCheck:
    pin, text = read_pin(path)
    rec = evaluate_context(engine, (path.parent / pin.context), _shown(path))
    view = pinned_view(rec)
    return PinCheck(path, pin, text, pin_text(pin.context, view), compare(pin.view, view))


def _pin_paths(names: tuple[str, ...], pins_dir: Path) -> list[Path]:
    if not names:
        found = sorted(pins_dir.glob("*.yaml"))
        if not found:
            raise click.ClickException(f"no pins in {_shown(pins_dir)} (make one with --new CONTEXT_FILE)")
        return found
    paths = []
    known = sorted(p.stem for p in pins_dir.glob("*.yaml"))
    for name in names:
        path = Path(name)
        if not path.suffix and not path.parent.parts:          # a pin's name: genoa
            path = pins_dir / f"{name}.yaml"
        if not path.is_file():
            raise click.ClickException(f"no pin {name!r} in {_shown(pins_dir)}{did_you_mean(path.stem, known)}")
        paths.append(path)
    return paths


def _new_pin(engine: Engine, context_file: Path, pins_dir: Path, name: str | None) -> None:
    path = pins_dir / f"{name or context_file.stem}.yaml"
    if path.exists():
        raise click.ClickException(f"{_shown(path)} exists: run `cogov rules pin {path.stem}` to update it")
    rec = evaluate_context(engine, context_file, _shown(context_file))
    view = pinned_view(rec)
    relative = Path(os.path.relpath(context_file.resolve(), pins_dir.resolve())).as_posix()
    pins_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(pin_text(relative, view), encoding="utf-8")
    click.echo(f"{_shown(path)}: new pin of {_shown(context_file)}: approach {view['approach']['code']}, "
               f"{len(view['participants'])} participant(s), {len(view['techniques'])} technique(s), "
               f"{len(view['arrangements'])} arrangement(s), {len(view['skills'])} skill(s), "
               f"{len(view['warnings'])} warning(s). Review it, and check it in a scenario with: "
               f"Then the recommendation is exactly as pinned in \"{path.stem}\"")


@rules.command("pin")
@click.argument("pins", nargs=-1)
@click.option("--check", is_flag=True, help="Only show the differences; rewrite nothing; exit 1 when a pin differs.")
@click.option("--new", "new_context", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Pin the recommendation for this context file (a new pin named after it, or --name).")
@click.option("--name", default=None, help="The new pin's name (with --new; default: the context file's name).")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Rule base directory (default: $COGOV_RULES_DIR or the shipped rules/).")
@click.option("--pins-dir", type=click.Path(file_okay=False, path_type=Path), default=PINS_DIR,
              show_default="features/expected", help="Where the pins are.")
@click.option("--backend", type=click.Choice(["durable", "python"]), default="durable", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
def rules_pin(pins: tuple[str, ...], check: bool, new_context: Path | None, name: str | None,
              rules_dir: Path | None, pins_dir: Path, backend: str, as_json: bool) -> None:
    """Update the pinned recommendations (features/expected/*.yaml, all or those named) after an intended
    change: say what differs from each pin, in words, and rewrite the pins that changed. With --check,
    rewrite nothing and exit 1 when a pin differs."""
    if name and new_context is None:
        raise click.UsageError("--name names a new pin: give --new CONTEXT_FILE too")
    engine = load_engine(rules_dir, backend)
    try:
        if new_context is not None:
            _new_pin(engine, new_context, pins_dir, name)
            return
        checks = [check_pin(engine, path) for path in _pin_paths(pins, pins_dir)]
    finally:
        engine.close()
    changed = [c for c in checks if c.differences]
    if as_json:
        click.echo(json.dumps({_shown(c.path): [{"path": list(d.path), "kind": d.kind, "pinned": d.pinned,
                                                  "actual": d.actual, "in_list": d.in_list, "words": str(d)}
                                                 for d in c.differences] for c in checks},
                              indent=2, ensure_ascii=False))
    for c in checks:
        if not as_json:
            if c.differences:
                n = len(c.differences)
                click.echo(f"{_shown(c.path)}: {n} difference{'s' if n != 1 else ''} from the pin "
                           f"(+ not pinned, - pinned but gone, ~ changed):")
                click.echo("\n".join(f"  {line}" for line in describe(c.differences).splitlines()))
            else:
                click.echo(f"{_shown(c.path)}: unchanged")
        if not check and c.actual_text != c.text:
            c.path.write_text(c.actual_text, encoding="utf-8")
    if not as_json:
        verb = "differ (not rewritten: --check)" if check else "rewritten: review the difference above and " \
                                                                 "commit the pins with the rule change"
        click.echo(f"{len(checks)} pin(s): {len(checks) - len(changed)} unchanged"
                   + (f", {len(changed)} {verb}" if changed else ""))
    if check and changed:
        raise SystemExit(1)
