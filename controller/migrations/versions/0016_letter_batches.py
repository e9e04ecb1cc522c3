"""one letter, several servers: custody requests filed together share a batch

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('custody_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_custody_requests_batch_id', ['batch_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('custody_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_custody_requests_batch_id')
        batch_op.drop_column('batch_id')
