"""Real databases for every test: SQLite by default, PostgreSQL when TEST_DATABASE_URL names a server.

Each test session migrates one template database and seeds the calendar and the demo organisation into it once.
Tests run on a working copy of the template: `sessions` joins one connection whose outer transaction is rolled
back when the test ends, so a test sees exactly the demo organisation and leaves nothing behind (the audit
table refuses deletes, so nothing could be cleaned up by deleting rows anyway). A test whose commits must be
seen by other connections (threads, a live server) names `committing_sessions` and gets a fresh copy of the
template of its own; every fixture built on `sessions` (app, client, processes, demo_catalog) then uses it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from tests.helpers import MISSING_BASIS, Api, apply, at, decide, deploy_product_processes, serving
from webapp import rate_limit
from workflows import bootstrap, calendar, demo, migrate
from workflows.catalog import search
from workflows.db import make_engine, make_session_factory, normalize_url
from workflows.sharing import records


def _create_postgres_database(server_url: str, template: str | None = None) -> tuple[str, callable]:
    url = make_url(normalize_url(server_url))
    name = f"ci_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))

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


class Template:
    """A migrated database holding the calendar and the demo organisation, copied for each database a test uses."""

    def __init__(self, tmp_dir: Path):
        self.tmp_dir = tmp_dir
        self.url, self.drop = fresh_database_url(tmp_dir)
        engine = make_engine(self.url)
        migrate.upgrade(engine)
        with make_session_factory(engine).begin() as session:
            calendar.seed_from_package(session)
            demo.seed_org(session)
        engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it

    def copy(self) -> tuple[str, callable]:
        """A new database with the template's content (SQLite: a copy of the file; PostgreSQL: CREATE ... TEMPLATE)."""
        server = os.environ.get("TEST_DATABASE_URL")
        if server:
            return _create_postgres_database(server, template=make_url(self.url).database)
        path = self.tmp_dir / f"copy-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(make_url(self.url).database, path)
        return f"sqlite:///{path}", path.unlink


@pytest.fixture(scope="session", autouse=True)
def _wired():
    """Every test runs with the handlers and listeners the app runs with."""
    bootstrap.bootstrap()


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    made = Template(tmp_path_factory.mktemp("db"))
    yield made
    made.drop()


@pytest.fixture(scope="session")
def database_url(template):
    """The working copy that rolled-back tests share."""
    url, drop = template.copy()
    yield url
    drop()


@pytest.fixture(scope="session")
def db_engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Per-process caches must not carry a rolled-back calendar or catalog, or one test's requests, into the next test."""
    yield
    calendar._cache.clear()
    search._cache.clear()
    rate_limit.public_pages.clear()
    records.configure(None)  # an app made with another PUBLIC_BASE_URL does not leak into the next test


@pytest.fixture
def sessions(request):
    """A session factory over a database holding exactly the demo organisation (and the calendar).

    Rolled back at the end of the test, unless the test asked for `committing_sessions`.
    """
    if "committing_sessions" in request.fixturenames:
        return request.getfixturevalue("committing_sessions")
    return request.getfixturevalue("rolled_back_sessions")


@pytest.fixture
def rolled_back_sessions(db_engine):
    """Sessions joined to one connection's outer transaction: each session's commit releases a savepoint."""
    with db_engine.connect() as connection:
        outer = connection.begin()
        yield sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
        outer.rollback()


@pytest.fixture
def committing_sessions(template):
    """Real commits on a database of this test's own, for threads and servers that open their own connections."""
    url, drop = template.copy()
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()
    drop()


@pytest.fixture
def db(sessions):
    with sessions() as session:
        yield session


@pytest.fixture(scope="session")
def suite_app(database_url):
    from webapp import create_app

    return create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret"})


@pytest.fixture
def app(suite_app, sessions):
    """The suite's app, its requests and CLI commands working in this test's sessions."""
    with serving(suite_app, sessions):
        yield suite_app


@pytest.fixture
def client(app):
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
    deploy_product_processes(sessions)
    return sessions


@pytest.fixture
def ready(processes, demo_catalog):
    """The demo catalog and diagrams, on Friday 13 February 2026 (the review is due after the Spring Festival)."""
    with at("2026-02-13T10:00:00"):
        yield processes


@pytest.fixture
def api(client, ready):
    """The JSON API as the demo people, with the demo catalog and diagrams, on 13 February 2026."""
    return Api(client, ready)


MARCH_REJECTION = dict(
    decision="reject",
    rejection_category="no_basis",
    reason="申请用途与所列法律依据不对应，缺少低保核对的授权文件",
    missing_basis=MISSING_BASIS,
)


@pytest.fixture
def march_reviews(ready):
    """县公安局's reviews in March 2026: two decided in time (one a return), one late, one still open past its day."""
    with at("2026-03-02T09:00:00"):
        in_time, late, returned = apply(ready), apply(ready), apply(ready)
    with at("2026-03-04T10:00:00"):
        decide(ready, in_time, decision="approve")  # 2 working days
    with at("2026-03-03T10:00:00"):
        decide(ready, returned, decision="return", reason="1. 请补充低保申请受理通知书扫描件")  # 1 working day
    with at("2026-03-12T10:00:00"):
        decide(ready, late, **MARCH_REJECTION)  # 8 working days, due on the 9th
    with at("2026-03-20T09:00:00"):
        ready.open_review = apply(ready)  # due on the 27th, still open on 1 April
    return ready
