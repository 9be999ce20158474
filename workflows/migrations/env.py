"""Alembic environment: migrates the database named by the connection it is given or DATABASE_URL."""

from alembic import context

import workflows.models  # noqa: F401  (registers the tables)
from workflows.db import Base, make_engine
from workflows.migrate import broken_foreign_keys, foreign_keys_off, include_object

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


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with foreign_keys_off(connection), context.begin_transaction():
        context.run_migrations()
        if broken := broken_foreign_keys(connection):
            raise RuntimeError(f"迁移后外键不一致，已回滚：{broken[:5]}")


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported")
run_migrations_online()
