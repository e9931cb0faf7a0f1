"""Rule base activations are hash-chained: `seq`, `prev_hash`, `hash`, and their head in `activation_head`.

Activations that exist when this runs are chained here, in the order of
their ids, with the hash rules of service/log/chain.py (activation_hash).
So for them the chain is evidence from migration time only: it shows any
change made after the migration, not one made before it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.log.chain import activation_hash

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("rulebase_activations") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
    table = sa.table("rulebase_activations", sa.column("id", sa.Integer()), sa.column("version", sa.String()),
                     sa.column("activated_at", sa.DateTime()), sa.column("activated_by", sa.String()),
                     sa.column("action", sa.String()), sa.column("note", sa.Text()),
                     sa.column("seq", sa.BigInteger()), sa.column("prev_hash", sa.String()),
                     sa.column("hash", sa.String()))
    conn = op.get_bind()
    rows = conn.execute(sa.select(table).order_by(table.c.id)).all()
    prev, seq = GENESIS_HASH, 0
    for row in rows:
        seq += 1
        digest = activation_hash(seq=seq, version=row.version, activated_at=row.activated_at,
                                 activated_by=row.activated_by, action=row.action, note=row.note, prev_hash=prev)
        conn.execute(sa.update(table).where(table.c.id == row.id).values(seq=seq, prev_hash=prev, hash=digest))
        prev = digest
    with op.batch_alter_table("rulebase_activations") as batch:
        batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_rulebase_activations_seq", ["seq"])
    head = op.create_table(
        "activation_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_activation_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": seq, "hash": prev}])


def downgrade() -> None:
    op.drop_table("activation_head")
    with op.batch_alter_table("rulebase_activations") as batch:
        batch.drop_constraint("uq_rulebase_activations_seq", type_="unique")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
