"""Plain values the decision store hands out: records, filters, pages, verdicts.

They carry no database session, so routers, pages and the CLI can use them
after the connection is gone.
"""
from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass, field
from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from service.log.chain import timestamp


@dataclass(frozen=True)
class DecisionRecord:
    """One decision as the log holds it (the full audit record)."""

    seq: int
    id: str
    created_at: datetime              # aware, UTC
    caller_name: str
    caller_role: str
    rulebase_version: str
    rulebase_digest: str
    engine_version: str
    approach: str | None
    city: str | None
    project_name: str | None
    prev_hash: str
    hash: str
    fired_rules: dict[str, int] = field(default_factory=dict)   # rule id -> firings
    format: int = 1                                             # hash format (chain.FORMATS)
    personal: dict[str, str | None] = field(default_factory=dict)   # pointer -> salt, None once removed
    language: str | None = None          # the language the answer's words were given in (None: before 0008)
    translations: str | None = None      # the version of the translations it used (None: English, or before)
    # how its texts are had, read on first use: a listing shows the columns above (summary) and neither
    # decompresses nor renders a record it does not show in full (DecisionStore.list)
    load_context: Callable[[], str] = field(default=str, repr=False, compare=False)
    load_recommendation: Callable[[], dict[str, Any]] = field(default=dict, repr=False, compare=False)

    @functools.cached_property
    def context_raw(self) -> str:
        """The context as the caller sent it; canonical JSON when it has personal fields."""
        return self.load_context()

    @functools.cached_property
    def recommendation(self) -> dict[str, Any]:
        """The recommendation in full (a compact one rendered from its rule base version: the store's
        RecordNotRenderable when it cannot be)."""
        return self.load_recommendation()

    @property
    def context(self) -> Any:
        return json.loads(self.context_raw)

    @property
    def identity(self) -> dict[str, str]:
        """Who made the decision, as logged."""
        return {"name": self.caller_name, "role": self.caller_role}

    def summary(self) -> dict[str, Any]:
        """The fields a list of decisions shows."""
        return {
            "decision_id": self.id, "seq": self.seq, "created_at": timestamp(self.created_at),
            "caller": {"name": self.caller_name, "role": self.caller_role},
            "project_name": self.project_name, "city": self.city, "approach": self.approach,
            "rulebase_version": self.rulebase_version, "engine_version": self.engine_version, "hash": self.hash,
        }

    def as_dict(self) -> dict[str, Any]:
        """The full audit record: everything logged, the context both parsed and verbatim."""
        return {
            **self.summary(),
            "context": self.context, "context_raw": self.context_raw,
            "recommendation": self.recommendation, "fired_rules": self.fired_rules,
            "rulebase_digest": self.rulebase_digest, "prev_hash": self.prev_hash,
            "language": self.language, "translations": self.translations,
        }


@dataclass(frozen=True)
class DecisionFilter:
    """Which decisions to list; every given criterion must hold.

    date_from and date_to are inclusive; a plain date means the whole UTC day,
    so date_from=date_to=2026-11-26 lists that day's decisions.
    """

    date_from: date | datetime | None = None
    date_to: date | datetime | None = None
    approach: str | None = None
    rulebase_version: str | None = None
    city: str | None = None             # case-insensitive
    rule: str | None = None             # this rule fired in the decision
    caller: str | None = None           # made by this caller (a manager's own decisions)

    @classmethod
    def of(cls, value: "DecisionFilter | Mapping[str, Any] | None") -> "DecisionFilter":
        """A filter from itself, a mapping of its field names, or None (everything)."""
        if value is None:
            return cls()
        if isinstance(value, DecisionFilter):
            return value
        unknown = set(value) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown decision filter(s): {', '.join(sorted(unknown))}")
        return cls(**{k: v for k, v in value.items() if v not in (None, "")})

    def start(self) -> datetime | None:
        """Earliest created_at included (UTC)."""
        return _moment(self.date_from)

    def end(self) -> tuple[datetime, bool] | None:
        """(bound, inclusive) for the latest created_at (UTC)."""
        if self.date_to is None:
            return None
        if isinstance(self.date_to, datetime):
            return _moment(self.date_to), True
        return _moment(self.date_to + timedelta(days=1)), False


