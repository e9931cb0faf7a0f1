"""Evaluations of what happened after a decision: appended to a hash chain of their own, read, verified.

An evaluation (service/evidence/schemas.py says what it holds) is evidence
that cities pool and authors act on, so it is kept as decisions are: append
only, each one hashed with the previous one's hash (chain.evaluation_hash),
a head row (`evaluation_head`) that a deleted last evaluation cannot follow,
and appends that hold the log's write lock (BEGIN IMMEDIATE on SQLite, the
head row FOR UPDATE on PostgreSQL) so the chain stays linear across
replicas. Its own chain, beside the decisions' and the activations', for
the reason activations have one (store.record_activation): a decision's seq
is its place among decisions.

Personal fields follow the decision log's privacy settings: the policy's
pointers under /evaluation/... (e.g. /evaluation/notes) are committed or
never stored exactly as a decision's are (privacy.py), so the hash never
covers a personal value and retention can remove it without breaking the
chain.
"""
from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, insert, inspect, select, update

from service.log.chain import canonical_json, compact_json, evaluation_hash, timestamp, utc_naive
from service.log.packing import COMPACT_FORMAT, texts
from service.log.models import GENESIS_HASH, HEAD_ID, Decision, Evaluation, EvaluationHead, IdempotencyKey
from service.log.privacy import PrivacyPolicy, committed_form, erase
from service.log.records import EvaluationRecord, utc_aware

EVALUATIONS = Evaluation.__table__
EVALUATION_HEAD = EvaluationHead.__table__
DECISIONS = Decision.__table__
FORMAT = 1
ROOT = "evaluation"


class UnknownDecision(LookupError):
    """The decision an evaluation names is not in the log."""


def committed_body(body_text: str, personal: dict[str, str | None]) -> str:
    """The body text an evaluation's hash covers: as stored when nothing is personal, else the canonical JSON
    of its committed form (each personal value replaced by its commitment; privacy.committed_form)."""
    if not personal:
        return body_text
    return canonical_json(committed_form({ROOT: json.loads(body_text)}, personal)[ROOT])


