"""notices by mail at once or as one daily digest, chosen by each user

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05

users.notice_mail: 'immediate' (every notice mailed as it comes, as before) or 'digest' (one mail
a day with the notices still unread; notifications wait in email_status 'digest').
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('notice_mail', sa.String(length=16), server_default='immediate', nullable=False))


def downgrade() -> None:
    # Notices held for a digest go out at once from now on.
    op.execute("UPDATE notifications SET email_status = 'pending' WHERE email_status = 'digest'")
    with op.batch_alter_table('users') as batch:
        batch.drop_column('notice_mail')
