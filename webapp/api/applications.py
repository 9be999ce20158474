"""/api/v1 applications, task completion, records and grants: check the JSON's shape, call one service, answer JSON."""

from __future__ import annotations

from flask import Response, g, jsonify, request, url_for

from webapp.api import usage
from webapp.api.blueprint import bp
from webapp.api.views import task_json
from webapp.extensions import db
from webapp.params import parse_id
from workflows import clock, inputs
from workflows.engine import tasks
from workflows.errors import DomainError, NotFound, ValidationFailed
from workflows.models import ApplicationStatus, CallFrequency, TaskStatus
from workflows.sharing import applications, grants, records, rejections
from workflows.sharing.inputs import PROTECTION_WARNING, ApplicationQuery, GrantQuery

TYPE_PROBLEM = "请求内容的数据类型有误，未提交，请按提示修改"


# --- input -------------------------------------------------------------------


def _body(optional: bool = False) -> dict:
    """The request's JSON object; a missing body counts as {} only where every field is optional."""
    if optional and not request.get_data(cache=True):
        return {}
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise DomainError("请求体应为 JSON 对象")
    return data


def _form_input(body: dict) -> dict:
    """Form values are scalars or lists of scalars; the rules of the form are the web form's, checked by the service."""
    scalar = (str, int, float, bool, type(None))
    problems = [
        f"字段 {name}：应为字符串、数字、布尔值或它们的数组"
        for name, value in body.items()
        if not (isinstance(value, scalar) or (isinstance(value, list) and all(isinstance(v, scalar) for v in value)))
    ]
    if problems:
        raise ValidationFailed(problems, TYPE_PROBLEM)
    return body


# --- output ------------------------------------------------------------------


def _iso(instant) -> str | None:
    return clock.as_utc(instant).isoformat() if instant else None


def _day(day) -> str | None:
    return day.isoformat() if day else None


def application_json(app, full: bool = False, late: set[int] | None = None) -> dict:
    late = applications.late_ids(db.session, [app]) if late is None else late
    frequency = CallFrequency.parse(app.frequency)
    data = {
        "id": app.id,
        "number": app.number,
        "status": app.status,
        "status_label": ApplicationStatus(app.status).label,
        "resource_code": app.resource.code,
        "resource_name": app.resource.name,
        "applicant_unit": app.applicant_unit.name,
        "provider_unit": app.provider_unit.name,
        "items": list(app.items),
        "frequency": app.frequency or None,  # a draft may not have one yet
        "frequency_label": frequency.label if frequency else None,
        "valid_until": _day(app.valid_until),
        "submitted_at": _iso(app.submitted_at),
        "decided_at": _iso(app.decided_at),
        "late": app.id in late,
    }
    if not full:
        return data
    case = tasks.case_tasks(db.session, "application", app.id)
    due = next((t.due_at for t in case if t.status == TaskStatus.OPEN and t.due_at), None)
    grant, sha256 = applications.outcome(db.session, app)
    fact = rejections.of_steps(db.session, case) if app.status == ApplicationStatus.REJECTED else None
    return data | {
        "applicant": app.applicant.display_name,
        "scenario": app.scenario,
        "basis": app.basis,
        "purpose": app.purpose,
        "sensitive_justification": app.sensitive_justification,
        "data_protection": app.data_protection,
        "decision_reason": app.decision_reason or None,
        "rejection_category": app.rejection_category or None,
        "rejection_fact": fact._asdict() if fact else None,
        "due_at": _iso(due),
        "timeline": _timeline(app, case),
        "grant": None
        if grant is None
        else {
            "id": grant.id,
            "status": grant.effective_status(clock.today()),
            "items": list(grant.items),
            "valid_from": _day(grant.valid_from),
            "valid_until": _day(grant.valid_until),
            "scenario": grant.scenario,
            "data_protection": grant.data_protection,
        },
        "record": None
        if sha256 is None
        else {
            "sha256": sha256,
            "url": url_for("api.application_record", app_id=app.id),
            "verify_url": f"/verify/{sha256}",
        },
        "records": _records(app, sha256),
    }


def _records(app, current: str | None) -> list[dict]:
    """Every record of the application, oldest first; `current` marks the one whose decision holds now."""
    if app.status == ApplicationStatus.DRAFT or not app.submitted_at:
        return []
    return [
        {
            "sha256": r.sha256,
            "decision": r.content.get("decision", ""),
            "decided_at": r.content.get("decided_at", ""),
            "current": r.sha256 == current,
            "verify_url": f"/verify/{r.sha256}",
        }
        for r in records.history(db.session, app.id)
    ]


