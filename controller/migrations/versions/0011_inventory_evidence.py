"""monthly inventory evidence: signed form bytes and the officer's condition decisions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The signed inventory covers every unit: an office-wide document has no unit.
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('unit_id', existing_type=sa.Integer(), nullable=True)
    op.create_table(
        'inventory_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('server_id', sa.Integer(), nullable=False),
        sa.Column('condition', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.Column('decided_by', sa.String(length=64), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['inventory_runs.id'],
                                name=op.f('fk_inventory_decisions_run_id_inventory_runs'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['server_id'], ['servers.id'],
                                name=op.f('fk_inventory_decisions_server_id_servers'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_decisions')),
        sa.UniqueConstraint('run_id', 'server_id', name=op.f('uq_inventory_decisions_run_id_server_id')),
    )
    op.create_table(
        'inventory_forms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('format', sa.String(length=8), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_inventory_forms_document_id_documents'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['run_id'], ['inventory_runs.id'],
                                name=op.f('fk_inventory_forms_run_id_inventory_runs'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_forms')),
        sa.UniqueConstraint('document_id', name=op.f('uq_inventory_forms_document_id')),
        sa.UniqueConstraint('run_id', 'format', name=op.f('uq_inventory_forms_run_id_format')),
    )


def downgrade() -> None:
    # Office-wide documents (the signed inventories) have no unit to fall back to: downgrading
    # would lose evidence, so it is refused rather than done silently.
    bind = op.get_bind()
    if bind.execute(sa.text('SELECT count(*) FROM documents WHERE unit_id IS NULL')).scalar():
        raise RuntimeError('office-wide documents (signed inventory forms) exist; they have no unit')
    op.drop_table('inventory_forms')
    op.drop_table('inventory_decisions')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('unit_id', existing_type=sa.Integer(), nullable=False)
