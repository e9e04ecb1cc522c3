"""document numbers: one office-wide gapless counter per document kind and year

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

The counters start above every number already given (per unit until now), so a number from a
configured pattern never repeats an old one.
"""
import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'document_counters',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'year', name=op.f('pk_document_counters')),
    )
    op.execute("""INSERT INTO document_counters (kind, year, last)
                  SELECT kind, year, MAX(seq) FROM documents
                  WHERE seq IS NOT NULL AND year IS NOT NULL GROUP BY kind, year""")


def downgrade() -> None:
    op.drop_table('document_counters')
