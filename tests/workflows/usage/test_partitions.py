"""Raw usage records at scale: on PostgreSQL a partition per month that the pass makes ahead, a record in its
month's partition, old months dropped whole and the edge month's rows deleted, the rollups kept; on SQLite the same
records in one plain table. A record id counts once, whatever time it carries."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import event, func, select, text

from notifications.email import SmtpSettings
from tests.conftest import fresh_database_url
from tests.helpers import at, person
from workflows import calendar, demo, migrate, operations
from workflows.db import is_postgres, make_engine, make_session_factory
from workflows.models import UsageDaily, UsageRecord, UsageRecordKey
from workflows.usage import ingest, partitions, retention

MONTHS_2026 = ["usage_record_y2026m02", "usage_record_y2026m03", "usage_record_y2026m04"]


def record(key: str, when: str, count: int = 3) -> dict:
    return {
        "id": key,
        "unit_code": "mzj",
        "resource_code": "XY-GA-001",
        "interface_code": "IF-001",
        "at": when,
        "call_type": "interface",
        "count": count,
    }


def send(session, key: str, batch: list[dict]) -> ingest.Report:
    return ingest.ingest_json(session, person(session, "platform"), key, json.dumps({"records": batch}).encode())


def where_stored(sessions) -> dict[str, str]:
    """Each record's table (the demo catalog's own usage aside): its partition on PostgreSQL, else usage_record."""
    with sessions() as s:
        if not is_postgres(s):
            stored = {key: "usage_record" for key in s.scalars(select(UsageRecord.record_key))}
        else:
            stored = dict(s.execute(text("SELECT record_key, tableoid::regclass::text FROM usage_record")).all())
    return {key: table for key, table in stored.items() if not key.startswith("demo-")}


def names(sessions) -> list[str]:
    with sessions() as s:
        return [m.name for m in partitions.months(s)]


def calls_on(sessions, day: date) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.sum(UsageDaily.count)).where(UsageDaily.day == day)) or 0)


def test_the_pass_makes_this_month_and_the_next_two_before_their_records_arrive(sessions, demo_catalog):
    with at("2026-02-13T10:00:00"):
        first = operations.run_once(sessions, SmtpSettings())
    made = names(sessions)
    with sessions() as s:
        if is_postgres(s):
            assert all(name in made for name in MONTHS_2026) and first.usage_months_made == 3
            assert "usage_record_y2026m05" not in made and "usage_record_y2026m01" not in made
            assert "新建数据使用记录月分区 3 个" in first.summary()
        else:
            assert made == [] and first.usage_months_made == 0  # SQLite keeps one plain table
    with at("2026-02-14T10:00:00"):
        again = operations.run_once(sessions, SmtpSettings())  # a second pass makes nothing twice
    assert names(sessions) == made and again.usage_months_made == 0


def test_a_record_lands_in_its_month_s_partition_and_one_of_a_month_without_one_in_the_default(sessions, demo_catalog):
    with at("2026-02-13T10:00:00"), sessions.begin() as s:
        partitions.prepare(s)
        send(s, "k", [record("feb", "2026-02-01T00:30:00+08:00"), record("jan", "2026-01-31T23:30:00+08:00")])
    stored = where_stored(sessions)
    with sessions() as s:
        postgres = is_postgres(s)
    if postgres:  # the months are Shanghai months: 00:30 on 1 February is 16:30 UTC on 31 January
        assert stored == {"feb": "usage_record_y2026m02", "jan": "usage_record_default"}
    else:
        assert stored == {"feb": "usage_record", "jan": "usage_record"}
    if postgres:  # a month made later takes its rows over from the default
        with at("2026-02-13T10:00:00"), sessions.begin() as s:
            partitions.make(s, partitions.Month(2026, 1))
        assert where_stored(sessions)["jan"] == "usage_record_y2026m01"


def test_retention_drops_whole_old_months_deletes_the_edge_rows_and_keeps_the_rollups(sessions, demo_catalog):
    with at("2026-02-13T10:00:00"), sessions.begin() as s:
        partitions.prepare(s)
        send(s, "feb", [record("feb-1", "2026-02-02T09:00:00+08:00"), record("feb-2", "2026-02-12T09:00:00+08:00")])
    with at("2026-03-13T10:00:00"), sessions.begin() as s:
        partitions.prepare(s)
        send(s, "mar", [record("mar-1", "2026-03-02T09:00:00+08:00"), record("mar-2", "2026-03-12T09:00:00+08:00")])
    with at("2026-04-06T10:00:00"), sessions.begin() as s:  # keep 30 days: February goes, 2 March goes, 12 March stays
        assert retention.forget_old_records(s, timedelta(days=30)) == 3
    assert sorted(where_stored(sessions)) == ["mar-2"]
    with sessions() as s:
        keys = s.scalars(
            select(UsageRecordKey.record_key).where(UsageRecordKey.record_key.in_(["feb-1", "feb-2", "mar-1", "mar-2"]))
        )
        assert sorted(keys) == ["mar-2"]
        if is_postgres(s):
            assert "usage_record_y2026m02" not in names(sessions) and "usage_record_y2026m03" in names(sessions)
    for day in (date(2026, 2, 2), date(2026, 2, 12), date(2026, 3, 2), date(2026, 3, 12)):
        assert calls_on(sessions, day) == 3, day


def test_a_record_id_sent_again_with_another_time_is_counted_once(sessions, demo_catalog):
    with at("2026-02-13T10:00:00"), sessions.begin() as s:
        partitions.prepare(s)
        first = send(s, "first", [record("same", "2026-02-12T09:00:00+08:00")])
        again = send(s, "again", [record("same", "2026-01-20T09:00:00+08:00"), record("other", "2026-02-12T10:00:00")])
    assert (first.accepted, again.accepted, again.duplicates) == (1, 1, 1)
    assert calls_on(sessions, date(2026, 2, 12)) == 6 and calls_on(sessions, date(2026, 1, 20)) == 0
    with sessions() as s:
        kept = s.scalar(select(UsageRecord.at).where(UsageRecord.record_key == "same"))
        assert kept.date() == date(2026, 2, 12)  # the first copy's time


def test_the_migration_keeps_every_record_going_down_to_one_plain_table_and_up_to_months_again(tmp_path):
    url, drop = fresh_database_url(tmp_path)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with make_session_factory(engine).begin() as s:
            calendar.seed_from_package(s)
            demo.seed_org(s)
            demo.seed_catalog(s)  # with the demo's three weeks of reported calls
        before = _records(engine)
        migrate.downgrade(engine, "0022")
        assert _records(engine) == before
        migrate.upgrade(engine)
        assert _records(engine) == before
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM usage_record_key")) == len(before)
            if conn.dialect.name == "postgresql":
                assert conn.scalar(text("SELECT count(*) FROM usage_record_default")) == 0
    finally:
        engine.dispose()
        drop()


def _records(engine) -> list[tuple]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT record_key, at, count FROM usage_record ORDER BY record_key")).all())


def test_a_batch_twice_as_large_runs_as_many_statements(sessions, demo_catalog, db_engine):
    """Records are claimed, stored, rolled up and their anomalies kept by whole batches, never one by one."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def sent(n: int, key: str) -> int:
        batch = [record(f"{key}-{i}", f"2026-02-{1 + i % 12:02d}T09:00:00+08:00") for i in range(n)]
        for i, item in enumerate(batch):  # other units' calls: another rollup and anomaly each
            item["unit_code"] = ("mzj", "gaj", "rsj", "scj")[i % 4]
        statements.clear()
        event.listen(db_engine, "before_cursor_execute", count)
        try:
            with at("2026-02-13T10:00:00"), sessions.begin() as s:
                assert send(s, key, batch).accepted == n
        finally:
            event.remove(db_engine, "before_cursor_execute", count)
        return len(statements)

    with at("2026-02-13T10:00:00"), sessions.begin() as s:
        partitions.prepare(s)
    sent(5, "warm")
    assert sent(40, "n") == sent(80, "twice")
