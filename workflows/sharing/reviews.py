"""The provider's review (四(三)): decide within 5 working days, give specific reasons to reject; approval grants."""
from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

import notifications
from workflows import audit, clock, reasons
from workflows.engine import tasks
from workflows.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from workflows.models import (
    Application,
    ApplicationStatus,
    HumanTask,
    Person,
    ProcessInstance,
    RejectionCategory,
    ResourceStatus,
    Role,
    ShareType,
    TaskStatus,
)
from workflows.sharing import applications, grants, integrity, records, rejections, resubmission, uploads
from workflows.sharing.process import REVIEW_TASK


def closed_notice(session: Session, task: HumanTask) -> str | None:
    """A review or resubmission closed because the applicant withdrew: nothing is left to do."""
    app = session.get(Application, int(task.instance.subject_id))
    if app is not None and app.status == ApplicationStatus.WITHDRAWN:
        return f"申请人已于{clock.fmt(app.updated_at)}撤回申请，无需办理"
    return None


def _application(session: Session, task_or_instance) -> Application:
    """The case's application, held by the session so the handler, the decision and the answer load it once.

    The session's identity map keeps objects only while something references them.
    """
    instance = task_or_instance.instance if isinstance(task_or_instance, HumanTask) else task_or_instance
    app = session.get(Application, int(instance.subject_id))
    session.info.setdefault("applications", {})[app.id] = app
    return app


def reason_problem(reason: str, category: str = "") -> str | None:
    """A rejection must say why, specifically (R17): the chosen category's label alone adds nothing."""
    label = RejectionCategory.label_of(category) if category else ""
    return reasons.reason_problem(reason, "理由", extra_stock=(label,) if label else ())


def reason_check(reason: str, data: dict) -> str | None:
    """The form's x-check "specific_reason": a rejection says why; a return lists each missing thing (一次性告知)."""
    if data.get("decision") == "reject":
        return reason_problem(reason, data.get("rejection_category") or "")
    if data.get("decision") == "return":
        return "；".join(reasons.list_problems(reason)) or None
    return None


def returns(session: Session, app: Application, excluding: int | None = None) -> int:
    """How many times the provider returned the application for more information (一次性告知 allows one);
    excluding: the review being completed right now (its row is already marked done)."""
    if not app.instance_id:
        return 0
    rows = session.execute(_REVIEW_RESULTS, {"id": app.instance_id})
    return sum(1 for task_id, result in rows if task_id != excluding and (result or {}).get("decision") == "return")


def review_decisions(session: Session, task: HumanTask) -> list[tuple[str, str]]:
    """The decisions offered on a review: after a return and resubmission only approve or reject remain."""
    spec = ((tasks.form_schema(task) or {}).get("properties") or {}).get("decision") or {}
    values = spec.get("enum") or []
    offered = list(zip(map(str, values), map(str, spec.get("enumNames") or values)))
    if task.status == TaskStatus.OPEN and returns(session, _application(session, task)):
        offered = [(value, label) for value, label in offered if value != "return"]
    return offered


