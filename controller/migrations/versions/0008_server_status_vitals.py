"""server status vitals: the heartbeat's numbers, reduced at ingest

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


def downgrade() -> None:
    with op.batch_alter_table('server_status', schema=None) as batch_op:
        batch_op.drop_column('vitals')
