"""APScheduler loop around the sweep; with PostgreSQL several schedulers may run side by side."""
from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from workflows import deadlines

log = logging.getLogger(__name__)


def run_forever(sessions, interval_seconds: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    scheduler = BlockingScheduler(timezone="Asia/Shanghai")

    def job():
        result = deadlines.sweep(sessions)
        if result.fired or result.failed:
            log.info("sweep fired %s timers in %s cases, %s failed", result.fired, len(result.instances),
                     len(result.failed))

    scheduler.add_job(job, "interval", seconds=interval_seconds, max_instances=1, coalesce=True,
                      id="deadline-sweep", next_run_time=None)
    job()
    log.info("scheduler started: deadline sweep every %s s", interval_seconds)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
