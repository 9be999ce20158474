"""The invariants of sharing: what was reviewed is what is granted, and every case agrees with its task rows.

The services call `verify_application` after each step on an application, so a step that would break an
invariant rolls back; `check` scans the whole database for `flask check-integrity` after an incident.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from workflows import engine
from workflows.errors import Conflict
from workflows.models import (
    AffectedGrant,
    AffectedStatus,
    Application,
    ApplicationStatus,
    Grant,
    GrantStatus,
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    Resource,
    ResourceStatus,
    Role,
    ShareType,
    TaskStatus,
)
from workflows.sharing.process import COORDINATE_TASK, RESUBMIT_TASK, REVIEW_TASK

_RUNNING = (ApplicationStatus.IN_REVIEW, ApplicationStatus.RETURNED, ApplicationStatus.COORDINATING)
_ENDED = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)


@dataclass(frozen=True)
class Problem:
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}：{self.message}"


class IntegrityViolation(Conflict):
    code = "integrity_violation"

    def __init__(self, problems: list[Problem]):
        super().__init__(
            "此操作会使数据前后不一致，已取消，案件保持原状。请刷新页面查看最新状态；如仍有问题请联系系统管理员",
            [str(p) for p in problems],
        )


def verify_application(session: Session, app: Application) -> None:
    """Raise (so the step rolls back) when the application breaks an invariant."""
    session.flush()
    problems = application_problems(session, app)
    if problems:
        raise IntegrityViolation(problems)


def application_problems(session: Session, app: Application) -> list[Problem]:
    subject = f"申请 {app.number or app.id}"
    if app.status == ApplicationStatus.DRAFT:
        return []
    problems = []
    resource = session.get(Resource, app.resource_id)
    if resource.provider_unit_id != app.provider_unit_id:
        problems.append(Problem(subject, "提供单位与所申请资源的提供单位不一致"))
    open_tasks = (
        session.scalars(
            select(HumanTask)
            .join(ProcessInstance)
            .where(ProcessInstance.id == app.instance_id, HumanTask.status == TaskStatus.OPEN)
        ).all()
        if app.instance_id
        else []
    )
    counts = Counter(t.task_key for t in open_tasks)
    reviews = [t for t in open_tasks if t.task_key == REVIEW_TASK]
    if app.status == ApplicationStatus.IN_REVIEW:
        if len(reviews) != 1 or reviews[0].unit_id != app.provider_unit_id or reviews[0].role != Role.REVIEWER:
            problems.append(Problem(subject, f"审核中，但提供单位的待办审核任务为 {len(reviews)} 个（应恰好 1 个）"))
    elif reviews:
        problems.append(Problem(subject, f"状态为“{ApplicationStatus(app.status).label}”，却仍有待办审核任务"))
    if app.status == ApplicationStatus.RETURNED and counts[RESUBMIT_TASK] != 1:
        problems.append(Problem(subject, f"退回补正，但申请单位的补正任务为 {counts[RESUBMIT_TASK]} 个（应恰好 1 个）"))
    if app.status == ApplicationStatus.COORDINATING and counts[COORDINATE_TASK] != 1:
        problems.append(Problem(subject, f"县大数据局协调中，但协调任务为 {counts[COORDINATE_TASK]} 个（应恰好 1 个）"))
    if app.status == ApplicationStatus.SUBMITTED:
        problems.append(Problem(subject, "停留在“已提交”状态，未进入审核或授权"))
    problems += _instance_problems(session, app, subject)
    problems += _grant_problems(session, app, resource, subject)
    return problems


def _instance_problems(session: Session, app: Application, subject: str) -> list[Problem]:
    instance = session.get(ProcessInstance, app.instance_id) if app.instance_id else None
    if instance is None:
        return [Problem(subject, "已提交，却没有对应的流程案件")]
    if app.status in _RUNNING and instance.status != InstanceStatus.RUNNING:
        return [Problem(subject, f"状态为“{ApplicationStatus(app.status).label}”，流程案件却已结束")]
    if app.status in _ENDED and instance.status == InstanceStatus.RUNNING:
        return [Problem(subject, f"状态为“{ApplicationStatus(app.status).label}”，流程案件却仍在进行")]
    return []


def _grant_problems(session: Session, app: Application, resource: Resource, subject: str) -> list[Problem]:
    found = session.scalars(select(Grant).where(Grant.application_id == app.id)).all()
    if app.status != ApplicationStatus.APPROVED:
        return [Problem(subject, f"状态为“{ApplicationStatus(app.status).label}”，却存在授权")] if found else []
    if len(found) != 1:
        return [Problem(subject, f"已通过，但授权为 {len(found)} 项（应恰好 1 项）")]
    grant, problems = found[0], []
    if grant.unit_id != app.applicant_unit_id or grant.resource_id != app.resource_id:
        problems.append(Problem(subject, "授权的单位或资源与申请不一致"))
    if not set(grant.items) <= set(app.items):
        problems.append(Problem(subject, "授权的信息项超出了申请范围"))
    if grant.status == GrantStatus.ACTIVE:
        problems += _withdrawn_problems(session, grant, resource, subject)
    return problems + _decision_problems(session, app, grant, subject)


_APPROVALS = (
    select(HumanTask)
    .join(ProcessInstance)
    .where(
        ProcessInstance.subject_type == "application",
        ProcessInstance.subject_id == bindparam("id"),
        HumanTask.task_key == REVIEW_TASK,
        HumanTask.status == TaskStatus.COMPLETED,
    )
    .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    .limit(1)
)


def _decision_problems(session: Session, app: Application, grant: Grant, subject: str) -> list[Problem]:
    """Only the provider grants (四(三)): a grant rests on the latest review of the application being an approval by a
    reviewer of the provider unit who is the application's decider, for no more than was approved; a grant without
    any review is one of 无条件共享 data, decided by nobody."""
    review = session.scalars(_APPROVALS, {"id": str(app.id)}).first()
    if review is None:
        return [] if app.decided_by_id is None else [Problem(subject, "授权没有提供单位的审核决定，却记为有人决定")]
    result = review.result or {}
    problems = []
    if result.get("decision") != "approve":
        problems.append(Problem(subject, "授权不是基于提供单位审核人的通过决定（最近一次审核的结论不是“通过”）"))
    elif review.unit_id != app.provider_unit_id or review.role != Role.REVIEWER:
        problems.append(Problem(subject, "作出通过决定的不是提供单位的审核人"))
    elif review.completed_by_id != app.decided_by_id:
        problems.append(Problem(subject, "授权记载的决定人与提供单位作出通过决定的审核人不一致"))
    elif not set(grant.items) <= set(result.get("approved_items") or app.items):
        problems.append(Problem(subject, "授权的信息项超出了提供单位同意提供的范围"))
    return problems


def _withdrawn_problems(session: Session, grant: Grant, resource: Resource, subject: str) -> list[Problem]:
    """An active grant on a 不予共享 or retired entry, or holding an item the entry no longer has, needs the
    provider's decision to keep it, or an open task where the provider is to decide (workflows/sharing/affected)."""
    gone = [item for item in grant.items if item not in {i.name for i in resource.items}]
    if shareable(resource) and not gone:
        return []
    latest = session.scalar(
        select(AffectedGrant).where(AffectedGrant.grant_id == grant.id).order_by(AffectedGrant.id.desc()).limit(1)
    )
    if latest is not None and latest.status == AffectedStatus.KEPT and not gone:
        return []
    if (
        latest is not None
        and latest.status == AffectedStatus.OPEN
        and session.scalar(
            select(HumanTask.id)
            .where(HumanTask.instance_id == latest.instance_id, HumanTask.status == TaskStatus.OPEN)
            .limit(1)
        )
    ):
        return []
    undecided = "且提供单位既未决定保留至到期，也没有待办的处理任务"
    if not shareable(resource):
        return [Problem(subject, f"资源已不予共享或已停用，授权却仍有效，{undecided}")]
    return [Problem(subject, f"授权仍含目录中已删除的信息项“{'、'.join(gone)}”，{undecided}")]


def task_completed(session: Session, event: str, task: HumanTask) -> None:
    """After every step of an application's case, the application must still hold its invariants."""
    if task.instance.subject_type == "application":
        verify_application(session, session.get(Application, int(task.instance.subject_id)))


def shareable(resource: Resource) -> bool:
    """Only a published entry that is not 不予共享 can be granted."""
    return resource.status == ResourceStatus.PUBLISHED and resource.share_type != ShareType.NOT_SHARED


def check(session: Session) -> list[Problem]:
    """Every invariant over the whole database (flask check-integrity, the crash drill, the race tests)."""
    problems = []
    for app in session.scalars(
        select(Application).where(Application.status != ApplicationStatus.DRAFT).order_by(Application.id)
    ):
        problems += application_problems(session, app)
    drafts = session.scalars(
        select(Grant.id)
        .join(Application, Grant.application_id == Application.id)
        .where(Application.status == ApplicationStatus.DRAFT)
    ).all()
    problems += [Problem(f"授权 {grant_id}", "所属申请仍是草稿，却存在授权") for grant_id in drafts]
    return problems + _case_problems(session)


def _case_problems(session: Session) -> list[Problem]:
    """Each case's stored state against its task rows."""
    problems = []
    open_rows: dict[int, set[str]] = {}
    for instance_id, spiff_id in session.execute(
        select(HumanTask.instance_id, HumanTask.spiff_task_id).where(HumanTask.status == TaskStatus.OPEN)
    ):
        open_rows.setdefault(instance_id, set()).add(spiff_id)
    providers = dict(
        session.execute(
            select(Application.instance_id, Application.provider_unit_id).where(Application.instance_id.is_not(None))
        ).all()
    )
    for instance in session.scalars(select(ProcessInstance).order_by(ProcessInstance.id)):
        rows = open_rows.get(instance.id, set())
        subject = f"案件 {instance.id}"
        if instance.status != InstanceStatus.RUNNING:
            if rows:
                problems.append(Problem(subject, f"流程已结束，却仍有 {len(rows)} 个待办任务"))
            continue
        ready, data = engine.inspect(session, instance)
        if ready != rows:
            problems.append(
                Problem(subject, f"流程状态中的待办环节（{len(ready)} 个）与待办任务记录（{len(rows)} 个）不一致")
            )
        if instance.id in providers and data.get("provider_unit_id") != providers[instance.id]:
            problems.append(Problem(subject, "流程中的审核单位与申请的提供单位不一致"))
    return problems
