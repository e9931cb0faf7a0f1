"""The evidence's inputs, read from the decision log once per change of it.

Two reads, each kept between requests and redone only when the log moved:
  * how many logged decisions recommended each technique, rule, approach
    and role: one pass over every decision's recommendation (the log keeps no
    index of items), then only over decisions appended since, per log
    (keyed by its URL, checked against the hash at the last seq counted, so a
    log rebuilt at the same address is counted afresh);
  * the cases: the evaluated decisions with their evaluations, read again
    whenever the evaluations' chain head moves.
The first read of a large log costs a pass over it (about a quarter of a
millisecond per decision to parse, plus reading it); later reads cost what
was appended.
"""
from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from engine import RuleBaseError
from engine.approaches import BY_CODE
from engine.diff import items as recommendation_items
from engine.lint import load_lint_config
from engine.lint.config import EvidenceThresholds
from service.evidence.aggregate import Case, Labeler, item_table, keys_of, make_case

BATCH = 500


@dataclass(frozen=True)
class Snapshot:
    """What evidence is computed from, at one moment of the log."""

    decisions: int                              # logged decisions counted
    recommended: Counter                        # (kind, code) -> decisions that recommended it
    cases: list[Case]                           # evaluated decisions
    evaluations: int                            # evaluations recorded


@dataclass
class _Counts:
    seq: int = 0
    hash: str | None = None
    recommended: Counter = field(default_factory=Counter)


_lock = threading.Lock()
_counts: dict[str, _Counts] = {}
_cases: dict[str, tuple[tuple[int, str], list[Case], int]] = {}


def _parse(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)      # what orjson refuses (e.g. an integer over 64 bits) json reads


def _recommended(store: Any) -> tuple[int, Counter]:
    """(decisions, recommended counts) up to the log's head, counting only what was appended since last time."""
    last = store.select_newest().last or 0
    counts = _counts.get(store.url)
    if counts is None or counts.seq > last or (counts.seq and store.hash_at("decisions", counts.seq) != counts.hash):
        counts = _counts[store.url] = _Counts()
    if last > counts.seq:
        for rows in store.iter_for_replay(None, BATCH, seqs=(counts.seq + 1, last)):
            for _id, _context, rec_text, _version in rows:
                counts.recommended.update(keys_of(item_table(recommendation_items(_parse(rec_text)))))
        counts.seq, counts.hash = last, store.hash_at("decisions", last)
    return counts.seq, counts.recommended


def _read_cases(store: Any) -> tuple[list[Case], int]:
    head = store.evaluations.head()
    cached = _cases.get(store.url)
    if cached is not None and cached[0] == head:
        return cached[1], cached[2]
    bodies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    records = store.evaluations.all()
    for record in records:
        bodies[record.decision_id].append(record.body)
    cases = []
    for decision_id, context_raw, rec_text in store.evaluations.evaluated_decisions():
        rec = _parse(rec_text)
        try:
            context = json.loads(context_raw)
        except ValueError:
            context = {}
        cases.append(make_case(decision_id, rec, context if isinstance(context, dict) else {}, bodies[decision_id],
                               recommendation_items(rec)))
    _cases[store.url] = (head, cases, len(records))
    return cases, len(records)


def snapshot(store: Any) -> Snapshot:
    """The log's evidence inputs now (see the module docstring for what is kept between calls)."""
    with _lock:
        decisions, recommended = _recommended(store)
        cases, evaluations = _read_cases(store)
        return Snapshot(decisions, Counter(recommended), list(cases), evaluations)


def labeler(rulebase: Any) -> Labeler:
    """(kind, code) -> a readable label from the rule base: catalogue labels, approach labels, rule titles."""
    catalogue = getattr(rulebase, "catalogue", None)
    titles = {r.id: r.title for r in getattr(rulebase, "rules", ())}

    def label(kind: str, code: str) -> str:
        if kind == "approach":
            return BY_CODE[code].label if code in BY_CODE else code
        if kind == "rule":
            return titles.get(code, code)
        entries = getattr(catalogue, "techniques" if kind == "technique" else "roles", None) or {}
        entry = entries.get(code)
        return entry.label if entry is not None else code
    return label


def known(rulebase: Any, recommended: Counter, kind: str, code: str) -> bool:
    """Whether (kind, code) names something: in the rule base (catalogue, rules, approaches) or in the log."""
    if recommended.get((kind, code)):
        return True
    if kind == "approach":
        return code in BY_CODE
    if kind == "rule":
        return any(r.id == code for r in getattr(rulebase, "rules", ()))
    entries = getattr(getattr(rulebase, "catalogue", None), "techniques" if kind == "technique" else "roles", None)
    return bool(entries) and code in entries


def thresholds(rules_dir: str | Path) -> EvidenceThresholds:
    """The evidence section of the rules directory's lint.yaml (its defaults when the file is missing or
    broken: the lint page and `cogov rules check` name what is wrong with it)."""
    try:
        return load_lint_config(rules_dir).evidence
    except RuleBaseError:
        return EvidenceThresholds()
