"""procedure steps keep the scan of an outside office's letter, as custody and lifecycle steps do

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05

Needs plans, procurements and issues (0019) already said on whose behalf a step was recorded and
under which letter; the RKPD's adoption is now an outside step of the Bupati (domain/on_behalf.py)
and may carry the regulation's scan, like the steps 0021 extended.
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('procedure_steps') as batch:
        batch.add_column(sa.Column('letter_document_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_procedure_steps_letter_document_id_documents'), 'documents',
                                 ['letter_document_id'], ['id'], ondelete='RESTRICT')
    # RKPD entries recorded before named Bappeda in free text; the adoption is the Bupati's regulation.
    op.execute("""UPDATE procedure_steps SET on_behalf_of = 'bupati'
                  WHERE kind = 'needs_plan' AND action = 'record_rkpd'""")


def downgrade() -> None:
    with op.batch_alter_table('procedure_steps') as batch:
        batch.drop_constraint(op.f('fk_procedure_steps_letter_document_id_documents'), type_='foreignkey')
        batch.drop_column('letter_document_id')
