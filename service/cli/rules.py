"""`cogov rules ...`: work on a rule base (check, lint, coverage, mutate)."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import click

from engine import RuleBaseError, load_rulebase
from engine.lint import LintReport, lint, load_lint_config
from service.cli.base import default_rules_dir, main


@main.group()
def rules() -> None:
    """Work on a rule base."""


def _load(root: Path):
    """The rule base and its lint.yaml, or every error (file:line) and exit 1."""
    try:
        return load_rulebase(root), load_lint_config(root)
    except RuleBaseError as exc:
        for err in exc.errors:
            click.echo(str(err))
        click.echo(f"{len(exc.errors)} error(s) in {root}", err=True)
        raise SystemExit(1) from None


def _print_report(report: LintReport, verbose: bool, warnings_to_stderr: bool = False) -> None:
    for f in report.findings:
        if f.severity == "off" or (f.ignored_because and not verbose) or (f.severity == "info" and not verbose):
            continue
        err = warnings_to_stderr and f.severity != "error"
        click.echo(str(f) + (f"  (accepted: {f.ignored_because})" if f.ignored_because else ""), err=err)
        if f.example_text:
            state = {True: "confirmed by the engine", False: "NOT confirmed by the engine", None: ""}[f.confirmed]
            click.echo(f"    e.g. {f.example_text}" + (f"  [{state}]" if state else ""), err=err)


@rules.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def rules_check(directory: Path | None) -> None:
    """Validate a rule base and lint it: exit 1 on any load error or lint error (per rules/lint.yaml).
    Errors and the verdict go to standard output, lint warnings to standard error."""
    root = directory or default_rules_dir()
    rb, config = _load(root)
    report = lint(rb, config)
    _print_report(report, verbose=False, warnings_to_stderr=True)
    click.echo(f"{root}: {rb.rule_count} rules, {rb.strata} strata, version {rb.version}: "
               f"{len(report.errors)} lint error(s), {len(report.warnings)} warning(s)"
               + ("" if report.errors else ": OK"))
    if report.errors:
        raise SystemExit(1)


@rules.command("lint")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--verbose", "-v", is_flag=True, help="Also show info findings and accepted (ignored) ones.")
@click.option("--groups", default=1, type=click.IntRange(1, 4), show_default=True,
              help="Stakeholder groups in the symbolic model (2 also checks how groups' firings combine).")
@click.option("--database-url", default=None,
              help="Also judge each rule by the evaluations of what happened in this decision log: advice "
                   "repeatedly dropped or scoring low (evidence: in lint.yaml).")
def rules_lint(directory: Path | None, as_json: bool, verbose: bool, groups: int, database_url: str | None) -> None:
    """Analyse a rule base beyond the loader: contradictions, shadowed, redundant and unreachable rules,
    gaps, chaining cycles, unused facts, weak rationales; with --database-url, the evidence too (rules whose
    advice is repeatedly dropped or scores low where evaluated). Exit 1 when a finding is an error."""
    root = directory or default_rules_dir()
    rb, config = _load(root)
    report = lint(rb, config, groups=groups, evidence=_evidence(database_url) if database_url else None)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report, verbose)
        click.echo(f"{root}: {len(report.errors)} error(s), {len(report.warnings)} warning(s), "
                   f"{sum(1 for f in report.findings if f.ignored_because)} accepted; every check complete over "
                   f"contexts with {groups} stakeholder group(s) ({report.seconds:.1f} s)")
    if report.errors:
        raise SystemExit(1)


def _evidence(database_url: str) -> dict:
    """Per rule, the numbers the evidence findings judge, counted from the log's evaluations (exit 2 without
    a log)."""
    from service import evidence
    from service.cli.audit import open_log

    store = open_log(database_url, "rules lint")
    try:
        return evidence.rule_numbers(store)
    finally:
        store.close()


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD or an ISO date-time)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@rules.command("coverage")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--features/--no-features", default=True, show_default=True,
              help="Run the features (features/*.feature) and report which rules they fire.")
@click.option("--database-url", default=None,
              help="Also report the rules that never fired in this decision log (default: $COGOV_DATABASE_URL "
                   "when --since is given).")
@click.option("--since", default=None, help="Only decisions logged from this date (YYYY-MM-DD) on.")
@click.option("--threshold", type=click.FloatRange(0, 100), default=None,
              help="Minimum % of rules fired by the features (default: coverage.features in lint.yaml).")
@click.option("--json", "as_json", is_flag=True, help="Print the coverage as JSON.")
def rules_coverage(directory: Path | None, features: bool, database_url: str | None, since: str | None,
                   threshold: float | None, as_json: bool) -> None:
    """Which rules fire: per rule file and rule, by the features and in the decision log.
    Exit 1 when a coverage is below its threshold (lint.yaml) or a scenario fails."""
    from service.coverage import CoverageRunError, features_coverage, log_coverage

    root = directory or default_rules_dir()
    rb, config = _load(root)
    moment = _since(since)
    failed = False
    out: dict = {}
    if features:
        try:
            run = features_coverage(rb, root)
        except CoverageRunError as exc:
            click.echo(f"cogov rules coverage: {exc}", err=True)
            raise SystemExit(2) from None
        limit = config.coverage.features if threshold is None else threshold
        out["features"] = {**run.coverage.as_dict(), "threshold": limit, "scenarios": run.summary,
                           "passed": run.passed}
        if not as_json:
            click.echo(run.coverage.text(limit))
            click.echo(f"scenarios: {run.summary}")
        failed |= not run.coverage.meets(limit) or not run.passed
    url = database_url or (os.environ.get("COGOV_DATABASE_URL") if moment else None)
    if url:
        from service.log import DatabaseError
        from service.settings import normalise_database_url
        try:
            cov = log_coverage(rb, normalise_database_url(url), moment)
        except DatabaseError as exc:
            click.echo(f"cogov rules coverage: {exc}", err=True)
            raise SystemExit(2) from None
        out["log"] = {**cov.as_dict(), "threshold": config.coverage.log}
        if not as_json:
            click.echo(cov.text(config.coverage.log))
        failed |= not cov.meets(config.coverage.log)
    elif moment is not None:
        raise click.UsageError("--since needs a decision log: give --database-url or set COGOV_DATABASE_URL")
    if as_json:
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    if failed:
        raise SystemExit(1)


@rules.command("mutate")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--limit", type=click.IntRange(1), default=None,
              help="Check this many mutants, chosen by --seed with the kinds taking turns (default: all).")
@click.option("--seed", type=int, default=0, show_default=True, help="Which mutants --limit chooses.")
@click.option("--target", type=click.FloatRange(0, 100), default=None,
              help="Minimum % of the behaviour-changing mutants the features must kill (default 90).")
@click.option("--skip", multiple=True, metavar="FILE.feature",
              help="Leave out the scenarios of this feature file (repeatable): quicker, never a higher rate.")
@click.option("--verbose", is_flag=True, help="Also list every killed, equivalent and refused mutant.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
def rules_mutate(directory: Path | None, limit: int | None, seed: int, target: float | None, skip: tuple[str, ...],
                 verbose: bool, as_json: bool) -> None:
    """Seeded edits of the rule files (a condition dropped, a value or comparison changed, a conclusion
    removed, priorities swapped, a rule deleted), each run against the features: a mutant that changes a
    recommendation must make a scenario fail. Lists the survivors, behaviour no scenario pins.
    Exit 1 when the kill rate is below the target."""
    from service.mutation import TARGET, MutationRunError, mutation_check

    root = directory or default_rules_dir()
    _load(root)
    try:
        shown = root.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = root
    try:
        report = mutation_check(root, seed=seed, limit=limit, skip=list(skip))
    except MutationRunError as exc:
        click.echo(f"cogov rules mutate: {exc}", err=True)
        raise SystemExit(2) from None
    report.rules = shown.as_posix()
    goal = TARGET if target is None else target
    if as_json:
        click.echo(json.dumps({**report.as_dict(), "target": goal}, indent=2, ensure_ascii=False))
    else:
        click.echo(report.text(goal, verbose=verbose))
    if not report.meets(goal):
        raise SystemExit(1)
