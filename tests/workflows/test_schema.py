"""The schema says what the code means: coded columns refuse other values, foreign keys are indexed, the audit
trail is append-only, and the migrations build exactly what the models describe, down and up again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import (
    Enum,
    PrimaryKeyConstraint,
    UniqueConstraint,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from tests.conftest import fresh_database_url
from tests.helpers import HOUSEHOLD, apply, at, deploy_product_processes, person
from workflows import calendar, demo, migrate
from workflows.catalog import entries, search
from workflows.db import Base, make_engine, make_session_factory
from workflows.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    CallFrequency,
    Resource,
    ResourceStatus,
)
from workflows.sharing import applications

CODED = [
    (table.name, column.name, [m.value for m in column.type.enum_class])
    for table in Base.metadata.sorted_tables
    for column in table.columns
    if isinstance(column.type, Enum)
]


def _leading_columns(table) -> set[str]:
    firsts = {next(iter(index.columns)).name for index in table.indexes if index.columns}
    return firsts | {
        next(iter(c.columns)).name
        for c in table.constraints
        if isinstance(c, (UniqueConstraint, PrimaryKeyConstraint)) and c.columns
    }


# The raw usage log is written a million rows a day and read by nothing but retention (pages read the rollups);
# the units, resources, interfaces and grants it names are never deleted, so an index here would cost every record.
UNINDEXED_LOG = {
    "usage_record.unit_id",
    "usage_record.resource_id",
    "usage_record.interface_id",
    "usage_record.grant_id",
}


def test_every_foreign_key_column_leads_an_index_so_joins_and_filters_on_it_never_scan_the_table():
    unindexed = {
        f"{table.name}.{fk.parent.name}"
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.parent.name not in _leading_columns(table)
    }
    assert unindexed == UNINDEXED_LOG


def _differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": migrate.include_object}
        )
        return compare_metadata(context, Base.metadata)


def test_the_database_migrated_to_head_is_exactly_what_the_models_describe(db_engine):
    assert _differences(db_engine) == []


def test_every_coded_column_has_a_check_listing_exactly_its_codes(db_engine):
    assert len(CODED) >= 20
    checks = inspect(db_engine)
    for table, column, codes in CODED:
        found = {c["name"]: c["sqltext"] for c in checks.get_check_constraints(table)}
        assert f"ck_{table}_{column}" in found, (table, column)
        assert all(f"'{code}'" in found[f"ck_{table}_{column}"] for code in codes), (table, column)


def test_the_database_refuses_a_status_the_code_does_not_know(sessions, demo_catalog):
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.execute(text("UPDATE resource SET status = 'archived' WHERE code = 'XY-GA-001'"))
    with pytest.raises(StatementError), sessions.begin() as s:  # the model refuses it before the database does
        s.execute(update(Resource).where(Resource.code == "XY-GA-001").values(status="archived"))
    with sessions() as s:
        assert s.scalar(select(Resource.status).where(Resource.code == "XY-GA-001")) is ResourceStatus.PUBLISHED


def test_a_draft_without_a_frequency_stores_none_and_loading_gives_back_the_members(ready):
    with ready.begin() as s:
        machao = person(s, "machao")
        draft = applications.save_draft(s, machao, machao.unit_id, {"resource_code": "XY-GA-001"})
    app_id = apply(ready)
    with ready() as s:
        assert s.get(Application, draft.id).frequency is None
        stored = s.get(Application, app_id)
        assert stored.status is ApplicationStatus.IN_REVIEW and stored.frequency is CallFrequency.DAILY
        assert stored.status == "in_review"  # members are StrEnums: comparing with the code still works


def test_the_audit_trail_refuses_to_be_changed_or_deleted_at_the_database(sessions):
    with sessions() as s:
        first = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id))
    for statement in (
        f"UPDATE audit_event SET action = 'x:y' WHERE id = {first}",
        f"DELETE FROM audit_event WHERE id = {first}",
    ):
        with pytest.raises(DBAPIError) as refused, sessions.begin() as s:
            s.execute(text(statement))
        assert "审计记录只能追加，不能修改或删除" in str(refused.value)
    with sessions() as s:
        assert s.get(AuditEvent, first).action == "demo:seeded"


@pytest.fixture
def empty_database(tmp_path):
    url, drop = fresh_database_url(tmp_path)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop()


def _seed_cases(engine) -> dict:
    """The demo organisation and catalog, a draft without a frequency and a case in review."""
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        calendar.seed_from_package(s)
        demo.seed_org(s)
        demo.seed_catalog(s)
    deploy_product_processes(sessions)
    with at("2026-02-13T10:00:00"), sessions.begin() as s:
        machao = person(s, "machao")
        draft = applications.save_draft(s, machao, machao.unit_id, {"resource_code": "XY-GA-001"}).id
        in_review = applications.apply(s, machao, HOUSEHOLD).id
    return {"draft": draft, "in_review": in_review}


def _counts(engine) -> dict:
    with engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("resource", "info_item", "interface", "application", "human_task", "audit_event")
        }


def test_the_schema_migration_goes_down_and_up_again_keeping_every_row(empty_database):
    engine = empty_database
    migrate.upgrade(engine)
    ids = _seed_cases(engine)
    counts = _counts(engine)
    migrate.downgrade(engine, "0008")
    assert _counts(engine) == counts  # rebuilding tables on SQLite cascaded nothing
    with engine.connect() as conn:
        frequencies = dict(conn.execute(text("SELECT id, frequency FROM application")).all())
    assert frequencies == {ids["draft"]: "", ids["in_review"]: "daily"}
    migrate.upgrade(engine)
    assert _counts(engine) == counts and _differences(engine) == []
    sessions = make_session_factory(engine)
    with sessions() as s:
        assert s.get(Application, ids["draft"]).frequency is None
        assert s.get(Application, ids["in_review"]).status is ApplicationStatus.IN_REVIEW
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))


def test_catalog_search_finds_a_renamed_entry_after_the_migration_went_down_and_up(empty_database):
    engine = empty_database
    migrate.upgrade(engine)
    _seed_cases(engine)
    migrate.downgrade(engine, "0008")
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        huangtao = person(s, "huangtao")
        household = s.scalar(select(Resource).where(Resource.code == "XY-GA-001"))
        raw = {k: v for k, v in entries.snapshot(household).items() if k not in ("items", "status")}
        entries.update_resource(
            s, huangtao, household.id, raw | {"name": "常住户籍人口登记信息"}, entries.snapshot(household)["items"]
        )
    with sessions() as s:
        for keyword in ("常住户籍", "常住", "常"):  # the trigram index, the bigram index, one character
            found = search.search_resources(s, search.ResourceQuery(q=keyword, per_page=100)).items
            assert "XY-GA-001" in [r.code for r in found], keyword
