"""a server across custodies: one open custody request per server, one live allocation per server

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

import controller.models.base


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Terminal custody states as of this revision (domain.custody_flow.TERMINAL).
OPEN_CUSTODY = sa.text("state NOT IN ('lapsed', 'rejected', 'returned', 'withdrawn', 'refused')")
LIVE = sa.text("status != 'released' AND server_id IS NOT NULL")


def _refuse_duplicates(bind: sa.Connection) -> None:
    """Stop with the rows to resolve rather than a constraint error (nothing is changed)."""
    dupes = bind.execute(sa.text(
        "SELECT server_id, COUNT(*) FROM allocations WHERE status != 'released' AND server_id IS NOT NULL "
        "GROUP BY server_id HAVING COUNT(*) > 1")).all()
    if dupes:
        listing = ", ".join(f"server {sid} ({n} live allocations)" for sid, n in dupes)
        raise RuntimeError(
            "migration 0010 needs at most one reserved or occupied allocation per server, and found "
            f"{listing}. Release the orphaned ones (those no custody request names) with "
            "DELETE /api/v1/racks/{rack_id}/reservations/{id} on the previous version, then run "
            "`titip db upgrade` again.")


def upgrade() -> None:
    _refuse_duplicates(op.get_bind())
    with op.batch_alter_table('custody_requests', schema=None) as batch_op:
        batch_op.drop_constraint('uq_custody_requests_server_id', type_='unique')
        batch_op.create_index('ix_custody_requests_server_id', ['server_id'], unique=False)
        batch_op.create_index('uq_custody_requests_open_per_server', ['server_id'], unique=True,
                              sqlite_where=OPEN_CUSTODY, postgresql_where=OPEN_CUSTODY)
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index('uq_allocations_live_per_server', ['server_id'], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)
    with op.batch_alter_table('servers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', controller.models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('servers', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index('uq_allocations_live_per_server')
    with op.batch_alter_table('custody_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_custody_requests_open_per_server')
        batch_op.drop_index('ix_custody_requests_server_id')
        batch_op.create_unique_constraint('uq_custody_requests_server_id', ['server_id'])
