"""steps on behalf of an outside office: custody and lifecycle steps say for whom, under which letter

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05

A step the SOP gives to the Bupati, the Sekda or the BPKAD is recorded by an office role on that
office's behalf, with the number of its letter and optionally the scan (domain/on_behalf.py).
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

TABLES = ('custody_steps', 'lifecycle_steps')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('on_behalf_of', sa.String(length=200), nullable=True))
            batch.add_column(sa.Column('letter_number', sa.String(length=100), nullable=True))
            batch.add_column(sa.Column('letter_document_id', sa.Integer(), nullable=True))
            batch.create_foreign_key(op.f(f'fk_{table}_letter_document_id_documents'), 'documents',
                                     ['letter_document_id'], ['id'], ondelete='RESTRICT')
    # The regent's approvals recorded before: the head's office recorded them for the Bupati.
    op.execute("""UPDATE lifecycle_steps SET on_behalf_of = 'bupati', letter_number =
                    (SELECT decree_number FROM disposal_cases WHERE disposal_cases.id = lifecycle_steps.case_id)
                  WHERE kind = 'disposal' AND action = 'record_regent_approval'""")


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f'fk_{table}_letter_document_id_documents'), type_='foreignkey')
            batch.drop_column('letter_document_id')
            batch.drop_column('letter_number')
            batch.drop_column('on_behalf_of')
