"""Real databases for every test: SQLite by default, PostgreSQL when TEST_DATABASE_URL names a server.

Each test session migrates a fresh database (PostgreSQL: its own `ci_<random>` database);
each test starts from the demo organisation and leaves no rows behind.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, text
from sqlalchemy.engine import make_url

from workflows import bootstrap, calendar, demo, migrate
from workflows.db import Base, make_engine, make_session_factory, normalize_url
from workflows.models import CalendarDay


def _create_postgres_database(server_url: str) -> tuple[str, callable]:
    url = make_url(normalize_url(server_url))
    name = f"ci_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def fresh_database_url(tmp_dir: Path) -> tuple[str, callable]:
    """An empty database of the kind this run tests."""
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        return _create_postgres_database(server)
    return f"sqlite:///{tmp_dir / f'test-{uuid.uuid4().hex[:8]}.db'}", lambda: None


@pytest.fixture(scope="session", autouse=True)
def _wired():
    """Every test runs with the handlers and listeners the app runs with."""
    bootstrap.bootstrap()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url, drop = fresh_database_url(tmp_path_factory.mktemp("db"))
    engine = make_engine(url)
    migrate.upgrade(engine)
    with make_session_factory(engine).begin() as session:
        calendar.seed_from_package(session)
    engine.dispose()
    yield url
    drop()


@pytest.fixture(scope="session")
def db_engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(db_engine):
    """A session factory over a database holding exactly the demo organisation."""
    factory = make_session_factory(db_engine)
    with factory.begin() as session:
        demo.seed_org(session)
    yield factory
    _clean(factory)


def _clean(factory) -> None:
    with factory.begin() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != CalendarDay.__tablename__:
                session.execute(delete(table))
        session.execute(delete(CalendarDay).where(CalendarDay.source != calendar.PACKAGE_SOURCE))
        calendar.seed_from_package(session)


@pytest.fixture
def db(sessions):
    with sessions() as session:
        yield session


@pytest.fixture(scope="session")
def app(database_url):
    from webapp import create_app

    return create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret"})


@pytest.fixture
def client(app, sessions):
    return app.test_client()


@pytest.fixture
def demo_catalog(sessions):
    """The 41 demo resources and 26 interfaces, published."""
    with sessions.begin() as session:
        demo.seed_catalog(session)
    return sessions


@pytest.fixture
def processes(sessions):
    """Every diagram in bpmn/ deployed, as seed-demo does."""
    from pathlib import Path

    from workflows import engine
    from workflows.engine import lint

    bpmn = Path(__file__).resolve().parents[1] / "bpmn"
    forms = lint.load_forms(bpmn / "forms")
    with sessions.begin() as session:
        for path in sorted(bpmn.glob("*.bpmn")):
            engine.deploy(session, path.read_text(encoding="utf-8"), forms, None)
    return sessions
