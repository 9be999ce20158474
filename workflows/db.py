"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import os
from datetime import timezone

from sqlalchemy import JSON, DateTime, Enum, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

DEFAULT_URL = "sqlite:///instance/xiayi-data.db"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Stores aware instants as UTC and always gives back aware UTC datetimes (SQLite drops tz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def coded(enum_cls, name: str, length: int = 20) -> Enum:
    """A StrEnum stored as its code in a VARCHAR whose CHECK lists the codes, so the table refuses any other value.

    `name` names the CHECK (ck_<table>_<name>); loading gives back the member, which still compares equal to its code.
    """
    return Enum(
        enum_cls,
        name=name,
        length=length,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


JSONDocument = JSON().with_variant(JSONB(), "postgresql")  # JSONB on PostgreSQL: compact, comparable, indexable


def normalize_url(url: str | None) -> str:
    """Accept postgresql:// and postgres:// as psycopg 3 URLs."""
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str | None = None, **kwargs) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_engine(parsed, **kwargs) -> Engine:
    if parsed.database and parsed.database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transactions into our own hands so writers queue up (BEGIN IMMEDIATE)
        # instead of failing on a stale snapshot.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()
        # the triggers of the bigram search index call it (migration 0007)
        dbapi_conn.create_function("xy_bigrams", 1, bigram_tokens, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def bigram_tokens(value: str | None) -> str | None:
    """'户籍人口' -> '户籍 籍人 人口 口': every overlapping character pair plus the last character,
    one token each, so an FTS5 table over them finds any 2-character substring by term and any
    single character by prefix (SQLite's trigram index cannot answer fewer than 3 characters)."""
    if value is None:
        return None
    return " ".join([value[i : i + 2] for i in range(len(value) - 1)] + [value[-1:]])


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def is_postgres(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if hasattr(session_or_engine, "get_bind") else session_or_engine
    return bind.dialect.name == "postgresql"
