"""The scheduler repeats the periodic pass: its job is scheduled, not added paused (which ran the pass only once)."""

from apscheduler.schedulers.background import BackgroundScheduler

from workflows import scheduler as loop


def test_the_periodic_pass_is_scheduled_every_interval_not_added_paused():
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    loop.schedule(scheduler, lambda: None, 60)
    scheduler.start(paused=False)
    try:
        job = scheduler.get_job(loop.JOB_ID)
        assert job.next_run_time is not None  # a paused job has none
        assert job.trigger.interval.total_seconds() == 60
    finally:
        scheduler.shutdown(wait=False)
