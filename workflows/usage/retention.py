"""Raw usage records are kept for a while (USAGE_RETENTION_DAYS); the daily rollups, which every page reads, stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from workflows import audit, clock
from workflows.models import UsageBatch, UsageRecord, UsageRecordKey
from workflows.usage import partitions

DEFAULT_RETENTION = timedelta(days=400)  # a year and a month: last year's same month stays comparable


def forget_old_records(session: Session, keep: timedelta = DEFAULT_RETENTION) -> int:
    """Delete raw records, their ids and the replay answers of batches older than `keep`; returns the records.

    On PostgreSQL whole months past are dropped as partitions (no row-wise delete, no bloat); the rows of the
    month at the edge, and everything on SQLite, are deleted row by row."""
    before = clock.now() - keep
    purged = partitions.drop_before(session, before)
    edge = session.scalar(select(func.count()).select_from(UsageRecord).where(UsageRecord.at < before)) or 0
    if edge:
        session.execute(delete(UsageRecord).where(UsageRecord.at < before))
    purged += edge
    session.execute(delete(UsageRecordKey).where(UsageRecordKey.at < before))
    if purged:
        audit.record(
            session, None, "usage", "records", "usage:purged", None, {"purged": purged, "before": before.isoformat()}
        )
    session.execute(delete(UsageBatch).where(UsageBatch.received_at < before))
    return purged
