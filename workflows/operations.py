"""What runs across features: the periodic pass (timers, grant expiry, email, records, retention) and entering a
year's schedule."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import sessionmaker

from notifications import inapp
from notifications.email import SmtpSettings, deliver_pending, forget_sent
from workflows import calendar, clock, heartbeat
from workflows.catalog import changes
from workflows.engine import sweep
from workflows.objections import integrity as objection_integrity
from workflows.objections import records as objection_records
from workflows.organisation import login_throttle, vendors
from workflows.sharing import grants, integrity, records, uploads
from workflows.supervision import effect, reports, scorecards
from workflows.unit_of_work import unit_of_work
from workflows.usage import partitions as usage_partitions
from workflows.usage import retention as usage_retention

log = logging.getLogger(__name__)
SKIPPED = "另一个调度进程正在执行本轮定时任务，本进程跳过本轮"


@dataclass(frozen=True)
class Retention:
    """How long the pass keeps rows that only serve for a while (config: *_RETENTION_DAYS).

    Pending uploads go after their own day (sharing/uploads.KEPT_FOR). The audit trail, the records, grants and
    everything a decision rests on are never deleted.
    """

    login_failures: timedelta = login_throttle.FAILURE_RETENTION
    read_notifications: timedelta = timedelta(days=180)
    sent_emails: timedelta = timedelta(days=30)
    usage_records: timedelta = usage_retention.DEFAULT_RETENTION  # raw records; the daily rollups stay


@dataclass
class PassResult:
    timers_fired: int = 0
    cases: int = 0
    failed_cases: int = 0
    grants_expired: int = 0
    grants_warned: int = 0
    vendors_reminded: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    records_rendered: int = 0
    login_failures_purged: int = 0
    notifications_purged: int = 0
    emails_purged: int = 0
    pending_uploads_purged: int = 0
    usage_records_purged: int = 0
    usage_months_made: int = 0  # PostgreSQL: monthly partitions of usage_record made ahead
    scorecards_kept: int = 0
    reports_made: int = 0
    ratings_opened: int = 0
    failed_errors: dict[int, str] = field(default_factory=dict)  # failed case (instance id) -> why
    skipped: bool = False  # another scheduler was running the pass

    @property
    def failures(self) -> int:
        return self.failed_cases + self.emails_failed

    def summary(self) -> str:
        if self.skipped:
            return SKIPPED
        return (
            f"触发定时器 {self.timers_fired} 个，涉及案件 {self.cases} 件，失败 {self.failed_cases} 件；"
            f"授权到期 {self.grants_expired} 项，到期提醒 {self.grants_warned} 项；"
            f"运维厂商人员账号到期提醒 {self.vendors_reminded} 个；"
            f"发送邮件 {self.emails_sent} 封，失败 {self.emails_failed} 封；生成审批记录 {self.records_rendered} 份；"
            f"清除过期的登录失败记录 {self.login_failures_purged} 条、已读消息 {self.notifications_purged} 条、"
            f"已发送邮件 {self.emails_purged} 封、暂存附件 {self.pending_uploads_purged} 个、"
            f"原始数据使用记录 {self.usage_records_purged} 条；新建数据使用记录月分区 {self.usage_months_made} 个；"
            f"保存已结束期间的考核结果 {self.scorecards_kept} 期，生成督导考核月报 {self.reports_made} 份；"
            f"发起上季度使用效果评价 {self.ratings_opened} 项"
        )


def run_once(sessions: sessionmaker, smtp: SmtpSettings, retention: Retention = Retention()) -> PassResult:
    """One pass; each part commits on its own, so a failing part never blocks the others."""
    result = PassResult()
    swept = sweep.sweep(sessions)
    result.timers_fired, result.cases, result.failed_cases = swept.fired, len(swept.instances), len(swept.failed)
    result.failed_errors = swept.errors
    with unit_of_work(sessions) as session:
        result.grants_expired, result.grants_warned = grants.expire_due(session)
    with unit_of_work(sessions) as session:
        result.vendors_reminded = vendors.remind_expiring(session)
    result.emails_sent, result.emails_failed = deliver_pending(sessions, smtp)
    with unit_of_work(sessions) as session:
        result.pending_uploads_purged = uploads.forget_expired(session)
        result.login_failures_purged = login_throttle.forget_old_failures(session, retention.login_failures)
        result.notifications_purged = inapp.forget_read(session, retention.read_notifications)
        result.emails_purged = forget_sent(session, retention.sent_emails)
    with unit_of_work(sessions) as session:
        result.usage_months_made = len(usage_partitions.prepare(session))
    with unit_of_work(sessions) as session:
        result.usage_records_purged = usage_retention.forget_old_records(session, retention.usage_records)
    with unit_of_work(sessions) as session:
        result.scorecards_kept = scorecards.keep_closed(session)
        result.reports_made = reports.make_due(session)
    reports.render_pending(sessions)
    result.records_rendered = records.render_pending(sessions) + objection_records.render_pending(sessions)
    with unit_of_work(sessions) as session:
        result.ratings_opened = effect.start_due(session)
    return result


def run_pass(sessions: sessionmaker, smtp: SmtpSettings, retention: Retention = Retention()) -> PassResult:
    """The scheduler's pass: run by one scheduler at a time (the others skip it), leaving its heartbeat."""
    with heartbeat.only_scheduler(sessions) as mine:
        if not mine:
            log.info(SKIPPED)
            return PassResult(skipped=True)
        started, begun = clock.now(), time.monotonic()
        try:
            result = run_once(sessions, smtp, retention)
        except Exception as exc:
            _record_failed_pass(sessions, started, begun, exc)
            raise
        heartbeat.record(
            sessions,
            started,
            _ms_since(begun),
            timers_fired=result.timers_fired,
            failures=result.failures,
            failed_cases=result.failed_errors,
            summary=result.summary(),
        )
        return result


def _record_failed_pass(sessions, started, begun: float, exc: Exception) -> None:
    try:
        heartbeat.record(sessions, started, _ms_since(begun), error=f"{type(exc).__name__}: {exc}"[:2000])
    except Exception:  # the database itself may be what failed: the pass's own error is the one to raise
        log.exception("could not record the failed pass")


def _ms_since(begun: float) -> int:
    return round((time.monotonic() - begun) * 1000)


def import_schedule(session, year: int, text: str, actor_id: int | None, digest: str | None = None) -> tuple[int, int]:
    """Enter a year's official schedule, then recompute every open deadline that was provisional.

    Returns (days imported, deadlines changed); each changed due date writes an audit event.
    """
    days = calendar.import_year_csv(session, year, text, actor_id, digest)
    session.flush()
    changed = sweep.recompute_provisional(session, actor_id)
    changes.recompute_provisional_due(session)
    return days, changed


def check_integrity(session) -> list:
    """Every invariant of the whole database: applications, grants and cases, then objections."""
    return integrity.check(session) + objection_integrity.check(session)
