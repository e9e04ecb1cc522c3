"""job queue: procrastinate's schema on PostgreSQL; a site for what is probed and collected

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def _driver() -> Any:
    """The raw driver connection, in this migration's transaction."""
    driver = op.get_bind().connection.driver_connection
    assert driver is not None  # a live connection always has one
    return driver


def upgrade() -> None:
    # A site names the network a device sits in (a remote server room behind its own network):
    # its probes and collection are queued for the workers started with `titip worker --site`.
    with op.batch_alter_table('servers') as batch:
        batch.add_column(sa.Column('site', sa.String(length=64), nullable=False, server_default=''))
    with op.batch_alter_table('collection_targets') as batch:
        batch.add_column(sa.Column('site', sa.String(length=64), nullable=False, server_default=''))
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite runs its jobs in the controller's process (APScheduler): no queue
    from procrastinate.schema import SchemaManager

    # The raw driver connection, in this migration's transaction: the schema is plpgsql with '%'
    # and ':' that SQLAlchemy's text() and psycopg's placeholders would both try to read.
    _driver().execute(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
                   "procrastinate_jobs, procrastinate_workers CASCADE")
        _driver().execute("""
            DO $$ DECLARE r record; BEGIN
              FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
                         JOIN pg_namespace n ON n.oid = p.pronamespace
                        WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
              LOOP EXECUTE 'DROP FUNCTION ' || r.sig || ' CASCADE'; END LOOP;
            END $$;""")
        op.execute("DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, "
                   "procrastinate_job_status CASCADE")
    with op.batch_alter_table('collection_targets') as batch:
        batch.drop_column('site')
    with op.batch_alter_table('servers') as batch:
        batch.drop_column('site')
