"""Runs Alembic migrations programmatically (init-db and the test suite share this)."""

from __future__ import annotations

import contextlib
import functools
import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"
# Search structures made by hand in migrations 0002 and 0007, which the models do not describe.
HAND_MADE_TABLES = ("resource_fts", "resource_bigram")
HAND_MADE_INDEXES = ("ix_resource_text_trgm", "ix_resource_bigrams")
HAND_MADE_COLUMNS = ("text_bigrams",)
# usage_record's monthly partitions on PostgreSQL (workflows/usage/partitions.py): the model describes their parent.
PARTITION = re.compile(r"^usage_record_(default|y\d{4}m\d{2})$")


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, step, revision: str) -> None:
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        step(cfg, revision)


@functools.cache
def code_heads() -> frozenset[str]:
    """The newest revision(s) the code's migrations reach."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def database_heads(conn: Connection) -> frozenset[str]:
    """The revision(s) the database was migrated to; empty for a database never migrated."""
    return frozenset(MigrationContext.configure(conn).get_current_heads())


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate compares only what the models describe, not the hand-made search structures."""
    if type_ == "table":
        return not name.startswith(HAND_MADE_TABLES) and not PARTITION.match(name)
    if type_ == "index":
        return name not in HAND_MADE_INDEXES
    if type_ == "column":
        return name not in HAND_MADE_COLUMNS
    return True


@contextlib.contextmanager
def foreign_keys_off(conn: Connection):
    """SQLite rebuilds a table to change it; with foreign keys on, dropping the old table would cascade.

    The documented procedure: foreign keys off outside the transaction, change, check, then on again.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    if conn.in_transaction():
        raise RuntimeError("SQLite migrations must start outside a transaction")
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def broken_foreign_keys(conn: Connection) -> list[tuple]:
    return list(conn.exec_driver_sql("PRAGMA foreign_key_check").all()) if conn.dialect.name == "sqlite" else []
