"""The periodic pass's heartbeat: when it last ran, how long it took and what failed, for /readyz, /metrics and
the sysadmin's 系统运行状况 page."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflows.db import Base, JSONDocument, UTCDateTime

PERIODIC_PASS = "periodic_pass"


class SchedulerHeartbeat(Base):
    """One row per kind of pass, overwritten by every pass (the table never grows)."""

    __tablename__ = "scheduler_heartbeat"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    timers_fired: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # failed cases and unsent emails of the last pass
    failed_cases: Mapped[list] = mapped_column(JSONDocument, default=list)  # [{"instance_id", "error"}]
    summary: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")  # the last pass stopped on this error ("" when it ended)
    host: Mapped[str] = mapped_column(String(200), default="")
    passes: Mapped[int] = mapped_column(Integer, default=0)
    failed_passes: Mapped[int] = mapped_column(Integer, default=0)

    def age(self, now: datetime) -> timedelta:
        return now - self.finished_at

    def is_stale(self, now: datetime, max_age: timedelta) -> bool:
        """The scheduler is presumed stopped when no pass has ended for longer than max_age."""
        return self.age(now) > max_age
