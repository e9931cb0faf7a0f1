"""Decisions record the hash format they were made with and the salts of their personal fields.

`format` is 1 for every record made before (their hash keeps the format 1
rules); `personal` is canonical JSON {JSON pointer: salt or null} (null once
the value was removed), absent for records with no personal field.
See service/log/privacy.py.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("format", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("personal", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("personal")
        batch.drop_column("format")
