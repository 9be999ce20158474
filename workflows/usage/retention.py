"""Raw usage records are kept for a while (USAGE_RETENTION_DAYS); the daily rollups, which every page reads, stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from workflows import audit, clock
from workflows.models import UsageBatch, UsageRecord

DEFAULT_RETENTION = timedelta(days=400)  # a year and a month: last year's same month stays comparable


def forget_old_records(session: Session, keep: timedelta = DEFAULT_RETENTION) -> int:
    """Delete raw records (and the replay answers of batches) older than `keep`; returns the records deleted."""
    before = clock.now() - keep
    purged = session.scalar(select(func.count()).select_from(UsageRecord).where(UsageRecord.at < before)) or 0
    if purged:
        session.execute(delete(UsageRecord).where(UsageRecord.at < before))
        audit.record(
            session, None, "usage", "records", "usage:purged", None, {"purged": purged, "before": before.isoformat()}
        )
    session.execute(delete(UsageBatch).where(UsageBatch.received_at < before))
    return purged
