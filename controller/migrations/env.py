"""Alembic environment: the URL comes from the config built by controller.migrate."""

from alembic import context
from sqlalchemy import Connection, create_engine

from controller.jobqueue import include_object  # leaves procrastinate's own tables out
from controller.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    assert url is not None  # alembic_config() always sets it
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(conn: Connection) -> None:
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


run()
