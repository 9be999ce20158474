"""On PostgreSQL usage_record is partitioned by month (Asia/Shanghai months of `at`): the periodic pass makes this
month and the next ones before their records arrive, and retention drops a month whole once all of it is past.

Partitions are named usage_record_y2026m02; usage_record_default catches a record of a month that has none (a
backfill from before the partitions, or after the pass stopped for months), where retention deletes it row by row,
and a month made later takes its rows over from it. SQLite keeps a plain table; every function here does nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from workflows import calendar, clock
from workflows.db import is_postgres

AHEAD = 2  # months made ahead of this one, so that a stopped pass has two months to be noticed
PARENT = "usage_record"
DEFAULT = "usage_record_default"
_NAME = re.compile(r"^usage_record_y(\d{4})m(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    """A month of the county's calendar and the instants it spans."""

    year: int
    month: int

    @classmethod
    def of(cls, instant: datetime) -> Month:
        local = clock.local(instant)
        return cls(local.year, local.month)

    @property
    def name(self) -> str:
        return f"usage_record_y{self.year}m{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=clock.SHANGHAI)

    def next(self) -> Month:
        following = calendar.month_start(date(self.year, self.month, 1), 1)
        return Month(following.year, following.month)

    @property
    def end(self) -> datetime:
        return self.next().start


def months(session: Session) -> list[Month]:
    """The months that have a partition, oldest first."""
    if not is_postgres(session):
        return []
    names = session.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:parent AS regclass)"
        ),
        {"parent": PARENT},
    ).scalars()
    return sorted(Month(int(m[1]), int(m[2])) for name in names if (m := _NAME.match(name)))


def prepare(session: Session) -> list[Month]:
    """Make this month and the AHEAD months after it, where missing; returns the months made."""
    if not is_postgres(session):
        return []
    month = last = Month.of(clock.now())
    for _ in range(AHEAD):
        last = last.next()
    have, made = set(months(session)), []
    while month <= last:
        if month not in have:
            make(session, month)
            made.append(month)
        month = month.next()
    return made


def make(session: Session, month: Month) -> None:
    """A new month's table, filled with its rows from the default partition, then attached (an index each)."""
    bounds = {"start": month.start, "end": month.end}
    session.execute(text(f"CREATE TABLE {month.name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    session.execute(
        text(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE at >= :start AND at < :end RETURNING *) "
            f"INSERT INTO {month.name} SELECT * FROM moved"
        ),
        bounds,
    )
    start, end = month.start.isoformat(), month.end.isoformat()  # DDL takes no parameters; these are our own
    session.execute(
        text(f"ALTER TABLE {PARENT} ATTACH PARTITION {month.name} FOR VALUES FROM ('{start}') TO ('{end}')")
    )


def drop_before(session: Session, before: datetime) -> int:
    """Drop every month that ends at or before `before`; returns the records they held."""
    dropped = 0
    for month in months(session):
        if month.end > before:
            break
        dropped += session.execute(text(f"SELECT count(*) FROM {month.name}")).scalar_one()
        session.execute(text(f"DROP TABLE {month.name}"))
    return dropped
