"""an issue to a user covers several assets on one BAST, which both sides sign in Titip

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05

An office hands a unit a batch (ten laptops) on one berita acara serah terima: the assets move from
``asset_issues.server_id`` / ``from_unit_id`` to ``asset_issue_items``, one row per BAST line. The
BAST is now signed in Titip by the issuer and the receiving unit's contact person
(``asset_issue_signatures``), and the assets are the user's only once both have signed.

Cases opened before were handed over at once, their BAST printed for signing on paper: those still
at ``issued`` continue at the installation report, so they move to ``signed``. The downgrade keeps
each case's first asset only (an older schema has room for one).
"""
import sqlalchemy as sa
from alembic import op

import controller.models.base

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asset_issue_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('from_unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['from_unit_id'], ['units.id'], name=op.f('fk_asset_issue_items_from_unit_id_units'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['issue_id'], ['asset_issues.id'], name=op.f('fk_asset_issue_items_issue_id_asset_issues'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_asset_issue_items_server_id_servers'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_issue_items')),
    sa.UniqueConstraint('issue_id', 'line_no', name=op.f('uq_asset_issue_items_issue_id_line_no')),
    sa.UniqueConstraint('issue_id', 'server_id', name=op.f('uq_asset_issue_items_issue_id_server_id')),
    )
    with op.batch_alter_table('asset_issue_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_issue_items_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_issue_items_server_id'), ['server_id'], unique=False)

    op.create_table('asset_issue_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('nip', sa.String(length=32), nullable=True),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('signed_at', controller.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['asset_issues.id'],
                            name=op.f('fk_asset_issue_signatures_issue_id_asset_issues'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_issue_signatures')),
    sa.UniqueConstraint('issue_id', 'side', name=op.f('uq_asset_issue_signatures_issue_id_side')),
    )
    with op.batch_alter_table('asset_issue_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_issue_signatures_issue_id'), ['issue_id'], unique=False)

    op.execute("""INSERT INTO asset_issue_items (issue_id, line_no, server_id, from_unit_id)
                  SELECT id, 1, server_id, from_unit_id FROM asset_issues ORDER BY id""")
    op.execute("UPDATE asset_issues SET state = 'signed' WHERE state = 'issued'")
    with op.batch_alter_table('asset_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_issues_server_id'))
        batch_op.drop_constraint(op.f('fk_asset_issues_server_id_servers'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_asset_issues_from_unit_id_units'), type_='foreignkey')
        batch_op.drop_column('server_id')
        batch_op.drop_column('from_unit_id')


def downgrade() -> None:
    with op.batch_alter_table('asset_issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('server_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('from_unit_id', sa.Integer(), nullable=True))
    op.execute("""UPDATE asset_issues SET
                    server_id = (SELECT server_id FROM asset_issue_items i
                                 WHERE i.issue_id = asset_issues.id AND i.line_no = 1),
                    from_unit_id = (SELECT from_unit_id FROM asset_issue_items i
                                    WHERE i.issue_id = asset_issues.id AND i.line_no = 1)""")
    op.execute("UPDATE asset_issues SET state = 'issued' "
               "WHERE state IN ('giver_signed', 'recipient_signed', 'signed')")
    with op.batch_alter_table('asset_issues', schema=None) as batch_op:
        batch_op.alter_column('server_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('from_unit_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(op.f('fk_asset_issues_server_id_servers'), 'servers', ['server_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.create_foreign_key(op.f('fk_asset_issues_from_unit_id_units'), 'units', ['from_unit_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.create_index(batch_op.f('ix_asset_issues_server_id'), ['server_id'], unique=False)

    with op.batch_alter_table('asset_issue_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_issue_signatures_issue_id'))
    op.drop_table('asset_issue_signatures')
    with op.batch_alter_table('asset_issue_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_issue_items_server_id'))
        batch_op.drop_index(batch_op.f('ix_asset_issue_items_issue_id'))
    op.drop_table('asset_issue_items')
