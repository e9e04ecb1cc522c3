"""one open transfer or disposal per server, held by partial unique indexes; access checks by request

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Open = not in a terminal state of the case's flow (domain.lifecycle_flow), as of this revision.
OPEN = {
    'disposal_cases': sa.text("state NOT IN ('disposed', 'rejected')"),
    'transfer_cases': sa.text("state NOT IN ('rejected', 'transferred')"),
}


def _refuse_duplicates(bind: sa.engine.Connection) -> None:
    """Stop with the cases to resolve rather than a constraint error (nothing is changed)."""
    found = []
    for table, where in OPEN.items():
        cases: dict[int, list[int]] = {}
        for server_id, case_id in bind.execute(sa.text(
                f"SELECT server_id, id FROM {table} WHERE {where.text} ORDER BY id")).all():
            cases.setdefault(server_id, []).append(case_id)
        found += [f"{table}: server {sid} has open cases {ids}" for sid, ids in sorted(cases.items()) if len(ids) > 1]
    if found:
        raise RuntimeError(
            "migration 0009 allows one open transfer and one open disposal per server, and found "
            + "; ".join(found) + ". Reject all but one of each (POST /api/v1/transfers/{id}/actions/reject, "
            "or /disposals/{id}/actions/reject) on the previous version, then run `titip db upgrade` again.")


def upgrade() -> None:
    _refuse_duplicates(op.get_bind())
    for table, where in OPEN.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f'uq_{table}_open_per_server', ['server_id'], unique=True,
                                  sqlite_where=where, postgresql_where=where)
    # A request's view and the ticket it offers read the request's checks (a 15-minute round
    # each, kept 90 days): without this, a scan of the whole table per page.
    with op.batch_alter_table('access_checks', schema=None) as batch_op:
        batch_op.create_index('ix_access_checks_request_checked', ['request_id', 'checked_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('access_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_access_checks_request_checked')
    for table in OPEN:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'uq_{table}_open_per_server')
