"""Checked usage records stored in the ingesting transaction: each id once (usage_record_key), the raw rows
(partitioned by month on PostgreSQL) and the daily rollups.

Concurrency: ids are claimed in usage_record_key in the order of the ids with ON CONFLICT DO NOTHING (a copy being
stored by another transaction waits for it, then counts as a duplicate), and rollups are upserted in the order of
their keys, so two overlapping batches never deadlock and count a record once. Only the claimed rows are written:
on PostgreSQL the ids are claimed in one statement from two arrays and the rows go by COPY straight into
usage_record, as fast as a bare insert; SQLite takes one executemany for each. The rollup is summed here from the
same rows, one upsert for both.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflows.db import is_postgres
from workflows.models import NO_KEY, UsageDaily, UsageRecord, UsageRecordKey

COLUMNS = (  # usage_record's columns in the order COPY sends them
    "record_key",
    "batch_id",
    "grant_id",
    "unit_id",
    "resource_id",
    "interface_id",
    "at",
    "call_type",
    "count",
    "failed",
    "scenario",
    "received_at",
)
ROLLUP_KEY = ("grant_key", "resource_id", "unit_id", "interface_key", "day", "call_type")
_SUMS = ("count", "failed", "records")
_ROLLUP_COLUMNS = ROLLUP_KEY + _SUMS
_ROLLUP_TYPES = ("integer", "integer", "integer", "integer", "date", "varchar", "bigint", "bigint", "integer")

_CLAIM = """
INSERT INTO usage_record_key (record_key, at)
SELECT record_key, at FROM unnest(%b::varchar[], %b::timestamptz[]) AS claim (record_key, at)
ORDER BY record_key
ON CONFLICT (record_key) DO NOTHING
RETURNING record_key
"""
_ROLL_UP = f"""
INSERT INTO usage_daily ({", ".join(_ROLLUP_COLUMNS)})
SELECT * FROM unnest({", ".join(f"%b::{kind}[]" for kind in _ROLLUP_TYPES)})
ON CONFLICT ({", ".join(ROLLUP_KEY)}) DO UPDATE SET
    {", ".join(f"{c} = usage_daily.{c} + excluded.{c}" for c in _SUMS)}
"""


def store(session: Session, rows: list[dict]) -> list[dict]:
    """The rows actually stored, rolled up: an id already present (from any batch, committed or not) is skipped."""
    if not rows:
        return []
    stored_rows = _claimed(session, rows)
    _write(session, stored_rows)
    _roll_up(session, stored_rows)
    return stored_rows


def _claimed(session: Session, rows: list[dict]) -> list[dict]:
    """The rows whose ids this batch claimed first (rows come sorted by id)."""
    if is_postgres(session):
        claimed = _execute(session, _CLAIM, ([row["record_key"] for row in rows], [row["at"] for row in rows]))
        stored = {key for (key,) in claimed}
    else:
        claim = _insert_into(session, UsageRecordKey.__table__).on_conflict_do_nothing(index_elements=["record_key"])
        keys = [{"record_key": row["record_key"], "at": row["at"]} for row in rows]
        stored = set(session.execute(claim.returning(UsageRecordKey.__table__.c.record_key), keys).scalars())
    return [row for row in rows if row["record_key"] in stored]


def _execute(session: Session, statement: str, arrays) -> list[tuple]:
    """A statement of this connection with %b (binary) array parameters: as text, an array of 5,000 timestamps costs
    as much to format as to insert its rows."""
    cursor = _cursor(session)
    cursor.execute(statement, arrays)
    return cursor.fetchall() if cursor.description else []


def _write(session: Session, rows: list[dict]) -> None:
    if not rows:
        return
    if not is_postgres(session):
        session.execute(_insert_into(session, UsageRecord.__table__), [{k: row[k] for k in COLUMNS} for row in rows])
        return
    _copy(session, "usage_record", COLUMNS, ([row[name] for name in COLUMNS] for row in rows))


def copy_to_temp(session: Session, name: str, columns: dict[str, str], values) -> None:
    """Rows into a temp table of this connection by COPY (PostgreSQL's fastest way in), emptied at each commit."""
    declared = ", ".join(f"{column} {kind}" for column, kind in columns.items())
    session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({declared}) ON COMMIT DELETE ROWS"))
    session.execute(text(f"DELETE FROM {name}"))  # empty already, unless an outer transaction holds rows
    _copy(session, name, columns, values)


def _copy(session: Session, table: str, columns, values) -> None:
    with _cursor(session).copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def _cursor(session: Session):
    """A psycopg cursor on the session's connection, in its transaction: COPY and binary parameters need the driver."""
    return session.connection().connection.driver_connection.cursor()


def _insert_into(session: Session, table):
    return (postgresql if is_postgres(session) else sqlite).insert(table)


def rollup_key(row: dict) -> tuple:
    return (row["grant_id"] or NO_KEY, row["resource_id"], row["unit_id"], row["interface_id"] or NO_KEY, row["day"],
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
    ordered = sorted(totals.items())
    if is_postgres(session):  # one statement from one array per column
        _execute(session, _ROLL_UP, [list(column) for column in zip(*(key + tuple(sums) for key, sums in ordered))])
        return
    values = [dict(zip(_ROLLUP_COLUMNS, key + tuple(sums), strict=True)) for key, sums in ordered]
    table = UsageDaily.__table__
    statement = _insert_into(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(ROLLUP_KEY),
        set_={name: table.c[name] + statement.excluded[name] for name in _SUMS},
    )
    session.execute(statement, values)