def review_completed(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    app = _application(session, task)
    decision = data["decision"]
    _check_decision(session, app, task, data)
    if decision == "approve":
        data["approved_items"], data["approved_until"] = _narrowed(app, data)
    else:  # the boxes start checked: on a rejection or a return they grant nothing and are not recorded as granted
        data.pop("approved_items", None)
        data.pop("approved_until", None)
    if decision == "return":  # 一次性告知: the list is kept as items, each answered on resubmission
        data["return_items"] = reasons.listed_items(data.get("reason"))
    app.late = bool(app.late) or task.is_overdue(clock.now())  # a late round stays late (§5)
    app.decision_reason = (data.get("reason") or "").strip()
    app.rejection_category = data.get("rejection_category") or "" if decision == "reject" else ""
    if decision == "return":
        _set_status(session, actor.id, app, ApplicationStatus.RETURNED, reason=app.decision_reason)
        _notify_applicant(session, app, "退回补正")
    else:
        app.decided_by_id = actor.id
    return data


def _check_decision(session: Session, app: Application, task: HumanTask, data: dict) -> None:
    """The rules the form cannot see: one return per application, approval only of data that is still shared."""
    decision, reason = data["decision"], data.get("reason") or ""
    if decision == "reject":
        problem = reason_problem(reason, data.get("rejection_category") or "")
        found = [FieldProblem("reason", f"理由：{problem}")] if problem else []
        found += [p for p in rejections.problems(session, app, data) if not (problem and p.field == "reason")]
        if found:
            raise ValidationFailed(found, "不予通过必须写明具体理由和所选类别要求的具体内容，未提交")
    if decision == "return":
        if returns(session, app, excluding=task.id):
            raise ValidationFailed([FieldProblem("decision", "审核意见：本申请已退回补正过一次，补正后只能选择“通过”或“不通过”")],
                                   "按一次性告知的要求，每件申请只能退回补正一次，未提交")
        if problems := reasons.list_problems(reason):
            raise ValidationFailed([FieldProblem("reason", f"理由：{p}") for p in problems],
                                   "退回补正须逐项写明需要补充的材料或需说明的问题（一次性告知），未提交")
    if decision == "approve" and (warning := resource_warning(app)):
        raise Conflict(warning)


def resource_warning(app: Application) -> str | None:
    """What a reviewer must know when the entry changed under a running review: it can no longer be approved."""
    resource = app.resource
    if integrity.shareable(resource):
        return None
    change = "已停用" if resource.status == ResourceStatus.RETIRED else (
        "已改为“不予共享”" if resource.share_type == ShareType.NOT_SHARED else "当前未发布")
    return (f"所申请的资源“{resource.name}”{change}，不能审核通过，也不能授权。"
            "请选择“不通过”并写明理由（如资源已改为不予共享及其依据）")


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


def _narrowed(app: Application, data: dict) -> tuple[list[str], str]:
    """The items and validity granted; a problem with each is shown together, not one submit after another."""
    found, problems = [], []
    for narrow, value in ((_narrowed_items, data.get("approved_items")), (_narrowed_until, data.get("approved_until"))):
        try:
            found.append(narrow(app, value))
        except ValidationFailed as err:
            problems += err.details
    if problems:
        raise ValidationFailed(problems, "通过时同意提供的信息项和授权有效期有误，未提交")
    return found[0], found[1]


def _narrowed_until(app: Application, text: str | None) -> str:
    if not text:
        return app.valid_until.isoformat()
    until = date.fromisoformat(text)
    if until > app.valid_until or until <= clock.today():
        raise ValidationFailed([FieldProblem("approved_until", f"授权有效期至：应在今天之后、不晚于申请的 {app.valid_until}")])
    return until.isoformat()


def resubmitted(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """Each item of the return answered (where the version's form asks for answers), the files chosen attached."""
    app = _application(session, task)
    if "answers" in data:
        asked = resubmission.questions(session, task)
        if problems := resubmission.answer_problems(asked, data.get("answers") or []):
            raise ValidationFailed(problems, "请对提供单位要求补正的每一项分别写明答复，未提交")
    if "attachments" in data:  # the tokens of the files kept for this person become the application's attachments
        data["attachments"] = uploads.attach(session, actor, app.id, data.get("attachments") or [])
    app.review_rounds += 1
    _set_status(session, actor.id, app, ApplicationStatus.IN_REVIEW, note=data.get("resubmit_note", ""))
    return data


def _set_status(session: Session, actor_id: int | None, app: Application, status: ApplicationStatus, **extra) -> None:
    before = str(app.status)
    app.status, app.updated_at = status, clock.now()
    audit.record(session, actor_id, "application", app.id, f"application:{status.value}", {"status": before},
                 {"status": status.value} | extra)


_REVIEW_RESULTS = select(HumanTask.id, HumanTask.result).where(HumanTask.instance_id == bindparam("id"),
                                                  HumanTask.task_key == REVIEW_TASK,
                                                  HumanTask.status == TaskStatus.COMPLETED)
_REVIEW_RESULT = (select(HumanTask.result)
                  .where(HumanTask.instance_id == bindparam("id"), HumanTask.task_key == REVIEW_TASK,
                         HumanTask.status == TaskStatus.COMPLETED)
                  .order_by(HumanTask.completed_at.desc()).limit(1))


def _review_result(session: Session, instance: ProcessInstance) -> dict:
    return dict(session.scalars(_REVIEW_RESULT, {"id": instance.id}).first() or {})


def _decide(session: Session, app: Application, status: ApplicationStatus, items: list[str] | None,
            until: date | None, fact: rejections.Fact | None = None) -> None:
    app.decided_at = clock.now()
    _set_status(session, app.decided_by_id, app, status, reason=app.decision_reason, late=app.late)
    grant = grants.create(session, app, items, until, app.decided_by_id) if status == ApplicationStatus.APPROVED else None
    records.create(session, app)
    _notify_applicant(session, app, ApplicationStatus(status).label, grant, fact)


def auto_granted(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    app = _application(session, instance)
    app.decision_reason = "无条件共享资源，按规定直接获取"
    _decide(session, app, ApplicationStatus.APPROVED, list(app.items), app.valid_until)


def approved(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    app, result = _application(session, instance), _review_result(session, instance)
    _decide(session, app, ApplicationStatus.APPROVED, result.get("approved_items") or list(app.items),
            date.fromisoformat(result.get("approved_until") or app.valid_until.isoformat()))


def rejected(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    fact = rejections.stated(session, _review_result(session, instance))
    _decide(session, _application(session, instance), ApplicationStatus.REJECTED, None, None, fact)


def _notify_applicant(session: Session, app: Application, decision: str, grant=None,
                      fact: rejections.Fact | None = None) -> None:
    context = {"applicant_unit": app.applicant_unit.name, "resource_name": app.resource.name, "number": app.number,
               "decision": decision, "reason": app.decision_reason,
               "category": RejectionCategory.label_of(app.rejection_category)
               if decision == ApplicationStatus.REJECTED.label else "",
               "fact": str(fact) if fact else "",
               "valid_until": grant.valid_until.isoformat() if grant else "",
               "items": "、".join(grant.items) if grant else "", "returned": decision == "退回补正",
               "review_days": applications.review_period(session, app) if decision == "退回补正" else None}
    notifications.send(session, [app.applicant], "decision", context, f"/applications/{app.id}")


def approve_by_objection(session: Session, actor: Person, application_id: int, conclusion: str,
                         objection_id: int) -> Application:
    """The county data bureau's binding conclusion on an upheld objection (四(五)): the rejected application is
    approved as applied for and the grant is created; the provider's earlier decision stays in the history."""
    if not actor.has_role(Role.COORDINATOR):
        raise Forbidden("只有县大数据局协调员可以根据异议决定作出结论")
    app = session.get(Application, application_id)
    if app is None:
        raise NotFound("申请不存在")
    if app.status != ApplicationStatus.REJECTED:
        raise Conflict(f"申请{ApplicationStatus(app.status).label}，只有未通过的申请可以根据异议结论授权")
    if app.valid_until is None or app.valid_until <= clock.today():
        raise Conflict("申请的有效期已过，不能授权，请申请单位重新申请")
    app.decided_by_id, app.decided_at = actor.id, clock.now()
    app.decision_reason = f"异议成立（异议编号 {objection_id}），县大数据局结论：{conclusion}"
    _set_status(session, actor.id, app, ApplicationStatus.APPROVED, reason=app.decision_reason,
                objection_id=objection_id)
    grant = grants.create(session, app, list(app.items), app.valid_until, actor.id, objection_id=objection_id)
    integrity.verify_application(session, app)
    _notify_applicant(session, app, ApplicationStatus.APPROVED.label, grant)
    return app
