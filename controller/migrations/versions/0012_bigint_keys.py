"""64-bit keys for the per-measurement tables

The tables written with every heartbeat, probe round, inventory, notification and audited change
had 32-bit keys: at 50,000 agents a minute `agent_reports` would exhaust its sequence in about a
month, and every report after that would fail. Their keys become BIGINT, and so do their
sequences (a SERIAL's sequence is created `AS integer` and stops at 2^31 - 1 whatever the column).

No column refers to these keys (a ticket copies the probe results it attaches, an inventory item
the record it used; retention relies on that too), so only the keys themselves change. A column
added later that refers to one of them must be `models.base.BigKey` as well.

On PostgreSQL, changing a column's type rewrites the table under an exclusive lock: on a large
`agent_reports` the upgrade takes a while, and heartbeats wait for it (agents spool and resend).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TABLES = ("agent_reports", "access_checks", "inventory_items", "notifications", "audit_events")
INT_MAX = 2**31 - 1


def upgrade() -> None:
    # SQLite: nothing to rewrite. A column declared `INTEGER PRIMARY KEY` is the table's rowid,
    # which is already a 64-bit signed integer, and the models keep that declaration there
    # (`BigKey` is INTEGER on SQLite) so the key stays the rowid and is still numbered by it.
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id TYPE BIGINT")
        op.execute(f"ALTER SEQUENCE {_sequence(table)} AS bigint")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    bind = op.get_bind()
    for table in TABLES:
        # Refuse with the reason before touching anything: a key already past 32 bits cannot go back.
        top = bind.execute(sa.text(f"SELECT max(id) FROM {table}")).scalar() or 0
        last = bind.execute(sa.text(f"SELECT last_value FROM {_sequence(table)}")).scalar() or 0
        if max(top, last) > INT_MAX:
            raise RuntimeError(f"{table}.id has passed 2^31 - 1 ({max(top, last)}): it cannot go back to INTEGER")
    for table in TABLES:
        op.execute(f"ALTER SEQUENCE {_sequence(table)} AS integer")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id TYPE INTEGER")


def _sequence(table: str) -> str:
    """The sequence numbering `table.id` (SERIAL made it `<table>_id_seq`; asked, not assumed)."""
    name = op.get_bind().execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
    if name is None:
        raise RuntimeError(f"{table}.id has no sequence")
    return name
