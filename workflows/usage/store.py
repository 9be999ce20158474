"""Checked usage records stored in the ingesting transaction: each id once (usage_record_key), the raw rows
(partitioned by month on PostgreSQL) and the daily rollups.

Concurrency: ids are claimed in usage_record_key in the order of the ids with ON CONFLICT DO NOTHING (a copy being
stored by another transaction waits for it, then counts as a duplicate), and rollups are upserted in the order of
their keys, so two overlapping batches never deadlock and count a record once. On PostgreSQL the whole batch goes
by COPY into a temp table and one statement from it (the rollup summed by the database from the same rows); SQLite
takes the same steps one statement each.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflows import clock
from workflows.db import is_postgres
from workflows.models import NO_KEY, UsageDaily, UsageRecord, UsageRecordKey

COLUMNS = {  # usage_record's columns as the batch statement's arrays carry them
    "record_key": "varchar",
    "batch_id": "integer",
    "grant_id": "integer",
    "unit_id": "integer",
    "resource_id": "integer",
    "interface_id": "integer",
    "at": "timestamptz",
    "call_type": "varchar",
    "count": "integer",
    "failed": "integer",
    "scenario": "varchar",
    "received_at": "timestamptz",
}
ROLLUP_KEY = ("grant_key", "resource_id", "unit_id", "interface_key", "day", "call_type")

_BATCH = f"""
WITH fresh AS (
    INSERT INTO usage_record_key (record_key, at)
    SELECT record_key, at FROM usage_incoming ORDER BY record_key
    ON CONFLICT (record_key) DO NOTHING
    RETURNING record_key
), kept AS (
    SELECT usage_incoming.* FROM usage_incoming JOIN fresh USING (record_key)
), raw AS (
    INSERT INTO usage_record ({", ".join(COLUMNS)}) SELECT {", ".join(COLUMNS)} FROM kept
), rolled AS (
    INSERT INTO usage_daily ({", ".join(ROLLUP_KEY)}, count, failed, records)
    SELECT coalesce(grant_id, {NO_KEY}), resource_id, unit_id, coalesce(interface_id, {NO_KEY}), day, call_type,
           sum(count), sum(failed), count(*)
    FROM kept GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT ({", ".join(ROLLUP_KEY)}) DO UPDATE SET
        count = usage_daily.count + excluded.count,
        failed = usage_daily.failed + excluded.failed,
        records = usage_daily.records + excluded.records
)
SELECT record_key FROM fresh
"""


def store(session: Session, rows: list[dict]) -> list[dict]:
    """The rows actually stored, rolled up: an id already present (from any batch, committed or not) is skipped."""
    if not rows:
        return []
    if is_postgres(session):
        stored = _store_on_postgres(session, rows)
        return [row for row in rows if row["record_key"] in stored]
    stored_rows = _insert_portably(session, rows)
    _roll_up(session, stored_rows)
    return stored_rows


def _store_on_postgres(session: Session, rows: list[dict]) -> set[str]:
    """COPY the rows into this connection's temp table, then one statement claims, inserts and rolls them up."""
    values = ([*(row[name] for name in COLUMNS), clock.local(row["at"]).date()] for row in rows)
    copy_to_temp(session, "usage_incoming", COLUMNS | {"day": "date"}, values)
    return set(session.execute(text(_BATCH)).scalars())


def copy_to_temp(session: Session, name: str, columns: dict[str, str], values) -> None:
    """Rows into a temp table of this connection by COPY (PostgreSQL's fastest way in), emptied at each commit."""
    declared = ", ".join(f"{column} {kind}" for column, kind in columns.items())
    session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({declared}) ON COMMIT DELETE ROWS"))
    session.execute(text(f"DELETE FROM {name}"))  # empty already, unless an outer transaction holds rows
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def _insert(session: Session, table):
    return (postgresql if is_postgres(session) else sqlite).insert(table)


def _insert_portably(session: Session, rows: list[dict]) -> list[dict]:
    keys = _insert(session, UsageRecordKey.__table__).on_conflict_do_nothing(index_elements=["record_key"])
    claimed = [{"record_key": row["record_key"], "at": row["at"]} for row in rows]
    stored = set(session.execute(keys.returning(UsageRecordKey.__table__.c.record_key), claimed).scalars())
    stored_rows = [row for row in rows if row["record_key"] in stored]
    if stored_rows:
        session.execute(_insert(session, UsageRecord.__table__), [{k: row[k] for k in COLUMNS} for row in stored_rows])
    return stored_rows


def rollup_key(row: dict) -> tuple:
    day = clock.local(row["at"]).date()
    return (row["grant_id"] or NO_KEY, row["resource_id"], row["unit_id"], row["interface_id"] or NO_KEY, day,
            row["call_type"])  # fmt: skip


def _roll_up(session: Session, rows: list[dict]) -> None:
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        total = totals[rollup_key(row)]
        total[0] += row["count"]
        total[1] += row["failed"]
        total[2] += 1
    if not totals:
        return
    values = [
        dict(zip(ROLLUP_KEY, key)) | {"count": c, "failed": f, "records": n}
        for key, (c, f, n) in sorted(totals.items())
    ]
    table = UsageDaily.__table__
    statement = _insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(ROLLUP_KEY),
        set_={
            "count": table.c.count + statement.excluded.count,
            "failed": table.c.failed + statement.excluded.failed,
            "records": table.c.records + statement.excluded.records,
        },
    )
    session.execute(statement, values)
