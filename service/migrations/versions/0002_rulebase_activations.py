"""Rule base activations: which stored version served from when, and who switched it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rulebase_activations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("activated_at", sa.DateTime(), nullable=False),
        sa.Column("activated_by", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["version"], ["rulebases.version"],
                                name="fk_rulebase_activations_version_rulebases"),
        sa.PrimaryKeyConstraint("id", name="pk_rulebase_activations"),
    )
    op.create_index("ix_rulebase_activations_activated_at", "rulebase_activations", ["activated_at"])


def downgrade() -> None:
    op.drop_index("ix_rulebase_activations_activated_at", table_name="rulebase_activations")
    op.drop_table("rulebase_activations")
