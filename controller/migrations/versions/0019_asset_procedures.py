"""asset procedures: needs plans and their items, procurements, issues of assets to users, their steps

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05

SOP 000 Perencanaan Kebutuhan Aset TIK, SOP 001 Perencanaan Kebutuhan dan Penganggaran and
Penggunaan dan Pemanfaatan (issue 17). New tables only.
"""
from alembic import op
import sqlalchemy as sa
import controller.models.base


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('procedure_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=32), nullable=True),
    sa.Column('to_state', sa.String(length=32), nullable=False),
    sa.Column('at', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('on_behalf_of', sa.String(length=200), nullable=True),
    sa.Column('letter_number', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_steps'))
    )
    with op.batch_alter_table('procedure_steps', schema=None) as batch_op:
        batch_op.create_index('ix_procedure_steps_case', ['kind', 'case_id'], unique=False)

    op.create_table('needs_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('budget_year', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('state_since', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('letter_number', sa.String(length=100), nullable=False),
    sa.Column('letter_date', sa.Date(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('decision_number', sa.String(length=100), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('rkpd_reference', sa.String(length=200), nullable=True),
    sa.Column('finance_letter_number', sa.String(length=100), nullable=True),
    sa.Column('simbada_reference', sa.String(length=100), nullable=True),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_needs_plans_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs_plans'))
    )
    with op.batch_alter_table('needs_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_plans_budget_year'), ['budget_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_plans_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_plans_unit_id'), ['unit_id'], unique=False)

    op.create_table('needs_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('uom', sa.String(length=32), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('recommended', sa.Boolean(), nullable=True),
    sa.Column('assessment', sa.Text(), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['needs_plans.id'], name=op.f('fk_needs_items_plan_id_needs_plans'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs_items')),
    sa.UniqueConstraint('plan_id', 'line_no', name=op.f('uq_needs_items_plan_id_line_no'))
    )
    with op.batch_alter_table('needs_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_items_plan_id'), ['plan_id'], unique=False)

    op.create_table('procurements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('state_since', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('vendor', sa.String(length=200), nullable=False),
    sa.Column('contract_number', sa.String(length=100), nullable=False),
    sa.Column('contract_value', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('receipt_number', sa.String(length=100), nullable=True),
    sa.Column('report', sa.Text(), nullable=True),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['needs_items.id'], name=op.f('fk_procurements_item_id_needs_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['needs_plans.id'], name=op.f('fk_procurements_plan_id_needs_plans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_procurements_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procurements'))
    )
    with op.batch_alter_table('procurements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procurements_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurements_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurements_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurements_unit_id'), ['unit_id'], unique=False)

    op.create_table('procured_assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procurement_id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['procurement_id'], ['procurements.id'], name=op.f('fk_procured_assets_procurement_id_procurements'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_procured_assets_server_id_servers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procured_assets')),
    sa.UniqueConstraint('server_id', name=op.f('uq_procured_assets_server_id'))
    )
    with op.batch_alter_table('procured_assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procured_assets_procurement_id'), ['procurement_id'], unique=False)

    op.create_table('asset_issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('from_unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('state_since', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('recipient_nip', sa.String(length=32), nullable=True),
    sa.Column('purpose', sa.String(length=500), nullable=True),
    sa.Column('bast_number', sa.String(length=100), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('report', sa.Text(), nullable=True),
    sa.Column('report_document_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_asset_issues_document_id_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['from_unit_id'], ['units.id'], name=op.f('fk_asset_issues_from_unit_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['report_document_id'], ['documents.id'], name=op.f('fk_asset_issues_report_document_id_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_asset_issues_server_id_servers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_asset_issues_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_issues'))
    )
    with op.batch_alter_table('asset_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_issues_server_id'), ['server_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_issues_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_issues_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('asset_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_issues_unit_id'))
        batch_op.drop_index(batch_op.f('ix_asset_issues_state'))
        batch_op.drop_index(batch_op.f('ix_asset_issues_server_id'))

    op.drop_table('asset_issues')
    with op.batch_alter_table('procured_assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procured_assets_procurement_id'))

    op.drop_table('procured_assets')
    with op.batch_alter_table('procurements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procurements_unit_id'))
        batch_op.drop_index(batch_op.f('ix_procurements_state'))
        batch_op.drop_index(batch_op.f('ix_procurements_plan_id'))
        batch_op.drop_index(batch_op.f('ix_procurements_item_id'))

    op.drop_table('procurements')
    with op.batch_alter_table('needs_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_needs_items_plan_id'))

    op.drop_table('needs_items')
    with op.batch_alter_table('needs_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_needs_plans_unit_id'))
        batch_op.drop_index(batch_op.f('ix_needs_plans_state'))
        batch_op.drop_index(batch_op.f('ix_needs_plans_budget_year'))

    op.drop_table('needs_plans')
    with op.batch_alter_table('procedure_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_procedure_steps_case')

    op.drop_table('procedure_steps')
