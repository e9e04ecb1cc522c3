"""operations: keyed audit chain, sealed secrets with key ids, job and backup bookkeeping

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The audit chain becomes keyed (controller.audit): events written so far keep their plain
    # SHA-256 links, every later one is an HMAC. The head's MAC is written by the first keyed
    # event or by `titip db upgrade` / `titip audit seal`, which have the key; a migration has not.
    with op.batch_alter_table('audit_head') as batch:
        batch.add_column(sa.Column('keyed_from', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
    op.execute("UPDATE audit_head SET keyed_from = last_seq + 1")
    # SQLite: 0011 rebuilt `documents` (batch mode copies the table) and so lost 0002's write-once
    # triggers; `titip audit verify` re-hashes the papers, but the database should refuse too.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER IF NOT EXISTS documents_no_{verb.lower()} BEFORE {verb} ON documents
                           BEGIN SELECT RAISE(ABORT, 'documents are written once: {verb} refused'); END""")


def downgrade() -> None:
    with op.batch_alter_table('audit_head') as batch:
        batch.drop_column('mac')
        batch.drop_column('keyed_from')
