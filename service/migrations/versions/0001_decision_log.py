"""The decision log: hash-chained decisions, their rule bases, the chain head.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    head = op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_log_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])
    op.create_table(
        "rulebases",
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_rulebases"),
    )
    op.create_table(
        "decisions",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("caller_name", sa.String(100), nullable=False),
        sa.Column("caller_role", sa.String(20), nullable=False),
        sa.Column("context_raw", sa.Text(), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("rulebase_version", sa.String(100), nullable=False),
        sa.Column("rulebase_digest", sa.String(64), nullable=False),
        sa.Column("engine_version", sa.String(40), nullable=False),
        sa.Column("approach", sa.String(64), nullable=True),
        sa.Column("city", sa.String(200), nullable=True),
        sa.Column("project_name", sa.String(200), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["rulebase_version"], ["rulebases.version"],
                                name="fk_decisions_rulebase_version_rulebases"),
        sa.PrimaryKeyConstraint("seq", name="pk_decisions"),
        sa.UniqueConstraint("id", name="uq_decisions_id"),
    )
    op.create_index("ix_decisions_created_at", "decisions", ["created_at"])
    op.create_index("ix_decisions_caller_name", "decisions", ["caller_name"])
    op.create_index("ix_decisions_rulebase_version", "decisions", ["rulebase_version"])
    op.create_index("ix_decisions_approach", "decisions", ["approach"])
    op.create_index("ix_decisions_city", "decisions", ["city"])
    op.create_table(
        "decision_rules",
        sa.Column("decision_seq", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("firings", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["decision_seq"], ["decisions.seq"],
                                name="fk_decision_rules_decision_seq_decisions"),
        sa.PrimaryKeyConstraint("decision_seq", "rule_id", name="pk_decision_rules"),
    )
    op.create_index("ix_decision_rules_rule_seq", "decision_rules", ["rule_id", "decision_seq"])


def downgrade() -> None:
    op.drop_table("decision_rules")
    op.drop_table("decisions")
    op.drop_table("rulebases")
    op.drop_table("log_head")