def _timeline(app, case) -> list[dict]:
    steps = []
    if app.submitted_at:
        steps.append(
            {
                "step": "提交申请",
                "unit": app.applicant_unit.name,
                "role": "applicant",
                "actor": app.applicant.display_name,
                "created_at": _iso(app.submitted_at),
                "completed_at": _iso(app.submitted_at),
                "due_at": None,
                "on_time": None,
                "status": TaskStatus.COMPLETED.value,
                "result": None,
            }
        )
    for task in case:
        steps.append(
            {
                "step": task.name,
                "unit": task.unit.name if task.unit else None,
                "role": task.role,
                "actor": task.completed_by.display_name if task.completed_by else None,
                "created_at": _iso(task.created_at),
                "completed_at": _iso(task.completed_at),
                "due_at": _iso(task.due_at),
                "on_time": _on_time(task),
                "status": task.status,
                "result": task.result or None,
            }
        )
    return steps


def _on_time(task) -> bool | None:
    """True once done by its due instant, False when past it; None while open in time or without a deadline."""
    if task.due_at is None:
        return None
    if task.is_overdue():
        return False
    return True if task.status == TaskStatus.COMPLETED else None


def grant_json(grant) -> dict:
    return {
        "id": grant.id,
        "application_id": grant.application_id,
        "application_number": grant.application.number,
        "unit": grant.unit.name,
        "resource_code": grant.resource.code,
        "resource_name": grant.resource.name,
        "items": list(grant.items),
        "scenario": grant.scenario,
        "valid_from": _day(grant.valid_from),
        "valid_until": _day(grant.valid_until),
        "status": (status := grant.effective_status(clock.today())),
        "status_label": status.label,
        "data_protection": grant.data_protection,
    }


# --- routes ------------------------------------------------------------------


@bp.post("/applications")
def application_create():
    _body()  # a JSON object, else 400
    app = applications.apply(db.session, g.api_person, applications.ApplicationShape.parse_json(request.get_data()))
    body = application_json(app, full=True)  # built in the request's transaction, then committed
    if app.data_protection is None:  # optional in v1 so existing clients keep working; the web form requires it
        body["warnings"] = [PROTECTION_WARNING]
    response = jsonify(body)
    response.headers["Location"] = url_for("api.application_detail", app_id=app.id)
    return response, 201


@bp.get("/applications")
def application_list():
    query = inputs.parse_query(ApplicationQuery, request.args, blank_means_all=False)
    found = applications.list_applications(db.session, g.api_person, query.scope, query.status or "")
    late = applications.late_ids(db.session, found)
    return jsonify({"items": [application_json(a, late=late) for a in found]})


@bp.get("/applications/<int:app_id>")
def application_detail(app_id: int):
    return jsonify(application_json(applications.get_application(db.session, g.api_person, app_id), full=True))


@bp.post("/applications/<int:app_id>/withdraw")
def application_withdraw(app_id: int):
    reason = _body(optional=True).get("reason") or ""
    if not isinstance(reason, str):
        raise ValidationFailed(["撤回理由（reason）：应为字符串"], TYPE_PROBLEM)
    app = applications.withdraw(db.session, g.api_person, app_id, reason.strip())
    return jsonify(application_json(app, full=True))


@bp.get("/applications/<int:app_id>/record.pdf")
def application_record(app_id: int):
    app = applications.get_application(db.session, g.api_person, app_id)
    record = records.for_download(db.session, g.api_person, app.id)
    if record is None:
        raise NotFound(f"申请当前为“{ApplicationStatus(app.status).label}”，审批记录在作出通过或不通过决定后生成")
    pdf = records.pdf_for(db.session, record)
    if pdf is None:
        response = jsonify({"code": "record_pending", "message": "审批记录的 PDF 正在生成，请稍后重试"})
        return response, 503, {"Retry-After": "120"}
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{app.number}.pdf"'}
    )


@bp.post("/tasks/<int:task_id>/complete")
def task_complete(task_id: int):
    task = tasks.complete(db.session, g.api_person, task_id, _form_input(_body()))
    body = {"task": task_json(task)}
    instance = task.instance
    subject_id = parse_id(instance.subject_id) if instance.subject_type == "application" else None
    if subject_id:
        try:
            body["application"] = application_json(
                applications.get_application(db.session, g.api_person, subject_id), full=True
            )
        except NotFound:  # e.g. a delegate from a third unit: the task is done, the case stays private
            pass
    return jsonify(body)  # built in the completing transaction: one transaction per request


@bp.get("/grants")
def grant_list():
    if g.api_person.is_platform:  # the city platform reads every unit's grants as a feed of changes
        return usage.grant_feed()
    query = inputs.parse_query(GrantQuery, request.args, blank_means_all=False)
    return jsonify({"items": [grant_json(x) for x in grants.list_grants(db.session, g.api_person, query.scope)]})
