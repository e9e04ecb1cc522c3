"""monthly inventory

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa
import controller.models.base


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inventory_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('lease_owner', sa.String(length=100), nullable=True),
    sa.Column('lease_until', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('finished_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.Column('signed_by', sa.String(length=64), nullable=True),
    sa.Column('signed_name', sa.String(length=200), nullable=True),
    sa.Column('signed_nip', sa.String(length=32), nullable=True),
    sa.Column('signed_position', sa.String(length=200), nullable=True),
    sa.Column('signed_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('resumed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_runs')),
    sa.UniqueConstraint('period', name=op.f('uq_inventory_runs_period'))
    )
    op.create_table('collection_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=253), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('snmp_version', sa.String(length=4), nullable=True),
    sa.Column('snmp_user', sa.String(length=64), nullable=True),
    sa.Column('auth_protocol', sa.String(length=16), nullable=True),
    sa.Column('priv_protocol', sa.String(length=16), nullable=True),
    sa.Column('ssh_username', sa.String(length=64), nullable=True),
    sa.Column('device_type', sa.String(length=64), nullable=True),
    sa.Column('secrets', sa.Text(), nullable=True),
    sa.Column('host_key', sa.Text(), nullable=True),
    sa.Column('host_key_fingerprint', sa.String(length=100), nullable=True),
    sa.Column('host_key_pinned_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_ok', sa.Boolean(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('last_collected_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('retired_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_collection_targets_server_id_servers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_targets'))
    )
    with op.batch_alter_table('collection_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_targets_server_id'), ['server_id'], unique=False)

    op.create_table('inventory_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=True),
    sa.Column('record', sa.Text(), nullable=True),
    sa.Column('condition', sa.Text(), nullable=True),
    sa.Column('proposed_condition', sa.String(length=16), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('errors', sa.Text(), nullable=True),
    sa.Column('drift_findings', sa.Integer(), nullable=False),
    sa.Column('collected_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['inventory_runs.id'], name=op.f('fk_inventory_items_run_id_inventory_runs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_inventory_items_server_id_servers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_items')),
    sa.UniqueConstraint('run_id', 'server_id', name=op.f('uq_inventory_items_run_id_server_id'))
    )
    with op.batch_alter_table('inventory_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_items_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inventory_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_items_run_id'))

    op.drop_table('inventory_items')
    with op.batch_alter_table('collection_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_targets_server_id'))

    op.drop_table('collection_targets')
    op.drop_table('inventory_runs')
