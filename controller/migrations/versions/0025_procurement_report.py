"""procurements keep their contract's date and the activity report they issue

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05

SOP 001 Perencanaan steps 5-6 end the procurement with a laporan kegiatan: the report move now
issues it as a numbered, sealed document (services.procurement_report), and the report prints the
contract (SPK) by number and date. Procurements recorded before have neither.
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('procurements') as batch:
        batch.add_column(sa.Column('contract_date', sa.Date(), nullable=True))
        batch.add_column(sa.Column('report_document_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_procurements_report_document_id_documents'), 'documents',
                                 ['report_document_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('procurements') as batch:
        batch.drop_constraint(op.f('fk_procurements_report_document_id_documents'), type_='foreignkey')
        batch.drop_column('report_document_id')
        batch.drop_column('contract_date')
