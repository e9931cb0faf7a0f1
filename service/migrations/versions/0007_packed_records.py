"""Compact decision records: `decisions.packed` holds a format 3 record's texts, compressed.

A format 3 record (service/log/packing.py) stores the context as received and the compact recommendation
(engine/explanation.py: the items, their `because` references and the compact trace; everything else is
rendered from the stored rule base version when read) as one zlib-compressed value here, and leaves
`context_raw` and `recommendation` empty. Its hash covers the two texts, as for older formats. Records of
formats 1 and 2 keep their texts in those columns and `packed` NULL: they are read and verified as before.

On SQLite, `decision_rules` (the derived index of which rules fired in which decision, ~65 rows a decision)
becomes a WITHOUT ROWID table: the rows live in their primary key's tree instead of a rowid table beside it,
a third of that index's bytes (measured: ~2.3 KB a pilot decision). PostgreSQL has no rowid: unchanged.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _rebuild_decision_rules(rowid: bool) -> None:
    """Recreate SQLite's decision_rules with or without a rowid, keeping its rows, keys and index."""
    op.execute("CREATE TABLE decision_rules_new (decision_seq BIGINT NOT NULL, rule_id VARCHAR(200) NOT NULL, "
               "firings INTEGER NOT NULL, CONSTRAINT pk_decision_rules PRIMARY KEY (decision_seq, rule_id), "
               "CONSTRAINT fk_decision_rules_decision_seq_decisions FOREIGN KEY(decision_seq) "
               "REFERENCES decisions (seq))" + ("" if rowid else " WITHOUT ROWID"))
    op.execute("INSERT INTO decision_rules_new (decision_seq, rule_id, firings) "
               "SELECT decision_seq, rule_id, firings FROM decision_rules")
    op.execute("DROP INDEX ix_decision_rules_rule_seq")
    op.execute("DROP TABLE decision_rules")
    op.execute("ALTER TABLE decision_rules_new RENAME TO decision_rules")
    op.execute("CREATE INDEX ix_decision_rules_rule_seq ON decision_rules (rule_id, decision_seq)")


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("packed", sa.LargeBinary(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_decision_rules(rowid=False)


def downgrade() -> None:
    """Refused while the log holds packed (format 3) records: their texts are only in `packed`, which this
    drops, so they would lose their context and recommendation (and no longer verify). Not unpacked here:
    revision 0006's code cannot read or verify a format 3 record either way."""
    bind = op.get_bind()
    packed = bind.execute(sa.text("SELECT COUNT(*) FROM decisions WHERE packed IS NOT NULL")).scalar_one()
    if packed:
        raise RuntimeError(f"cannot downgrade below revision 0007: {packed} decision record(s) are packed (format "
                           "3), their context and recommendation kept only in decisions.packed, which the "
                           "downgrade drops; refused rather than lose them. Downgrade a copy of the log made "
                           "before 0007, or keep revision 0007.")
    if bind.dialect.name == "sqlite":
        _rebuild_decision_rules(rowid=True)
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("packed")
