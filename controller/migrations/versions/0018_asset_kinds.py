"""asset kinds: the register (``servers``) holds every ICT asset kind, with its own fields

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05

Additive: every existing row is a server; no table is renamed. A kind that takes no rack space
(a licence, a laptop) has height 0, so the height check now starts at 0; rack-mountable kinds are
held to 1..60 by their validation.
"""
import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('servers') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=32), server_default='server', nullable=False))
        batch.add_column(sa.Column('attributes', sa.Text(), nullable=True))
        batch.add_column(sa.Column('secrets', sa.Text(), nullable=True))
        batch.drop_constraint(op.f('ck_servers_height'), type_='check')
        batch.create_check_constraint('height', 'height_u BETWEEN 0 AND 60')
    op.create_index(op.f('ix_servers_kind'), 'servers', ['kind'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_servers_kind'), table_name='servers')
    with op.batch_alter_table('servers') as batch:
        batch.drop_constraint(op.f('ck_servers_height'), type_='check')
        batch.create_check_constraint('height', 'height_u BETWEEN 1 AND 60')
        batch.drop_column('secrets')
        batch.drop_column('attributes')
        batch.drop_column('kind')
