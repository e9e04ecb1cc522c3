"""asset lifecycle

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa
import controller.models.base


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asset_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('asset_code', sa.String(length=64), nullable=True),
    sa.Column('nup', sa.String(length=32), nullable=True),
    sa.Column('owner', sa.String(length=8), nullable=False),
    sa.Column('acquired_on', sa.Date(), nullable=True),
    sa.Column('acquisition_value', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('disposed_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_asset_records_server_id_servers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_records')),
    sa.UniqueConstraint('asset_code', 'nup', name=op.f('uq_asset_records_asset_code_nup')),
    sa.UniqueConstraint('server_id', name=op.f('uq_asset_records_server_id'))
    )
    with op.batch_alter_table('asset_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_records_disposed_at'), ['disposed_at'], unique=False)

    op.create_table('lifecycle_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=32), nullable=True),
    sa.Column('to_state', sa.String(length=32), nullable=False),
    sa.Column('at', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_lifecycle_steps_server_id_servers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lifecycle_steps'))
    )
    with op.batch_alter_table('lifecycle_steps', schema=None) as batch_op:
        batch_op.create_index('ix_lifecycle_steps_case', ['kind', 'case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lifecycle_steps_server_id'), ['server_id'], unique=False)

    op.create_table('maintenance_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('state_since', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('analysis', sa.Text(), nullable=False),
    sa.Column('officer', sa.String(length=64), nullable=True),
    sa.Column('letter_number', sa.String(length=100), nullable=True),
    sa.Column('downtime_start', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('downtime_end', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('work_done', sa.Text(), nullable=True),
    sa.Column('report', sa.Text(), nullable=True),
    sa.Column('condition_after', sa.String(length=16), nullable=True),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_maintenance_cases_server_id_servers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_maintenance_cases_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_cases'))
    )
    with op.batch_alter_table('maintenance_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_cases_server_id'), ['server_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_cases_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_cases_unit_id'), ['unit_id'], unique=False)

    op.create_table('maintenance_parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('serial_removed', sa.String(length=100), nullable=True),
    sa.Column('serial_installed', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['maintenance_cases.id'], name=op.f('fk_maintenance_parts_case_id_maintenance_cases'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_parts'))
    )
    with op.batch_alter_table('maintenance_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_parts_case_id'), ['case_id'], unique=False)

    op.create_table('disposal_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('state_since', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('eligible', sa.Boolean(), nullable=True),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('regent_name', sa.String(length=200), nullable=True),
    sa.Column('decree_number', sa.String(length=100), nullable=True),
    sa.Column('backup', sa.String(length=500), nullable=True),
    sa.Column('wipe_method', sa.String(length=200), nullable=True),
    sa.Column('wiped_by', sa.String(length=200), nullable=True),
    sa.Column('wiped_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('wipe_sha256', sa.String(length=64), nullable=True),
    sa.Column('wipe_document_id', sa.Integer(), nullable=True),
    sa.Column('recipient_name', sa.String(length=200), nullable=True),
    sa.Column('record_number', sa.String(length=100), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('released_allocation_id', sa.Integer(), nullable=True),
    sa.Column('disposed_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_disposal_cases_document_id_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['released_allocation_id'], ['allocations.id'], name=op.f('fk_disposal_cases_released_allocation_id_allocations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_disposal_cases_server_id_servers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_disposal_cases_unit_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['wipe_document_id'], ['documents.id'], name=op.f('fk_disposal_cases_wipe_document_id_documents'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disposal_cases'))
    )
    with op.batch_alter_table('disposal_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disposal_cases_server_id'), ['server_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disposal_cases_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_disposal_cases_unit_id'), ['unit_id'], unique=False)

    op.create_table('transfer_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('to_unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('state_since', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('letter_number', sa.String(length=100), nullable=True),
    sa.Column('record_number', sa.String(length=100), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('transferred_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_transfer_cases_document_id_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_transfer_cases_server_id_servers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['to_unit_id'], ['units.id'], name=op.f('fk_transfer_cases_to_unit_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_transfer_cases_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_cases'))
    )
    with op.batch_alter_table('transfer_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_cases_server_id'), ['server_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_cases_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_cases_to_unit_id'), ['to_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_cases_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('transfer_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_cases_unit_id'))
        batch_op.drop_index(batch_op.f('ix_transfer_cases_to_unit_id'))
        batch_op.drop_index(batch_op.f('ix_transfer_cases_state'))
        batch_op.drop_index(batch_op.f('ix_transfer_cases_server_id'))

    op.drop_table('transfer_cases')
    with op.batch_alter_table('disposal_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disposal_cases_unit_id'))
        batch_op.drop_index(batch_op.f('ix_disposal_cases_state'))
        batch_op.drop_index(batch_op.f('ix_disposal_cases_server_id'))

    op.drop_table('disposal_cases')
    with op.batch_alter_table('maintenance_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_parts_case_id'))

    op.drop_table('maintenance_parts')
    with op.batch_alter_table('maintenance_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_cases_unit_id'))
        batch_op.drop_index(batch_op.f('ix_maintenance_cases_state'))
        batch_op.drop_index(batch_op.f('ix_maintenance_cases_server_id'))

    op.drop_table('maintenance_cases')
    with op.batch_alter_table('lifecycle_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lifecycle_steps_server_id'))
        batch_op.drop_index('ix_lifecycle_steps_case')

    op.drop_table('lifecycle_steps')
    with op.batch_alter_table('asset_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_records_disposed_at'))

    op.drop_table('asset_records')
