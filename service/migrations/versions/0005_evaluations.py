"""Evaluations of what happened after a decision, hash-chained: `evaluations` and their head `evaluation_head`.

Each evaluation has its own place (`seq`) in a chain of its own, as
activations have (0004): a decision's seq stays its place among decisions.
The table starts empty, so the chain is evidence from the first evaluation on.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("decision_seq", sa.BigInteger(), nullable=False),
        sa.Column("decision_id", sa.String(36), nullable=False),
        sa.Column("decision_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("caller_name", sa.String(100), nullable=False),
        sa.Column("caller_role", sa.String(20), nullable=False),
        sa.Column("stage", sa.String(30), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("personal", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["decision_seq"], ["decisions.seq"], name="fk_evaluations_decision_seq_decisions"),
        sa.PrimaryKeyConstraint("id", name="pk_evaluations"),
        sa.UniqueConstraint("seq", name="uq_evaluations_seq"),
    )
    op.create_index("ix_evaluations_decision_seq", "evaluations", ["decision_seq"])
    head = op.create_table(
        "evaluation_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evaluation_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])


def downgrade() -> None:
    op.drop_table("evaluation_head")
    op.drop_index("ix_evaluations_decision_seq", table_name="evaluations")
    op.drop_table("evaluations")