def _moment(value: date | datetime | None) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return utc_aware(value)


@dataclass(frozen=True)
class DecisionPage:
    items: list[DecisionRecord]
    next_cursor: str | None


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The seq a cursor points before; ValueError for anything not made by encode_cursor."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        seq = int(value)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("invalid cursor") from None
    if kind != "seq" or seq < 1:
        raise ValueError("invalid cursor")
    return seq


@dataclass(frozen=True)
class StoredRuleBase:
    version: str
    digest: str
    files: dict[str, str]
    stored_at: datetime


@dataclass(frozen=True)
class Selection:
    """Decisions a run over the log examines (DecisionStore.select_newest): how many the filters matched,
    and the seq range and times of those examined (None when none matched)."""

    matched: int
    first: int | None = None
    last: int | None = None
    first_at: datetime | None = None
    last_at: datetime | None = None


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking the hash chain."""

    ok: bool
    count: int                          # records that verified before the first bad one (all, when ok)
    first_bad_id: str | None = None
    first_bad_seq: int | None = None
    reason: str | None = None
    activations: int = 0                # rule base activations that verify (checked once every record does)
    first_bad_activation: int | None = None     # the seq of the first that does not
    evaluations: int = 0                # evaluations that verify (checked once decisions and activations do)
    first_bad_evaluation: int | None = None     # the seq of the first that does not
    chain: str | None = None            # the chain of the first problem: decisions, activations or evaluations
    evaluation_id: str | None = None    # the first bad evaluation's id, when it still exists
    decision_id: str | None = None      # the first bad decision, or the decision the first bad evaluation is of
    translations: int = 0               # stored translations versions whose files verify (checked after decisions)
    first_bad_translations: str | None = None   # the first stored translations version whose files do not

    def __str__(self) -> str:
        if self.ok:     # the activations too (kept word for word as before they were chained: scripts read it)
            return f"OK: all {self.count} records verify"
        if self.first_bad_translations is not None:
            return f"FAILED at {self.reason} (all {self.count} records verify; {self.translations} stored " \
                   "translations versions before it verify)"
        if self.first_bad_evaluation is not None:
            return f"FAILED at {self.reason} (all {self.count} records and {self.activations} activations verify; " \
                   f"{self.evaluations} evaluations before it verify)"
        if self.first_bad_seq is None and self.first_bad_id is None and self.reason and \
                (self.first_bad_activation is not None or "activation" in self.reason):
            return f"FAILED at {self.reason} (all {self.count} records verify; {self.activations} " \
                   "activations before it verify)"
        who = f"record {self.first_bad_id} (seq {self.first_bad_seq})" if self.first_bad_id else \
            f"seq {self.first_bad_seq}"
        return f"FAILED at {who}: {self.reason} ({self.count} records before it verify)"

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "count": self.count, "first_bad_id": self.first_bad_id,
                "first_bad_seq": self.first_bad_seq, "reason": self.reason}


def utc_aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class EvaluationRecord:
    """One evaluation of what happened after a decision, as the log holds it (service/log/evaluations.py)."""

    seq: int
    id: str
    decision_id: str
    decision_seq: int
    decision_hash: str
    created_at: datetime              # aware, UTC
    caller_name: str
    caller_role: str
    stage: str
    body: dict[str, Any]              # personal values as stored: the value, or its commitment once removed
    prev_hash: str
    hash: str
    personal: dict[str, str | None] = field(default_factory=dict)   # pointer -> salt, None once removed

    def as_dict(self) -> dict[str, Any]:
        return {"evaluation_id": self.id, "seq": self.seq, "decision_id": self.decision_id,
                "created_at": timestamp(self.created_at), "caller": {"name": self.caller_name,
                                                                     "role": self.caller_role},
                "stage": self.stage, **self.body, "hash": self.hash, "prev_hash": self.prev_hash}
