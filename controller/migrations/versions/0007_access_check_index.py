"""access check index

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('access_checks', schema=None) as batch_op:
        batch_op.create_index('ix_access_checks_server_checked', ['server_id', 'checked_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('access_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_access_checks_server_checked')

