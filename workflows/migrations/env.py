"""Alembic environment: migrates the database named by the connection it is given or DATABASE_URL."""
from alembic import context

import workflows.models  # noqa: F401  (registers the tables)
from workflows.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _include(obj, name, type_, reflected, compare_to) -> bool:
    """The FTS5 tables and their shadow tables are managed by hand in the migrations that create them."""
    return not (type_ == "table" and name.startswith(("resource_fts", "resource_bigram")))


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, include_object=_include,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported")
run_migrations_online()