class EvaluationLog:
    """The evaluations in one decision log database (DecisionStore.evaluations)."""

    def __init__(self, engine: Engine, privacy: PrivacyPolicy,
                 render: Callable[[str, str, int], dict[str, Any]] | None = None):
        """`render(text, rulebase_version, format)` is a stored recommendation text in full
        (DecisionStore.recommendation_of: a compact one rendered from its rule base)."""
        self.engine = engine
        self.privacy = privacy
        self.render = render
        self._present = False

    def present(self) -> bool:
        """Whether the database holds the evaluations' tables: a log opened read-only (migrate_schema=False)
        may predate migration 0005, and then simply has no evaluation."""
        if not self._present:
            self._present = inspect(self.engine).has_table(EVALUATIONS.name)
        return self._present

    @contextlib.contextmanager
    def _appending(self) -> Iterator[Any]:
        with self.engine.connect().execution_options(begin="IMMEDIATE") as conn, conn.begin():
            yield conn

    def record(self, *, decision_id: str, identity: Any, evaluation: dict[str, Any],
               idempotency: dict[str, Any] | None = None) -> EvaluationRecord:
        """Append one evaluation of `decision_id` (already validated: service.evidence); UnknownDecision when
        the log has no such decision. `identity` has .name and .role. `idempotency` ({caller_name, key,
        fingerprint}: service/api/idempotency.py) is kept in the same transaction, naming this evaluation; a key
        taken meanwhile fails it (IntegrityError) and nothing is written."""
        body = dict(evaluation)
        personal: dict[str, str | None] = {}
        if self.privacy.active:
            stored, personal = self.privacy.prepare({ROOT: body})
            body = stored[ROOT]
        body_text = canonical_json(body)
        hashed = committed_body(body_text, personal)
        stage = str(body.get("stage") or "")
        with self._appending() as conn:
            decision = conn.execute(select(DECISIONS.c.seq, DECISIONS.c.id, DECISIONS.c.hash)
                                    .where(DECISIONS.c.id == decision_id)).first()
            if decision is None:
                raise UnknownDecision(f"no decision {decision_id}")
            head = conn.execute(select(EVALUATION_HEAD.c.seq, EVALUATION_HEAD.c.hash)
                                .where(EVALUATION_HEAD.c.id == HEAD_ID).with_for_update()).one()
            values = dict(seq=head.seq + 1, id=str(uuid.uuid4()), decision_id=decision.id,
                          decision_hash=decision.hash, created_at=utc_naive(datetime.now(timezone.utc)),
                          caller_name=str(identity.name)[:100], caller_role=str(identity.role)[:20], stage=stage,
                          prev_hash=head.hash)
            values["hash"] = evaluation_hash(**values, body=hashed, personal=list(personal))
            conn.execute(insert(EVALUATIONS).values(**values, decision_seq=decision.seq, body=body_text,
                                                    format=FORMAT,
                                                    personal=canonical_json(personal) if personal else None))
            conn.execute(update(EVALUATION_HEAD).where(EVALUATION_HEAD.c.id == HEAD_ID)
                         .values(seq=values["seq"], hash=values["hash"]))
            if idempotency is not None:
                conn.execute(insert(IdempotencyKey.__table__).values(
                    **idempotency, decision_id=decision.id, status=201, created_at=values["created_at"],
                    response=canonical_json({"evaluation_id": values["id"]})))
        return EvaluationRecord(seq=values["seq"], id=values["id"], decision_id=decision.id,
                                decision_seq=decision.seq, decision_hash=decision.hash,
                                created_at=utc_aware(values["created_at"]), caller_name=values["caller_name"],
                                caller_role=values["caller_role"], stage=stage, body=body,
                                prev_hash=values["prev_hash"], hash=values["hash"], personal=personal)

    # -- reading -----------------------------------------------------------------------------------------
    @staticmethod
    def _record(row: Any) -> EvaluationRecord:
        return EvaluationRecord(seq=row.seq, id=row.id, decision_id=row.decision_id, decision_seq=row.decision_seq,
                                decision_hash=row.decision_hash, created_at=utc_aware(row.created_at),
                                caller_name=row.caller_name, caller_role=row.caller_role, stage=row.stage,
                                body=json.loads(row.body), prev_hash=row.prev_hash, hash=row.hash,
                                personal=json.loads(row.personal) if row.personal else {})

    def for_decision(self, decision_id: str) -> list[EvaluationRecord]:
        """The evaluations of one decision, in the order they were recorded."""
        if not self.present():
            return []
        query = select(EVALUATIONS).where(EVALUATIONS.c.decision_id == decision_id).order_by(EVALUATIONS.c.seq)
        with self.engine.connect() as conn:
            return [self._record(r) for r in conn.execute(query)]

    def all(self) -> list[EvaluationRecord]:
        """Every evaluation in chain order (they are few beside decisions: one or a few per evaluated one)."""
        if not self.present():
            return []
        with self.engine.connect() as conn:
            return [self._record(r) for r in conn.execute(select(EVALUATIONS).order_by(EVALUATIONS.c.seq))]

    def evaluated_decisions(self) -> list[tuple[str, str, str]]:
        """(decision id, context JSON text, recommendation JSON text) of every decision with an evaluation, in
        log order: what evidence is computed from (one query rather than one per decision)."""
        if not self.present():
            return []
        c = DECISIONS.c
        query = (select(c.id, c.context_raw, c.recommendation, c.packed, c.format, c.rulebase_version)
                 .where(c.seq.in_(select(EVALUATIONS.c.decision_seq))).order_by(c.seq))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        out = []
        for r in rows:
            context_raw, rec_text = texts(r)
            if r.format >= COMPACT_FORMAT and self.render is not None:
                rec_text = compact_json(self.render(rec_text, r.rulebase_version, r.format))
            out.append((r.id, context_raw, rec_text))
        return out

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last evaluation: what evidence computed from the log was computed over."""
        if not self.present():
            return 0, GENESIS_HASH
        with self.engine.connect() as conn:
            row = conn.execute(select(EVALUATION_HEAD.c.seq, EVALUATION_HEAD.c.hash)
                               .where(EVALUATION_HEAD.c.id == HEAD_ID)).one()
        return row.seq, row.hash

    # -- verifying ---------------------------------------------------------------------------------------
    @staticmethod
    def _problem(row: Any) -> str | None:
        """Why this evaluation's content does not give its hash, or None."""
        try:
            personal = json.loads(row.personal) if row.personal else {}
            if not isinstance(personal, dict):
                raise ValueError("personal is not a mapping")
            hashed = committed_body(row.body, personal)
            body = json.loads(row.body)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            return f"its personal fields or body do not fit its content ({exc}): the evaluation was altered"
        digest = evaluation_hash(seq=row.seq, id=row.id, decision_id=row.decision_id,
                                 decision_hash=row.decision_hash, created_at=row.created_at,
                                 caller_name=row.caller_name, caller_role=row.caller_role, stage=row.stage,
                                 body=hashed, personal=list(personal), prev_hash=row.prev_hash)
        if digest != row.hash:
            return "its content does not match its hash (the evaluation was altered)"
        if not isinstance(body, dict) or str(body.get("stage") or "") != row.stage:
            return "its stage column does not match its body (index altered)"
        return None

    def ids_at(self, seq: int) -> tuple[str, str] | None:
        """(id, decision id) of the evaluation at chain position `seq` as its row holds them, None when there is
        none: how verify's answer names the first bad evaluation."""
        with self.engine.connect() as conn:
            row = conn.execute(select(EVALUATIONS.c.id, EVALUATIONS.c.decision_id)
                               .where(EVALUATIONS.c.seq == seq)).first()
        return None if row is None else (row.id, row.decision_id)

    def verify(self) -> tuple[int, str | None, int | None]:
        """(evaluations that verify, why the first bad one does not or None, its seq): each one's position,
        link, hash and decision (still in the log, with the hash it had), in order, then the head. A log not
        yet migrated to hold evaluations (opened read-only by an older tool's database) has none to verify."""
        if not self.present():
            return 0, None, None
        with self.engine.connect() as conn:
            head = conn.execute(select(EVALUATION_HEAD.c.seq, EVALUATION_HEAD.c.hash)
                                .where(EVALUATION_HEAD.c.id == HEAD_ID)).first()
            rows = conn.execute(select(EVALUATIONS).order_by(EVALUATIONS.c.seq)).all()
            decisions = {r.seq: (r.id, r.hash) for r in conn.execute(
                select(DECISIONS.c.seq, DECISIONS.c.id, DECISIONS.c.hash)
                .where(DECISIONS.c.seq.in_(select(EVALUATIONS.c.decision_seq))))}
        if head is None:
            return 0, "the evaluations' head row is missing", None
        prev, count = GENESIS_HASH, 0
        for row in rows:
            name = f"evaluation {row.seq} (id {row.id}: of decision {row.decision_id} by {row.caller_name} " \
                   f"at {timestamp(row.created_at)})"
            expected = count + 1
            if row.seq != expected:
                missing = f"{expected}" if row.seq == expected + 1 else f"{expected}..{row.seq - 1}"
                return count, f"{name} follows evaluation {expected - 1}: evaluation(s) {missing} are missing " \
                              "(deleted)", row.seq
            if row.prev_hash != prev:
                return count, f"{name}: its prev_hash does not match the previous evaluation's hash (the " \
                              "previous evaluation was altered or replaced)", row.seq
            if (problem := self._problem(row)) is not None:
                return count, f"{name}: {problem}", row.seq
            if decisions.get(row.decision_seq) != (row.decision_id, row.decision_hash):
                return count, f"{name}: the decision it evaluates is not in the log at seq {row.decision_seq} " \
                              "with the hash it had (decision or evaluation altered)", row.seq
            if row.seq > head.seq:
                return count, f"{name} is past the evaluations' head (seq {head.seq}): it was inserted", row.seq
            prev, count = row.hash, expected
        if head.seq > count:
            missing = f"{count + 1}" if head.seq == count + 1 else f"{count + 1}..{head.seq}"
            return count, f"the evaluations end at seq {count} but their head says {head.seq}: evaluation(s) " \
                          f"{missing} were deleted", count + 1
        if head.hash != prev:
            return count, f"the evaluations' head does not match evaluation {count}, the last (head or last " \
                          "evaluation altered)", count
        return count, None, None

    # -- retention ---------------------------------------------------------------------------------------
    def apply_retention(self, before: datetime) -> int:
        """Remove the personal values of evaluations recorded before `before` (each replaced by its commitment,
        its salt dropped: the hash and the chain are unchanged); how many changed. An evaluation whose content
        no longer gives its hash is left as the evidence it is: ValueError names it."""
        changed = 0
        with self._appending() as conn:
            rows = conn.execute(select(EVALUATIONS).where(EVALUATIONS.c.created_at < utc_naive(before),
                                                          EVALUATIONS.c.personal.is_not(None))
                                .order_by(EVALUATIONS.c.seq).with_for_update()).all()
            for row in rows:
                personal = json.loads(row.personal)
                if isinstance(personal, dict) and all(salt is None for salt in personal.values()):
                    continue
                if (problem := self._problem(row)) is not None:
                    raise ValueError(f"evaluation seq {row.seq}: {problem}; retention stopped there, see "
                                     "`cogov audit verify`")
                doc, personal = erase({ROOT: json.loads(row.body)}, personal)
                conn.execute(update(EVALUATIONS).where(EVALUATIONS.c.seq == row.seq)
                             .values(body=canonical_json(doc[ROOT]), personal=canonical_json(personal)))
                changed += 1
        return changed
