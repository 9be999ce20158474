"""What operators watch: readiness (/readyz), the figures /metrics exposes, and the sysadmin's 系统运行状况 page.

Every figure is computed from the database when asked, so any web worker answers the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from workflows import case_names, clock, heartbeat, migrate
from workflows.models import (
    ApprovalRecord,
    EmailStatus,
    HumanTask,
    OutboxEmail,
    ProcessInstance,
    ProcessVersion,
    SchedulerHeartbeat,
    TaskStatus,
)
from workflows.sharing import records

SHOWN_MAILS = 20


@dataclass
class Check:
    name: str  # in Chinese: operators read it in the 503 answer
    ok: bool
    detail: str


def readiness(sessions: sessionmaker, max_age: timedelta) -> list[Check]:
    """The database answers, its schema is the code's, and a periodic pass ended within max_age."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the answer
        return [Check("数据库", False, f"数据库无法连接（{type(exc).__name__}）")]
    return [Check("数据库", True, "数据库连接正常"), _migrations(sessions), _scheduler(sessions, max_age)]


def _migrations(sessions: sessionmaker) -> Check:
    with sessions() as session:
        found = migrate.database_heads(session.connection())
    wanted = migrate.code_heads()
    if found == wanted:
        return Check("数据库迁移", True, f"数据库结构为最新版本 {'、'.join(sorted(wanted))}")
    shown = "、".join(sorted(found)) or "未迁移"
    return Check(
        "数据库迁移",
        False,
        f"数据库结构版本为 {shown}，程序需要 {'、'.join(sorted(wanted))}："
        "请执行 flask --app webapp init-db 完成迁移",
    )


def _scheduler(sessions: sessionmaker, max_age: timedelta) -> Check:
    try:
        with sessions() as session:
            beat = heartbeat.last(session)
    except Exception as exc:  # noqa: BLE001 - an unmigrated table is reported by the check above as well
        return Check("定时任务调度器", False, f"无法读取调度器运行记录（{type(exc).__name__}）")
    if beat is None:
        return Check("定时任务调度器", False, "调度器从未运行：请启动 run-scheduler 服务")
    age = int(beat.age(clock.now()).total_seconds())
    if beat.is_stale(clock.now(), max_age):
        return Check(
            "定时任务调度器",
            False,
            f"调度器最近一次运行结束于 {age} 秒前，超过 {int(max_age.total_seconds())} 秒："
            "请检查 run-scheduler 服务是否在运行",
        )
    return Check("定时任务调度器", True, f"调度器最近一次运行结束于 {age} 秒前")


@dataclass
class Gauges:
    """The figures /metrics computes at scrape time."""

    open_tasks: list[tuple[str, str, int]]  # (process, step, count)
    overdue_tasks: list[tuple[str, int]]  # (process, count)
    mail_queue: dict[str, int]  # pending / failed
    renders_failed: int
    beat: SchedulerHeartbeat | None
    beat_age_seconds: float | None


def gauges(session: Session) -> Gauges:
    now = clock.now()
    open_rows = session.execute(
        select(
            ProcessVersion.process_key,
            HumanTask.task_key,
            func.count(HumanTask.id),
            func.count(HumanTask.id).filter(HumanTask.due_at < now),
        )
        .join(ProcessInstance, HumanTask.instance_id == ProcessInstance.id)
        .join(ProcessVersion, ProcessInstance.process_version_id == ProcessVersion.id)
        .where(HumanTask.status == TaskStatus.OPEN)
        .group_by(ProcessVersion.process_key, HumanTask.task_key)
    ).all()
    overdue: dict[str, int] = {}
    for process, _step, _count, late in open_rows:
        overdue[process] = overdue.get(process, 0) + late
    mails = dict(
        session.execute(
            select(OutboxEmail.status, func.count(OutboxEmail.id))
            .where(OutboxEmail.status != EmailStatus.SENT)
            .group_by(OutboxEmail.status)
        ).all()
    )
    beat = heartbeat.last(session)
    return Gauges(
        open_tasks=[(p, s, c) for p, s, c, _late in open_rows],
        overdue_tasks=sorted(overdue.items()),
        mail_queue={status.value: mails.get(status, 0) for status in (EmailStatus.PENDING, EmailStatus.FAILED)},
        renders_failed=len(records.failed(session)),
        beat=beat,
        beat_age_seconds=beat.age(now).total_seconds() if beat else None,
    )


@dataclass
class SystemStatus:
    """系统运行状况: the last pass, what failed in it and what still waits."""

    beat: SchedulerHeartbeat | None
    stale: bool
    failed_cases: list[dict] = field(default_factory=list)  # {"name", "error"}
    failed_renders: list = field(default_factory=list)
    waiting_renders: int = 0  # decided records whose PDF the next pass makes
    unsent_mails: list[OutboxEmail] = field(default_factory=list)
    pending_mails: int = 0


def system_status(session: Session, max_age: timedelta) -> SystemStatus:
    beat = heartbeat.last(session)
    status = SystemStatus(beat=beat, stale=beat is None or beat.is_stale(clock.now(), max_age))
    if beat is not None and beat.failed_cases:
        ids = [c["instance_id"] for c in beat.failed_cases]
        names = case_names.for_instances(
            session, session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids)))
        )
        status.failed_cases = [
            {"name": names.get(c["instance_id"], "已删除的案件"), "error": c["error"]} for c in beat.failed_cases
        ]
    status.failed_renders = records.failed(session)
    status.waiting_renders = session.scalar(select(func.count(ApprovalRecord.id)).where(ApprovalRecord.pdf.is_(None)))
    status.unsent_mails = list(
        session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.last_error != "", OutboxEmail.status != EmailStatus.SENT)
            .order_by(OutboxEmail.id.desc())
            .limit(SHOWN_MAILS)
        )
    )
    status.pending_mails = session.scalar(
        select(func.count(OutboxEmail.id)).where(OutboxEmail.status == EmailStatus.PENDING)
    )
    return status
