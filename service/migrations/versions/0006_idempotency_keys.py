"""Idempotency keys: what the first request with a caller's `Idempotency-Key` gave, so a retry gets it again.

One row per (caller, key): the fingerprint of the first request (method,
path, body), and what it gave: the decision it logged (`decision_id`,
written in the same transaction as the decision) or its answer (`status`,
`response`, for a rule base activation). Not part of any hash chain: a key
is a client's handle on an answer, not evidence. See service/api/idempotency.py.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("caller_name", sa.String(100), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("decision_id", sa.String(36), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("caller_name", "key", name="pk_idempotency_keys"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
