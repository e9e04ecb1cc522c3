"""custody workflow

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Stored documents are written once: the database refuses UPDATE and DELETE on them, as on
the audit trail (same trigger function on PostgreSQL).
"""
from alembic import op
import sqlalchemy as sa
import controller.models.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('custody_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('state_since', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('letter_number', sa.String(length=100), nullable=False),
    sa.Column('letter_date', sa.Date(), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=True),
    sa.Column('network_needs', sa.String(length=500), nullable=True),
    sa.Column('officer', sa.String(length=64), nullable=True),
    sa.Column('allocation_id', sa.Integer(), nullable=True),
    sa.Column('reserved_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('waitlisted_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('inspection', sa.Text(), nullable=True),
    sa.Column('return_reason', sa.String(length=500), nullable=True),
    sa.Column('return_letter_number', sa.String(length=100), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['allocation_id'], ['allocations.id'], name=op.f('fk_custody_requests_allocation_id_allocations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_custody_requests_server_id_servers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_custody_requests_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_requests')),
    sa.UniqueConstraint('server_id', name=op.f('uq_custody_requests_server_id'))
    )
    with op.batch_alter_table('custody_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custody_requests_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_requests_unit_id'), ['unit_id'], unique=False)

    op.create_table('access_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=True),
    sa.Column('checked_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['custody_requests.id'], name=op.f('fk_access_checks_request_id_custody_requests'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_access_checks_server_id_servers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_checks'))
    )
    with op.batch_alter_table('access_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_checks_server_id'), ['server_id'], unique=False)

    op.create_table('custody_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=32), nullable=True),
    sa.Column('to_state', sa.String(length=32), nullable=False),
    sa.Column('at', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['custody_requests.id'], name=op.f('fk_custody_steps_request_id_custody_requests'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_steps'))
    )
    with op.batch_alter_table('custody_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custody_steps_request_id'), ['request_id'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['custody_requests.id'], name=op.f('fk_documents_request_id_custody_requests'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_documents_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('number', name=op.f('uq_documents_number'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_request_id'), ['request_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('read_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('email_to', sa.String(length=254), nullable=True),
    sa.Column('email_status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['custody_requests.id'], name=op.f('fk_notifications_request_id_custody_requests'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_email_status'), ['email_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=16), nullable=False),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('nip', sa.String(length=32), nullable=True),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('signed_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['custody_requests.id'], name=op.f('fk_signatures_request_id_custody_requests'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signatures')),
    sa.UniqueConstraint('request_id', 'form', 'side', name=op.f('uq_signatures_request_id_form_side'))
    )
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signatures_request_id'), ['request_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE TRIGGER documents_write_once BEFORE UPDATE OR DELETE ON documents
                      FOR EACH ROW EXECUTE FUNCTION titip_audit_append_only()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER documents_no_{verb.lower()} BEFORE {verb} ON documents
                           BEGIN SELECT RAISE(ABORT, 'documents are written once: {verb} refused'); END""")


def downgrade() -> None:
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signatures_request_id'))

    op.drop_table('signatures')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_email_status'))

    op.drop_table('notifications')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_request_id'))

    op.drop_table('documents')
    with op.batch_alter_table('custody_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_steps_request_id'))

    op.drop_table('custody_steps')
    with op.batch_alter_table('access_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_checks_server_id'))

    op.drop_table('access_checks')
    with op.batch_alter_table('custody_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_requests_unit_id'))
        batch_op.drop_index(batch_op.f('ix_custody_requests_state'))

    op.drop_table('custody_requests')
