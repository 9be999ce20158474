"""Several hosts run `run-scheduler`: each periodic pass is run by one of them, the others skip it, each timer fires
once, and the pass leaves its heartbeat."""

from __future__ import annotations

import queue
import threading


from notifications.email import SmtpSettings
from tests.helpers import apply, at, inbox_subjects
from workflows import heartbeat, operations
from workflows.db import is_postgres
from workflows.models import PERIODIC_PASS, SchedulerHeartbeat

NO_MAIL = SmtpSettings(host="")
CASES = 3


def passes_at_once(sessions) -> list[operations.PassResult]:
    """Two schedulers' passes in two threads. The first to take the lock is held in its last step (writing the
    heartbeat, whose row this thread keeps locked) until the other pass has answered, so the two truly overlap."""
    results: queue.Queue = queue.Queue()
    threads = [threading.Thread(target=lambda: results.put(operations.run_pass(sessions, NO_MAIL))) for _ in range(2)]
    with sessions.begin() as gate:
        gate.get(SchedulerHeartbeat, PERIODIC_PASS, with_for_update=True)
        [t.start() for t in threads]
        first = results.get(timeout=60)
    [t.join(timeout=60) for t in threads]
    return [first, results.get(timeout=60)]


def test_two_schedulers_at_once_fire_each_due_timer_once_and_one_of_them_skips_the_pass(committing_sessions, ready):
    for n in range(CASES):
        apply(ready, scenario=f"最低生活保障家庭经济状况核对（第 {n + 1} 批）")
    with at("2026-02-26T20:00:00"):
        operations.run_pass(ready, NO_MAIL)  # nothing due yet; the heartbeat row exists
    with at("2026-02-27T08:30:00"):  # the last working day of each review: 催办 is due in every case
        if is_postgres(ready.kw["bind"]):
            first, second = passes_at_once(ready)
            assert first.skipped and first.summary() == operations.SKIPPED
            assert not second.skipped and second.timers_fired == CASES
        else:  # SQLite runs one scheduler by rule: nothing is locked, a pass never skips
            first, second = operations.run_pass(ready, NO_MAIL), operations.run_pass(ready, NO_MAIL)
            assert not first.skipped and not second.skipped
    assert first.timers_fired + second.timers_fired == CASES
    assert sum(s.startswith("【催办】") for s in inbox_subjects(ready, "huangtao")) == CASES
    ran = [result for result in (first, second) if not result.skipped]
    with ready() as s:
        beat = heartbeat.last(s)  # a skipped pass leaves no heartbeat: the pass that ran wrote it
        assert beat.passes == 1 + len(ran) and beat.timers_fired == ran[-1].timers_fired
        assert beat.failures == 0 and beat.error == ""
