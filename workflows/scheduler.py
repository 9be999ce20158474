"""APScheduler loop around the periodic pass; on PostgreSQL several may run (one per host): one runs each pass."""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from workflows import operations

log = logging.getLogger(__name__)
JOB_ID = "deadline-sweep"


def run_forever(sessions, smtp, interval_seconds: int, retention: operations.Retention) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    scheduler = BlockingScheduler(timezone="Asia/Shanghai")

    def job():
        try:
            result = operations.run_pass(sessions, smtp, retention)
        except Exception:  # keep the scheduler alive; the next pass retries
            log.exception("periodic pass failed")
            return
        if result.skipped:
            return  # run_pass logged it
        if result.timers_fired or result.failed_cases or result.emails_sent or result.grants_expired:
            log.info(result.summary())

    schedule(scheduler, job, interval_seconds)
    job()
    log.info("scheduler started: deadline sweep every %s s", interval_seconds)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")


def schedule(scheduler, job, interval_seconds: int) -> None:
    """The pass every interval, the first one interval after start (run_forever runs one at once itself).

    Never next_run_time=None: APScheduler takes that for "add the job paused", and the pass would run only once."""
    scheduler.add_job(job, "interval", seconds=interval_seconds, max_instances=1, coalesce=True, id=JOB_ID)
