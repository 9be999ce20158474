"""The provider's review (四(三)): decide within 5 working days, give specific reasons to reject; approval grants."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

import notifications
from workflows import audit, clock, reasons
from workflows.engine import tasks
from workflows.errors import Conflict, FieldProblem, ValidationFailed
from workflows.models import (
    Application,
    ApplicationStatus,
    HumanTask,
    Objection,
    ObjectionOutcome,
    Person,
    ProcessInstance,
    RejectionCategory,
    ResourceStatus,
    ShareType,
    TaskStatus,
)
from workflows.sharing import applications, grants, integrity, records, rejections, resubmission, uploads
from workflows.sharing.audit_events import REVIEW_DECISIONS
from workflows.sharing.process import COORDINATE_TASK, REVIEW_TASK


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
    if data.get("decision") == CANNOT:
        return reasons.reason_problem(reason, "理由", hint=CANNOT_HINT)
    return None


def returns(session: Session, app: Application, excluding: int | None = None) -> int:
    """How many times the provider returned the application for more information, over all its review cases
    (一次性告知 allows one, also after an objection reopened the review); excluding: the review being completed right
    now (its row is already marked done)."""
    if not app.instance_id:
        return 0
    rows = session.execute(_REVIEW_RESULTS, {"id": str(app.id)})
    return sum(1 for task_id, result in rows if task_id != excluding and (result or {}).get("decision") == "return")


def government_decision(session: Session, instance: ProcessInstance) -> dict | None:
    """The county government's decision this review case was reopened on, if any: then the provider approves or
    answers why it cannot (which goes back to the bureau); it neither rejects nor returns."""
    for objection in reversed(objections_before(session, instance)):
        decision = objection.government_decision or {}
        return decision if decision.get("outcome") == "upheld" else None
    return None


def objections_before(session: Session, instance: ProcessInstance) -> list[Objection]:
    """The upheld objections decided before this review case started: the opinion (or decision) it must weigh."""
    if instance.subject_type != "application" or not (instance.subject_id or "").isdigit():
        return []
    return list(
        session.scalars(
            select(Objection)
            .where(
                Objection.application_id == int(instance.subject_id),
                Objection.outcome == ObjectionOutcome.UPHELD,
                Objection.closed_at <= instance.started_at,
            )
            .order_by(Objection.id)
        )
    )


_COORDINATIONS = (
    select(HumanTask.result)
    .where(
        HumanTask.instance_id == bindparam("id"),
        HumanTask.task_key == COORDINATE_TASK,
        HumanTask.status == TaskStatus.COMPLETED,
    )
    .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    .limit(1)
)


def coordinated_again(session: Session, instance: ProcessInstance) -> str | None:
    """The bureau's opinion when it last sent this case back to the provider after a "cannot" answer, if it did."""
    result = session.scalars(_COORDINATIONS, {"id": instance.id}).first() or {}
    return result.get("opinion") if result.get("next_step") == "reopen" else None


def review_decisions(session: Session, task: HumanTask) -> list[tuple[str, str]]:
    """The decisions offered on a review: after a return only approve or reject remain; on a county government's
    decision, approve or answer that it cannot be carried out."""
    if task.status != TaskStatus.OPEN:
        return _decisions(task)
    app = _application(session, task)
    offered = _offered(session, task, app)
    if resource_warning(app):  # the resource stopped being shared: 通过 is not offered (the service refuses it too)
        offered = [(value, label) for value, label in offered if value != "approve"]
    return offered


def _decisions(task: HumanTask) -> list[tuple[str, str]]:
    spec = ((tasks.form_schema(task) or {}).get("properties") or {}).get("decision") or {}
    values = spec.get("enum") or []
    return list(zip(map(str, values), map(str, spec.get("enumNames") or values)))


