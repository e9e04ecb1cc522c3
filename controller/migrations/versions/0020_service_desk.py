"""service desk: divisions (bidang) and their members, the service catalogue, and per ticket its
division, catalogue item, category and priority, comments and attached files (SOP 003)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05

Additive. A ticket filed before has no division: its steps keep the table's role rule alone (its
assigned officer resolves it, any division head checks it). Tickets still "submitted" are
triaged against the new catalogue like any other.
"""
import sqlalchemy as sa
from alembic import op

import controller.models.base

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

_when = controller.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'divisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', _when(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_divisions')),
        sa.UniqueConstraint('code', name=op.f('uq_divisions_code')),
    )
    op.create_table(
        'division_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('division_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['division_id'], ['divisions.id'],
                                name=op.f('fk_division_members_division_id_divisions'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_division_members_user_id_users'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_division_members')),
        sa.UniqueConstraint('division_id', 'user_id', name=op.f('uq_division_members_division_id_user_id')),
    )
    op.create_index(op.f('ix_division_members_user_id'), 'division_members', ['user_id'], unique=False)
    op.create_table(
        'service_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('priority', sa.String(length=16), nullable=False),
        sa.Column('division_id', sa.Integer(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', _when(), nullable=False),
        sa.ForeignKeyConstraint(['division_id'], ['divisions.id'],
                                name=op.f('fk_service_items_division_id_divisions'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_items')),
        sa.UniqueConstraint('code', name=op.f('uq_service_items_code')),
    )
    op.create_index(op.f('ix_service_items_division_id'), 'service_items', ['division_id'], unique=False)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('division_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('service_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('priority', sa.String(length=16), server_default='normal', nullable=False))
        batch_op.create_index(batch_op.f('ix_tickets_division_id'), ['division_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tickets_division_id_divisions'), 'divisions',
                                    ['division_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_tickets_service_id_service_items'), 'service_items',
                                    ['service_id'], ['id'], ondelete='RESTRICT')
    op.create_table(
        'ticket_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('author', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('at', _when(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_comments_ticket_id_tickets'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_comments')),
    )
    op.create_index(op.f('ix_ticket_comments_ticket_id'), 'ticket_comments', ['ticket_id'], unique=False)
    op.create_table(
        'ticket_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_by', sa.String(length=64), nullable=False),
        sa.Column('at', _when(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_ticket_attachments_document_id_documents'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_attachments_ticket_id_tickets'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_attachments')),
        sa.UniqueConstraint('document_id', name=op.f('uq_ticket_attachments_document_id')),
    )
    op.create_index(op.f('ix_ticket_attachments_ticket_id'), 'ticket_attachments', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ticket_attachments_ticket_id'), table_name='ticket_attachments')
    op.drop_table('ticket_attachments')
    op.drop_index(op.f('ix_ticket_comments_ticket_id'), table_name='ticket_comments')
    op.drop_table('ticket_comments')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_service_id_service_items'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_tickets_division_id_divisions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tickets_division_id'))
        batch_op.drop_column('priority')
        batch_op.drop_column('service_id')
        batch_op.drop_column('division_id')
        batch_op.drop_column('category')
    op.drop_index(op.f('ix_service_items_division_id'), table_name='service_items')
    op.drop_table('service_items')
    op.drop_index(op.f('ix_division_members_user_id'), table_name='division_members')
    op.drop_table('division_members')
    op.drop_table('divisions')
