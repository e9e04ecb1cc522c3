"""server status vitals (the heartbeat's numbers, reduced at ingest); access check origin

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows written before this keep NULL: the metrics reduce their last_heartbeat instead.
    with op.batch_alter_table('server_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vitals', sa.Text(), nullable=True))
    with op.batch_alter_table('access_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=16), server_default='schedule', nullable=False))
    # Checks written by a configure step so far: that step stamped them with its own time, to
    # within seconds of the step row (scheduled rounds run every 15 minutes).
    op.execute(f"""
        UPDATE access_checks SET origin = 'configure'
        WHERE request_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM custody_steps s
            WHERE s.request_id = access_checks.request_id AND s.action = 'configure'
              AND s.at BETWEEN {_shift("-5")} AND {_shift("+5")})""")


def _shift(seconds: str) -> str:
    """access_checks.checked_at moved by some seconds, in this database's SQL."""
    if op.get_bind().dialect.name == "postgresql":
        return f"access_checks.checked_at + INTERVAL '{seconds} seconds'"
    return f"datetime(access_checks.checked_at, '{seconds} seconds')"


def downgrade() -> None:
    with op.batch_alter_table('access_checks', schema=None) as batch_op:
        batch_op.drop_column('origin')
    with op.batch_alter_table('server_status', schema=None) as batch_op:
        batch_op.drop_column('vitals')
