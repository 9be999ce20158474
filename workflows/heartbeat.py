"""One scheduler at a time, and the trace each periodic pass leaves (its heartbeat).

On PostgreSQL a pass runs under a session-level advisory lock, so when several hosts run `run-scheduler` one pass
runs and the others skip it; SQLite runs one scheduler by rule, so nothing is taken there.
"""

from __future__ import annotations

import contextlib
import socket
from datetime import datetime
from typing import Iterator

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from workflows import clock
from workflows.models import PERIODIC_PASS, SchedulerHeartbeat
from workflows.unit_of_work import unit_of_work

PASS_LOCK_KEY = 7_861_697_969  # any fixed bigint shared by every scheduler of this system ("xiayi")
SHOWN_FAILED_CASES = 20


@contextlib.contextmanager
def only_scheduler(sessions: sessionmaker) -> Iterator[bool]:
    """Yields whether this process may run the pass; the lock lives on a connection of its own, outside any
    transaction, and is released (or dies with the connection) when the pass ends."""
    bind = sessions.kw["bind"]
    if bind.dialect.name != "postgresql":
        yield True
        return
    own = isinstance(bind, Engine)  # tests may bind the sessions to one connection: then the lock is taken on it
    conn = bind.connect().execution_options(isolation_level="AUTOCOMMIT") if own else bind
    try:
        held = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": PASS_LOCK_KEY}))
        try:
            yield held
        finally:
            if held:
                conn.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": PASS_LOCK_KEY})
    finally:
        if own:
            conn.close()


def record(
    sessions: sessionmaker,
    started: datetime,
    duration_ms: int,
    *,
    timers_fired: int = 0,
    failures: int = 0,
    failed_cases: dict[int, str] | None = None,
    summary: str = "",
    error: str = "",
) -> None:
    """Overwrite the heartbeat with this pass; a pass that stopped on an error counts as a failed pass."""
    with unit_of_work(sessions) as session:
        beat = session.get(SchedulerHeartbeat, PERIODIC_PASS, with_for_update=True)
        if beat is None:
            beat = SchedulerHeartbeat(name=PERIODIC_PASS, passes=0, failed_passes=0)
            session.add(beat)
        beat.started_at, beat.finished_at, beat.duration_ms = started, clock.now(), duration_ms
        beat.timers_fired, beat.failures, beat.summary, beat.error = timers_fired, failures, summary, error
        beat.failed_cases = [
            {"instance_id": i, "error": message}
            for i, message in sorted((failed_cases or {}).items())[:SHOWN_FAILED_CASES]
        ]
        beat.host = socket.gethostname()[:200]
        beat.passes = (beat.passes or 0) + 1
        beat.failed_passes = (beat.failed_passes or 0) + bool(error)


def last(session: Session) -> SchedulerHeartbeat | None:
    return session.get(SchedulerHeartbeat, PERIODIC_PASS)
