"""The provider's review (四(三)): decide within 5 working days, give specific reasons to reject; approval grants."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

import notifications
from workflows import audit, clock
from workflows.errors import FieldProblem, ValidationFailed
from workflows.models import Application, ApplicationStatus, HumanTask, Person, ProcessInstance, TaskStatus
from workflows.sharing import grants, records
from workflows.sharing.process import REVIEW_TASK

MIN_REASON = 10
GENERIC_REASONS = {"不同意", "不予同意", "不通过", "不予通过", "不批准", "不予批准", "拒绝", "驳回", "不行", "不可以",
                   "不符合", "不符合条件", "不符合要求", "不同意共享", "不予共享", "无", "没有", "暂不同意", "不能提供"}


def _application(session: Session, task_or_instance) -> Application:
    """The case's application, held by the session so the handler, the decision and the answer load it once.

    The session's identity map keeps objects only while something references them.
    """
    instance = task_or_instance.instance if isinstance(task_or_instance, HumanTask) else task_or_instance
    app = session.get(Application, int(instance.subject_id))
    session.info.setdefault("applications", {})[app.id] = app
    return app


def reason_problem(reason: str) -> str | None:
    """A rejection must say why, specifically (R17): not empty, not short, not a stock phrase."""
    text = (reason or "").strip()
    core = re.sub(r"[\s，。！？、,.!?；;：:（）()“”\"'…]+", "", text)
    if core in GENERIC_REASONS or any(core == g * 2 or core == g + g for g in GENERIC_REASONS):
        return f"“{text}”不是具体理由：请写明不予通过的依据和具体原因"
    if len(core) < MIN_REASON:
        return f"请写明具体理由（至少{MIN_REASON}个字），例如申请的信息项超出了哪项职责所需"
    return None


def reason_check(reason: str, data: dict) -> str | None:
    """The form's x-check "specific_reason": a rejection says why, specifically."""
    return reason_problem(reason) if data.get("decision") == "reject" else None


def review_completed(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    app = _application(session, task)
    decision = data["decision"]
    if decision == "reject":
        problem = reason_problem(data.get("reason") or "")
        if problem:
            raise ValidationFailed([FieldProblem("reason", f"理由：{problem}")], "不予通过必须写明具体理由，未提交")
    if decision == "approve":
        data["approved_items"] = _narrowed_items(app, data.get("approved_items"))
        data["approved_until"] = _narrowed_until(app, data.get("approved_until"))
    app.late = task.is_overdue(clock.now())
    app.decision_reason = (data.get("reason") or "").strip()
    app.rejection_category = data.get("rejection_category") or "" if decision == "reject" else ""
    if decision == "return":
        _set_status(session, actor.id, app, ApplicationStatus.RETURNED, reason=app.decision_reason)
        _notify_applicant(session, app, "退回补正")
    else:
        app.decided_by_id = actor.id
    return data


def _narrowed_items(app: Application, chosen: list[str] | None) -> list[str]:
    """What is checked is what is granted; left out altogether (an API call) means every requested item."""
    if chosen is None:
        return list(app.items)
    extra = [i for i in chosen if i not in app.items]
    if extra:
        raise ValidationFailed([FieldProblem("approved_items", f"同意提供的信息项：{'、'.join(extra)} 不在申请范围内")])
    if not chosen:
        raise ValidationFailed([FieldProblem("approved_items", "同意提供的信息项：至少勾选一项；如所有信息项都不能提供，"
                                                               "请选择“不通过”并写明理由")], "通过时须勾选同意提供的信息项，未提交")
    return [i for i in app.items if i in chosen]


def _narrowed_until(app: Application, text: str | None) -> str:
    if not text:
        return app.valid_until.isoformat()
    until = date.fromisoformat(text)
    if until > app.valid_until or until <= clock.today():
        raise ValidationFailed([FieldProblem("approved_until", f"授权有效期至：应在今天之后、不晚于申请的 {app.valid_until}")])
    return until.isoformat()


def resubmitted(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    app = _application(session, task)
    app.review_rounds += 1
    _set_status(session, actor.id, app, ApplicationStatus.IN_REVIEW, note=data.get("resubmit_note", ""))
    return data


def _set_status(session: Session, actor_id: int | None, app: Application, status: ApplicationStatus, **extra) -> None:
    before = str(app.status)
    app.status, app.updated_at = status, clock.now()
    audit.record(session, actor_id, "application", app.id, f"application:{status.value}", {"status": before},
                 {"status": status.value} | extra)


_REVIEW_RESULT = (select(HumanTask.result)
                  .where(HumanTask.instance_id == bindparam("id"), HumanTask.task_key == REVIEW_TASK,
                         HumanTask.status == TaskStatus.COMPLETED)
                  .order_by(HumanTask.completed_at.desc()).limit(1))


def _review_result(session: Session, instance: ProcessInstance) -> dict:
    return dict(session.scalars(_REVIEW_RESULT, {"id": instance.id}).first() or {})


def _decide(session: Session, app: Application, status: ApplicationStatus, items: list[str] | None,
            until: date | None) -> None:
    app.decided_at = clock.now()
    _set_status(session, app.decided_by_id, app, status, reason=app.decision_reason, late=app.late)
    grant = grants.create(session, app, items, until, app.decided_by_id) if status == ApplicationStatus.APPROVED else None
    records.create(session, app)
    _notify_applicant(session, app, ApplicationStatus(status).label, grant)


def auto_granted(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    app = _application(session, instance)
    app.decision_reason = "无条件共享资源，按规定直接获取"
    _decide(session, app, ApplicationStatus.APPROVED, list(app.items), app.valid_until)


def approved(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    app, result = _application(session, instance), _review_result(session, instance)
    _decide(session, app, ApplicationStatus.APPROVED, result.get("approved_items") or list(app.items),
            date.fromisoformat(result.get("approved_until") or app.valid_until.isoformat()))


def rejected(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    _decide(session, _application(session, instance), ApplicationStatus.REJECTED, None, None)


def _notify_applicant(session: Session, app: Application, decision: str, grant=None) -> None:
    context = {"applicant_unit": app.applicant_unit.name, "resource_name": app.resource.name, "number": app.number,
               "decision": decision, "reason": app.decision_reason,
               "valid_until": grant.valid_until.isoformat() if grant else "",
               "items": "、".join(grant.items) if grant else ""}
    notifications.send(session, [app.applicant], "decision", context, f"/applications/{app.id}")
