"""Tables of the decision log.

`decisions` is append-only and hash-chained: `seq` is the chain position,
`hash` covers the record's content and `prev_hash`. `log_head` is a single
row that writers lock to serialise appends and that remembers the last seq
and hash, so a deleted tail is detected too. `rulebases` keeps every rule
base version's files, so a decision can be traced to the exact rules that
made it; `rulebase_activations` records when each version started serving
and who switched it, hash-chained too (by `seq`, with its own head row in
`activation_head`, migration 0004). `evaluations` records what happened after a decision, chained the
same way (head row `evaluation_head`, migration 0005). `decision_rules` indexes which rules fired in which decision (for
filtering and statistics); it is derived data and verify re-derives it.
The schema itself is created by the Alembic migrations in service/migrations;
these models must stay in step with them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

GENESIS_HASH = "0" * 64
HEAD_ID = 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class LogHead(Base):
    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class RuleBaseVersion(Base):
    __tablename__ = "rulebases"

    version: Mapped[str] = mapped_column(String(100), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)   # sha256 over `files`, see chain.py
    files: Mapped[str] = mapped_column(Text, nullable=False)          # canonical JSON {relpath: text}
    stored_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class TranslationsVersion(Base):
    """The translation files an answer used, by their version (engine/translations.py: a digest of them)."""
    __tablename__ = "translations"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    files: Mapped[str] = mapped_column(Text, nullable=False)          # canonical JSON {relpath: text}
    stored_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class RuleBaseActivation(Base):
    """One switch of the served rule base (action: startup, activate or rollback); append-only."""
    __tablename__ = "rulebase_activations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(100), ForeignKey("rulebases.version"), nullable=False)
    activated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)  # naive UTC
    activated_by: Mapped[str] = mapped_column(String(100), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    # the activations' hash chain (chain.activation_hash): position, link, hash
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class ActivationHead(Base):
    """The activations' chain head (one row, as log_head for decisions): a deleted last activation shows."""
    __tablename__ = "activation_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class Decision(Base):
    __tablename__ = "decisions"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)  # naive UTC
    caller_name: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    caller_role: Mapped[str] = mapped_column(String(20), nullable=False)
    context_raw: Mapped[str] = mapped_column(Text, nullable=False)
    recommendation: Mapped[str] = mapped_column(Text, nullable=False)   # canonical JSON
    rulebase_version: Mapped[str] = mapped_column(String(100), ForeignKey("rulebases.version"), nullable=False,
                                                  index=True)
    rulebase_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    engine_version: Mapped[str] = mapped_column(String(40), nullable=False)
    # derived from the content, for filters and lists; verify re-derives them
    approach: Mapped[str | None] = mapped_column(String(64), index=True)
    city: Mapped[str | None] = mapped_column(String(200), index=True)
    project_name: Mapped[str | None] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # hash format (chain.FORMATS) and, when some fields are personal, canonical JSON
    # {JSON pointer: salt or null once removed}: see privacy.py (migration 0003)
    format: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    personal: Mapped[str | None] = mapped_column(Text)
    # format 3 (compact records, migration 0007): context_raw and the compact recommendation, compressed
    # (packing.py); context_raw and recommendation are then empty
    packed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # the language the answer's words were given in and the version of the translations used (migration 0008;
    # NULL for records made before, and translations NULL for English, which uses none)
    language: Mapped[str | None] = mapped_column(String(12))
    translations: Mapped[str | None] = mapped_column(String(40))


class DecisionRule(Base):
    __tablename__ = "decision_rules"
    # SQLite keeps the rows in the primary key's tree, with no rowid table beside it (migration 0007)
    __table_args__ = (Index("ix_decision_rules_rule_seq", "rule_id", "decision_seq"), {"sqlite_with_rowid": False})

    decision_seq: Mapped[int] = mapped_column(BigInteger, ForeignKey("decisions.seq"), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    firings: Mapped[int] = mapped_column(Integer, nullable=False)


class Evaluation(Base):
    """What happened after a decision, recorded once or at several stages (service/log/evaluations.py);
    append-only and hash-chained by `seq` (chain.evaluation_hash), with its own head row in
    `evaluation_head`. `body` is the evaluation as canonical JSON (personal values as privacy.py stores
    them); `decision_hash` is the evaluated decision's hash when the evaluation was recorded."""
    __tablename__ = "evaluations"

    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    decision_seq: Mapped[int] = mapped_column(BigInteger, ForeignKey("decisions.seq"), nullable=False, index=True)
    decision_id: Mapped[str] = mapped_column(String(36), nullable=False)
    decision_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC
    caller_name: Mapped[str] = mapped_column(String(100), nullable=False)
    caller_role: Mapped[str] = mapped_column(String(20), nullable=False)
    stage: Mapped[str] = mapped_column(String(30), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    format: Mapped[int] = mapped_column(Integer, nullable=False)
    personal: Mapped[str | None] = mapped_column(Text)    # {pointer: salt or null once removed}, as decisions'
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class EvaluationHead(Base):
    """The evaluations' chain head (one row, as log_head for decisions): a deleted last evaluation shows."""
    __tablename__ = "evaluation_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class IdempotencyKey(Base):
    """A caller's Idempotency-Key and what the first request with it gave: the decision it logged (written in
    the decision's own transaction) or its answer (status, response JSON). Migration 0006;
    service/api/idempotency.py."""
    __tablename__ = "idempotency_keys"

    caller_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)   # sha256 of method, path and body
    decision_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[int] = mapped_column(Integer, nullable=False)
    response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC
