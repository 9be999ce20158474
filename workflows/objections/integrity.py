"""The invariants of objections: each status has the open step it implies, and what an upheld decision says it
did to its subject is what happened there. Checked after every step (a breaking step rolls back) and by
`flask check-integrity` with the sharing invariants."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.models import AuditEvent, Grant, GrantStatus, HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from workflows.models.objections import Correction, Objection, ObjectionOutcome, ObjectionStatus, ObjectionType
from workflows.objections.process import (
    ANSWERS,
    COORDINATE,
    CORRECT,
    DECIDE,
    GOVERNMENT,
    RATE,
    REFER,
    SUPPLEMENT,
    TRANSFER,
    TRIAGE,
)
from workflows.sharing.integrity import IntegrityViolation, Problem

# The open steps each status allows (a status not listed here has none: the case has ended)
OPEN_STEPS = {
    ObjectionStatus.SUBMITTED: ({TRIAGE},),
    ObjectionStatus.AWAITING_INFO: ({SUPPLEMENT},),
    ObjectionStatus.ACCEPTED: ({TRANSFER},),
    ObjectionStatus.TRANSFERRED: (set(ANSWERS), {DECIDE}, {REFER}),
    ObjectionStatus.COORDINATING: ({COORDINATE}, {REFER}),
    ObjectionStatus.REFERRED: ({GOVERNMENT},),
    ObjectionStatus.CORRECTING: ({CORRECT},),
    ObjectionStatus.CLOSED: ({RATE},),
}


def verify_objection(session: Session, objection: Objection) -> None:
    """Raise (so the step rolls back) when the objection breaks an invariant."""
    session.flush()
    if problems := objection_problems(session, objection):
        raise IntegrityViolation(problems)


def objection_problems(session: Session, objection: Objection) -> list[Problem]:
    subject = f"异议 {objection.number}"
    return _step_problems(session, objection, subject) + _effect_problems(session, objection, subject)


def _step_problems(session: Session, objection: Objection, subject: str) -> list[Problem]:
    instance = session.get(ProcessInstance, objection.instance_id) if objection.instance_id else None
    if instance is None:
        return [Problem(subject, "没有对应的流程案件")]
    keys = Counter(
        session.scalars(
            select(HumanTask.task_key).where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.OPEN)
        )
    )
    status = ObjectionStatus(objection.status)
    label = status.label
    if instance.status != InstanceStatus.RUNNING:
        return [Problem(subject, f"流程已结束，却仍有待办环节（{'、'.join(keys)}）")] if keys else []
    allowed = OPEN_STEPS.get(status)
    if allowed is None:
        return [Problem(subject, f"状态为“{label}”，流程案件却仍在进行")]
    if not keys or max(keys.values()) > 1 or not any(set(keys) <= steps for steps in allowed):
        return [Problem(subject, f"状态为“{label}”，待办环节却是（{'、'.join(keys) or '无'}）")]
    return []


def _events(session: Session, action: str, objection: Objection) -> list[AuditEvent]:
    return [
        e
        for e in session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        if (e.after or {}).get("objection_id") == objection.id
    ]


def _effect_problems(session: Session, objection: Objection, subject: str) -> list[Problem]:
    """What the record says was done is what was done, and a decision that was not upheld did nothing."""
    upheld = objection.outcome == ObjectionOutcome.UPHELD
    kind, effect = ObjectionType(objection.kind), objection.effect or ""
    reopened = _events(session, "application:reopened", objection) if objection.application_id else []
    revoked = _events(session, "grant:revoked", objection) if objection.grant_id else []
    correction = session.scalar(select(Correction.id).where(Correction.objection_id == objection.id))
    problems = []
    if reopened and not (upheld and kind == ObjectionType.APPLICATION_DISPUTE and "重新审核" in effect):
        problems.append(Problem(subject, "申请被重新审核，异议的处理结果却未记载（或异议不成立）"))
    if upheld and "重新审核" in effect and not reopened:
        problems.append(Problem(subject, "处理结果记载“重新审核”，申请却没有重新审核"))
    grant = session.get(Grant, objection.grant_id) if objection.grant_id else None
    says_revoked = kind == ObjectionType.USAGE_DISPUTE and effect.startswith("撤销")
    if says_revoked and not (revoked and grant is not None and grant.status == GrantStatus.REVOKED):
        problems.append(Problem(subject, "处理结果记载撤销授权，授权却未因本异议撤销"))
    if revoked and not (upheld and says_revoked):
        problems.append(Problem(subject, "授权因本异议被撤销，处理结果却未记载"))
    if correction and not upheld:
        problems.append(Problem(subject, "异议不成立，却责成了纠错"))
    if (
        upheld
        and kind in (ObjectionType.CATALOG_CORRECTION, ObjectionType.QUALITY_DISPUTE)
        and objection.resource_id
        and objection.status in (ObjectionStatus.CORRECTING, ObjectionStatus.CLOSED, ObjectionStatus.RATED)
        and not correction
    ):
        problems.append(Problem(subject, "异议成立并应纠错，却没有纠错任务"))
    return problems


def check(session: Session) -> list[Problem]:
    """Every objection's invariants (flask check-integrity)."""
    problems = []
    for objection in session.scalars(select(Objection).order_by(Objection.id)):
        problems += objection_problems(session, objection)
    return problems
