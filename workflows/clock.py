"""The one source of "now", so tests and drills can move time for everything at once."""

from __future__ import annotations

import contextlib
import contextvars
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_frozen: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("frozen_now", default=None)


def now() -> datetime:
    """Current instant, timezone-aware UTC (time-machine moves it in tests, frozen() in drills)."""
    return _frozen.get() or datetime.now(timezone.utc)


@contextlib.contextmanager
def frozen(at: datetime):
    """Act as if it were `at` (flask tick --now); the engine's timers read this clock too."""
    token = _frozen.set(as_utc(at))
    try:
        yield
    finally:
        _frozen.reset(token)


def today() -> date:
    """Today's date in Asia/Shanghai, the date that counts for working days."""
    return now().astimezone(SHANGHAI).date()


def local(instant: datetime | None) -> datetime | None:
    """An instant shown in Asia/Shanghai time."""
    if instant is None:
        return None
    return as_utc(instant).astimezone(SHANGHAI)


def as_utc(instant: datetime) -> datetime:
    """Treat naive datetimes (as SQLite returns them) as UTC."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc)


def end_of_day(day: date) -> datetime:
    """23:59:59 Asia/Shanghai of a date, as a UTC instant: when a period ends."""
    return datetime.combine(day, time(23, 59, 59), SHANGHAI).astimezone(timezone.utc)


def start_of_day(day: date) -> datetime:
    """00:00 Asia/Shanghai of a date, as a UTC instant."""
    return datetime.combine(day, time(0, 0), SHANGHAI).astimezone(timezone.utc)


def parse_instant(value: str | datetime) -> datetime:
    """An ISO-8601 string or datetime as an aware UTC instant (naive means Shanghai)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(timezone.utc)


def fmt(instant: datetime | None, with_time: bool = True) -> str:
    """Display format used across pages: Shanghai time, minutes precision."""
    if instant is None:
        return ""
    shown = local(instant)
    return shown.strftime("%Y-%m-%d %H:%M") if with_time else shown.strftime("%Y-%m-%d")