def _offered(
    session: Session, task: HumanTask, app: Application, excluding: int | None = None
) -> list[tuple[str, str]]:
    """excluding: the review being completed right now (its row is already marked done)."""
    offered = _decisions(task)
    if government_decision(session, task.instance):
        return [(value, label) for value, label in offered if value in ("approve", CANNOT)]
    offered = [(value, label) for value, label in offered if value != CANNOT]
    if returns(session, app, excluding=excluding):
        offered = [(value, label) for value, label in offered if value != "return"]
    return offered


def review_completed(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    app = _application(session, task)
    decision = data["decision"]
    _check_decision(session, app, task, data)
    if decision == CANNOT:
        return _cannot_comply(session, actor, app, data)
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
        _notify_applicant(session, app, REVIEW_DECISIONS["return"])
    else:
        app.decided_by_id = actor.id
    return data


def _check_decision(session: Session, app: Application, task: HumanTask, data: dict) -> None:
    """The rules the form cannot see: one return per application, approval only of data that is still shared, and
    on a county government's decision only approval or a reasoned answer that it cannot be carried out."""
    decision, reason = data["decision"], data.get("reason") or ""
    if decision == "return" and returns(session, app, excluding=task.id):
        raise ValidationFailed(
            [FieldProblem("decision", "审核意见：本申请已退回补正过一次，补正后只能选择“通过”或“不通过”")],
            "按一次性告知的要求，每件申请只能退回补正一次，未提交",
        )
    offered = dict(_offered(session, task, app, excluding=task.id))
    if decision not in offered:
        raise ValidationFailed(
            [
                FieldProblem(
                    "decision", "审核意见：本次审核只能选择" + "、".join(f"“{label}”" for label in offered.values())
                )
            ],
            "审核意见不在可选范围内，未提交",
        )
    if decision == "reject":
        problem = reason_problem(reason, data.get("rejection_category") or "")
        found = [FieldProblem("reason", f"理由：{problem}")] if problem else []
        found += [p for p in rejections.problems(session, app, data) if not (problem and p.field == "reason")]
        if found:
            raise ValidationFailed(found, "不予通过必须写明具体理由和所选类别要求的具体内容，未提交")
    if decision == CANNOT and (problem := reasons.reason_problem(reason, "理由", hint=CANNOT_HINT)):
        raise ValidationFailed(
            [FieldProblem("reason", f"理由：{problem}")], "不能执行县政府决定的，须写明具体理由，未提交"
        )
    if decision == "return" and (problems := reasons.list_problems(reason)):
        raise ValidationFailed(
            [FieldProblem("reason", f"理由：{p}") for p in problems],
            "退回补正须逐项写明需要补充的材料或需说明的问题（一次性告知），未提交",
        )
    if decision == "approve" and (warning := resource_warning(app)):
        raise Conflict(warning)


_WHAT_NEXT = {  # who reads the warning decides what it asks of them: only the provider's reviewers decide
    "reviewer": "请选择“不通过”并写明理由（如资源已改为不予共享及其依据）",
    "applicant": (
        "提供单位将作出不通过决定。您可以撤回本申请；如认为该资源应当共享，可对目录提出异议（目录纠错），"
        "或在“供需对接”中登记需求"
    ),
    "other": "提供单位应作出不通过决定",
}


def resource_warning(app: Application, reader: str = "reviewer") -> str | None:
    """What the case's readers must know when the entry changed under a running review: it can no longer be
    approved; reader ("reviewer", "applicant" or "other") chooses what the warning asks of them."""
    resource = app.resource
    if integrity.shareable(resource):
        return None
    change = (
        "已停用"
        if resource.status == ResourceStatus.RETIRED
        else ("已改为“不予共享”" if resource.share_type == ShareType.NOT_SHARED else "当前未发布")
    )
    return f"所申请的资源“{resource.name}”{change}，不能审核通过，也不能授权。{_WHAT_NEXT[reader]}"


CANNOT = "cannot"  # the provider answers it cannot carry out the county government's decision
CANNOT_HINT = "请写明具体原因：哪项法律法规或安全要求使本单位不能按县政府决定提供，或提供需要什么条件"


def _cannot_comply(session: Session, actor: Person, app: Application, data: dict) -> dict:
    """The provider's answer goes back to the bureau, which coordinates again or closes the case as not approved;
    nothing is granted and the bureau decides nothing in the provider's place."""
    data.pop("approved_items", None)
    data.pop("approved_until", None)
    app.decision_reason, app.rejection_category = data["reason"].strip(), ""
    app.decided_by_id = actor.id
    _set_status(session, actor.id, app, ApplicationStatus.COORDINATING, reason=app.decision_reason)
    _notify_applicant(session, app, f"提供单位答复{REVIEW_DECISIONS[CANNOT]}，县大数据局协调中")
    return data


def coordination_check(opinion: str, data: dict) -> str | None:
    """The x-check "coordination_opinion" of 研究提供单位意见: the bureau's opinion says something specific."""
    return reasons.reason_problem(
        opinion, "协调意见", hint="请写明具体内容：协调了什么、请提供单位重点考虑哪些事实和依据"
    )


def bureau_coordinated(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """研究提供单位意见: the bureau sends the case back to the provider with its opinion (a full period anew), or
    closes it as not approved on the provider's answer; either way the provider's decision stands as the provider's."""
    app = _application(session, task)
    if problem := coordination_check(data.get("opinion") or "", data):
        raise ValidationFailed([FieldProblem("opinion", f"协调意见：{problem}")], "协调意见必须写明具体内容，未提交")
    opinion = data["opinion"].strip()
    if data["next_step"] == "reopen":  # a new period at the provider, not a 补正 (review_rounds counts those)
        app.decided_by_id, app.decision_reason = None, ""
        _set_status(session, actor.id, app, ApplicationStatus.IN_REVIEW, opinion=opinion)
    else:
        audit.record(
            session, actor.id, "application", app.id, "application:coordination_closed", None, {"opinion": opinion}
        )
    return data


def _narrowed_items(app: Application, chosen: list[str] | None) -> list[str]:
    """What is checked is what is granted; left out altogether (an API call) means every requested item."""
    if chosen is None:
        return list(app.items)
    extra = [i for i in chosen if i not in app.items]
    if extra:
        raise ValidationFailed([FieldProblem("approved_items", f"同意提供的信息项：{'、'.join(extra)} 不在申请范围内")])
    if not chosen:
        raise ValidationFailed(
            [
                FieldProblem(
                    "approved_items",
                    "同意提供的信息项：至少勾选一项；如所有信息项都不能提供，" "请选择“不通过”并写明理由",
                )
            ],
            "通过时须勾选同意提供的信息项，未提交",
        )
    return [i for i in app.items if i in chosen]


def _narrowed(app: Application, data: dict) -> tuple[list[str], str]:
    """The items and validity granted; a problem with each is shown together, not one submit after another."""
    found, problems = [], []
    for narrow, value in ((_narrowed_items, data.get("approved_items")), (_narrowed_until, data.get("approved_until"))):
        try:
            found.append(narrow(app, value))
        except ValidationFailed as err:
            problems += err.details
    left_out = [i for i in app.items if found and i not in found[0]]
    if left_out and (problem := reasons.reason_problem(data.get("reason"), "理由", hint=NARROWED_HINT)):
        said = (
            f"未同意提供 {'、'.join(left_out)}，须在理由中写明原因。{NARROWED_HINT}"
            if not (data.get("reason") or "").strip()
            else problem
        )
        problems.append(FieldProblem("reason", f"理由：{said}"))
    if problems:
        raise ValidationFailed(problems, "通过时同意提供的信息项、授权有效期或理由有误，未提交")
    return found[0], found[1]


# an approval that leaves requested items out refuses those items: like a rejection it says why (R17)
NARROWED_HINT = "请写明不提供这些信息项的具体原因，如超出所述应用场景的履职需要，或依据哪项规定不能提供"


def _narrowed_until(app: Application, text: str | None) -> str:
    if not text:
        return app.valid_until.isoformat()
    until = date.fromisoformat(text)
    if until > app.valid_until or until <= clock.today():
        raise ValidationFailed(
            [FieldProblem("approved_until", f"授权有效期至：应在今天之后、不晚于申请的 {app.valid_until}")]
        )
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
    audit.record(
        session,
        actor_id,
        "application",
        app.id,
        f"application:{status.value}",
        {"status": before},
        {"status": status.value} | extra,
    )


_REVIEW_RESULTS = (
    select(HumanTask.id, HumanTask.result)
    .join(ProcessInstance)
    .where(
        ProcessInstance.subject_type == "application",
        ProcessInstance.subject_id == bindparam("id"),
        HumanTask.task_key == REVIEW_TASK,
        HumanTask.status == TaskStatus.COMPLETED,
    )
)
_REVIEW_RESULT = (
    select(HumanTask.result)
    .where(
        HumanTask.instance_id == bindparam("id"),
        HumanTask.task_key == REVIEW_TASK,
        HumanTask.status == TaskStatus.COMPLETED,
    )
    .order_by(HumanTask.completed_at.desc())
    .limit(1)
)


def _review_result(session: Session, instance: ProcessInstance) -> dict:
    return dict(session.scalars(_REVIEW_RESULT, {"id": instance.id}).first() or {})


def _decide(
    session: Session,
    app: Application,
    status: ApplicationStatus,
    items: list[str] | None,
    until: date | None,
    fact: rejections.Fact | None = None,
) -> None:
    app.decided_at = clock.now()
    _set_status(session, app.decided_by_id, app, status, reason=app.decision_reason, late=app.late)
    grant = (
        grants.create(session, app, items, until, app.decided_by_id) if status == ApplicationStatus.APPROVED else None
    )
    record = records.create(session, app)
    if grant is not None:
        grant.record_id = record.id  # the 授权提供单 cites the decision that made the grant
    _notify_applicant(
        session, app, ApplicationStatus(status).label, grant, fact, record.content.get("closing_note", "")
    )


def auto_granted(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    app = _application(session, instance)
    app.decision_reason = "无条件共享资源，按规定直接获取"
    _decide(session, app, ApplicationStatus.APPROVED, list(app.items), app.valid_until)


def approved(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    app, result = _application(session, instance), _review_result(session, instance)
    _decide(
        session,
        app,
        ApplicationStatus.APPROVED,
        result.get("approved_items") or list(app.items),
        date.fromisoformat(result.get("approved_until") or app.valid_until.isoformat()),
    )


def rejected(session: Session, event: str, instance: ProcessInstance, values: dict) -> None:
    fact = rejections.stated(session, _review_result(session, instance))
    _decide(session, _application(session, instance), ApplicationStatus.REJECTED, None, None, fact)


def _notify_applicant(
    session: Session,
    app: Application,
    decision: str,
    grant=None,
    fact: rejections.Fact | None = None,
    closing: str = "",
) -> None:
    context = {
        "applicant_unit": app.applicant_unit.name,
        "resource_name": app.resource.name,
        "number": app.number,
        "decision": decision,
        "reason": app.decision_reason,
        "category": RejectionCategory.label_of(app.rejection_category)
        if decision == ApplicationStatus.REJECTED.label
        else "",
        "fact": str(fact) if fact else "",
        "closing": closing,
        "valid_until": grant.valid_until.isoformat() if grant else "",
        "items": "、".join(grant.items) if grant else "",
        "returned": decision == REVIEW_DECISIONS["return"],
        "decided": app.status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED),
        "review_days": applications.review_period(session, app),
    }
    notifications.send(session, [app.applicant], "decision", context, f"/applications/{app.id}")
