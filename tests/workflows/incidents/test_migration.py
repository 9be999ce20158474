"""Migration 0021 adds the data protection undertaking and the incident table, and takes them away again, keeping
every application: an application from before shows that nothing was asked then."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from tests.conftest import fresh_database_url
from tests.helpers import HOUSEHOLD, at, deploy_product_processes, person
from workflows import calendar, demo, migrate
from workflows.db import make_engine, make_session_factory
from workflows.incidents import service
from workflows.models import PROTECTION_MISSING, Application, Grant
from workflows.sharing import applications


@pytest.fixture
def engine(tmp_path):
    url, drop = fresh_database_url(tmp_path)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop()


def test_the_migration_goes_down_to_0019_and_up_again_keeping_applications(engine):
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        calendar.seed_from_package(s)
        demo.seed_org(s)
        demo.seed_catalog(s)
    deploy_product_processes(sessions)
    with at("2026-02-13T10:00:00"), sessions.begin() as s:
        app_id = applications.apply(s, person(s, "machao"), HOUSEHOLD).id
        demo.seed_incidents(s)
    with sessions() as s:
        assert sum(service.open_counts_by_unit(s).values()) == 1  # the demo's two, one of them handled
    migrate.downgrade(engine, "0019")
    tables = inspect(engine)
    assert "incident" not in tables.get_table_names()
    assert "protection_storage" not in {c["name"] for c in tables.get_columns("application")}
    assert "protection_access" not in {c["name"] for c in tables.get_columns("data_grant")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM application")).scalar() == 1
    migrate.upgrade(engine)
    with sessions() as s:
        app = s.get(Application, app_id)
        assert app.data_protection is None
        assert [text for _, text in app.protection_lines()] == [PROTECTION_MISSING] * 3
        assert s.query(Grant).count() == 0 and service.open_counts_by_unit(s) == {}
