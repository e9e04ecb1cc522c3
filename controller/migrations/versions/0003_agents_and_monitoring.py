"""agents and monitoring

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa
import controller.models.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('credential_hash', sa.String(length=64), nullable=False),
    sa.Column('hostname', sa.String(length=253), nullable=True),
    sa.Column('agent_version', sa.String(length=32), nullable=True),
    sa.Column('enrolled_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_agents_server_id_servers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents')),
    sa.UniqueConstraint('credential_hash', name=op.f('uq_agents_credential_hash'))
    )
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agents_server_id'), ['server_id'], unique=False)

    op.create_table('enrollment_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('used_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_enrollment_tokens_server_id_servers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_enrollment_tokens_token_hash'))
    )
    with op.batch_alter_table('enrollment_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollment_tokens_server_id'), ['server_id'], unique=False)

    op.create_table('findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('recorded', sa.Text(), nullable=True),
    sa.Column('observed', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('resolved_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_findings_server_id_servers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings'))
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_server_id'), ['server_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_status'), ['status'], unique=False)

    op.create_table('server_status',
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('last_seen_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_heartbeat', sa.Text(), nullable=True),
    sa.Column('last_inventory', sa.Text(), nullable=True),
    sa.Column('last_inventory_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_inventory_source', sa.String(length=16), nullable=True),
    sa.Column('hardware', sa.Text(), nullable=True),
    sa.Column('agent_version', sa.String(length=32), nullable=True),
    sa.Column('dropped_heartbeats', sa.Integer(), nullable=False),
    sa.Column('inventory_requested', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_server_status_server_id_servers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('server_id', name=op.f('pk_server_status'))
    )
    op.create_table('agent_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.String(length=64), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sent_at', controller.models.base.UTCDateTime(), nullable=True),
    sa.Column('received_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.Column('dropped_heartbeats', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_agent_reports_agent_id_agents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_agent_reports_server_id_servers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_reports')),
    sa.UniqueConstraint('report_id', name=op.f('uq_agent_reports_report_id'))
    )
    with op.batch_alter_table('agent_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_reports_server_id'), ['server_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('agent_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_reports_server_id'))

    op.drop_table('agent_reports')
    op.drop_table('server_status')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_status'))
        batch_op.drop_index(batch_op.f('ix_findings_server_id'))

    op.drop_table('findings')
    with op.batch_alter_table('enrollment_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_tokens_server_id'))

    op.drop_table('enrollment_tokens')
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agents_server_id'))

    op.drop_table('agents')
