"""the monthly reconciliation report to the Asisten is issued once per period

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05

SOP 000 Penggunaan step 4: the Pengelola Barang reports the register against the inventory to the
regional secretariat's Asisten. The sealed PDF is a document; this row ties it to its period, once.
"""
import sqlalchemy as sa
from alembic import op

import controller.models.base

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reconciliation_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('signed_name', sa.String(length=200), nullable=False),
    sa.Column('signed_nip', sa.String(length=32), nullable=True),
    sa.Column('signed_position', sa.String(length=200), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_reconciliation_reports_document_id_documents'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_reports')),
    sa.UniqueConstraint('document_id', name=op.f('uq_reconciliation_reports_document_id')),
    sa.UniqueConstraint('period', name=op.f('uq_reconciliation_reports_period')),
    )


def downgrade() -> None:
    op.drop_table('reconciliation_reports')
