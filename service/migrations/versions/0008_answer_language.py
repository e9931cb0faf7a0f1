"""The language of each answer and the translations it used (issue 18): `decisions.language` and
`decisions.translations`, and the `translations` table that keeps each version of the translation files.

An answer's rule-generated words follow the reader's language (service/rule_words.py); the log keeps the
English recommendation the engine made, with the language the answer was given in and the version (digest)
of the translations used, so that a report or a replay shows the original wording, or another language. A
record's hash covers both (chain.record_hash); records made before have NULL in both and keep their hash.
`translations` keeps the files of every version an answer used (version -> canonical JSON {path: text}), as
`rulebases` keeps the rule files: the version is their digest, so the files cannot drift under it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("language", sa.String(12), nullable=True))
        batch.add_column(sa.Column("translations", sa.String(40), nullable=True))
    op.create_table(
        "translations",
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_translations"),
    )


def downgrade() -> None:
    op.drop_table("translations")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("translations")
        batch.drop_column("language")
