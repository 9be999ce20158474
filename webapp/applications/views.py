"""Application pages: apply, my applications, the case page with timeline and record, grants, verification."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import login_required

from webapp import downloads
from webapp import uploads as web_uploads
from webapp.applications.blueprint import bp
from webapp.extensions import db
from webapp.params import form_values, given, id_param
from webapp.refusals import Refusal, refusal
from webapp.security import current_person
from workflows import clock, inputs
from workflows.engine import tasks
from workflows.errors import Conflict, Forbidden, NotFound, ValidationFailed, unknown_choice
from workflows.models import PROTECTION_FIELDS, ApplicationStatus, CallFrequency, Role, TaskStatus
from workflows.incidents import service as incident_service
from workflows.objections import cases as objection_cases
from workflows.sharing import applications, grants, pages, records, uploads
from workflows.sharing.inputs import PROTECTION_FORM


# --- the application form ------------------------------------------------------


def _units(person) -> list:
    ids = applications.applicant_units(person)
    return list({m.unit_id: m.unit for m in person.memberships if m.unit_id in ids}.values())


def _typed() -> dict:
    """The form's values; the data protection's three boxes (data_protection.storage …) as the one object."""
    typed = form_values(request.form, applications.ApplicationShape)
    names = [name for name, _, _ in PROTECTION_FIELDS]
    return typed | {"data_protection": {n: request.form.get(f"data_protection.{n}", "").strip() for n in names}}


def _values_of(app) -> dict:
    return applications.ApplicationShape.of(app).model_dump() | {"unit_id": str(app.applicant_unit_id)}


def _existing(err) -> tuple[int, str] | None:
    """The application a refused duplicate names, to link to it."""
    return (err.existing_id, err.existing_number) if isinstance(err, applications.DuplicateApplication) else None


def _render_form(
    resource,
    values: dict,
    units: list,
    app=None,
    errors: list[str] | None = None,
    status: int = 200,
    field_errors: dict[str, str] | None = None,
    kept: list | None = None,
    existing: tuple[int, str] | None = None,
):
    errors = errors or []
    today = clock.today()
    return render_template(
        "applications/form.html",
        r=resource,
        values=values,
        units=units,
        app=app,
        errors=errors,
        existing=existing,
        field_errors=field_errors or {},
        form_token=request.form.get("form_token", "")[:FORM_TOKEN_LIMIT] or secrets.token_urlsafe(16),
        frequencies=list(CallFrequency),
        undertaking=applications.UNDERTAKING,
        protection_form=PROTECTION_FORM,
        min_date=today + timedelta(days=1),
        max_date=applications.latest_valid_until(today),
        review_days=applications.review_period(db.session, app),
        resubmit=_resubmit_task(app) if app is not None else None,
        kept=kept or [],
    ), status


def _resubmit_task(app):
    """The open 补正后重新提交 task of a returned application, where it is resubmitted."""
    if app.status != ApplicationStatus.RETURNED:
        return None
    return next(
        (
            t
            for t in tasks.case_tasks(db.session, "application", app.id)
            if t.status == TaskStatus.OPEN and t.task_key == "da_resubmit"
        ),
        None,
    )


FORM_TOKEN_LIMIT = 64
SENT_FORMS = "sent_application_forms"  # form token -> the application it created, for the last few forms


def _sent_before(token: str):
    """A new-application form sent a second time (back, then submit again) answers with what the first created."""
    sent = session.get(SENT_FORMS, {}).get(token) if token else None
    if sent is None:
        return None
    flash("此表单已提交过，未重复提交；以下是当时保存的申请", "warning")
    return redirect(url_for(".detail", item_id=sent))


def _remember_sent(token: str, app_id: int) -> None:
    if token:
        sent = session.get(SENT_FORMS, {}) | {token: app_id}
        session[SENT_FORMS] = dict(list(sent.items())[-20:])


def _save(person, resource, units: list, app=None):
    """保存草稿, or save then 提交申请; the files chosen are kept even when the form is refused."""
    token = request.form.get("form_token", "")[:FORM_TOKEN_LIMIT] if app is None else ""
    if answer := _sent_before(token):
        return answer
    raw, submitting = _typed(), request.form.get("action") == "submit"
    unit_id = id_param(raw["unit_id"], "申请单位") or units[0].id
    tokens, refused_files = web_uploads.keep_chosen(person, "attachments")

    def form_again(r: Refusal):
        r, kept = web_uploads.keeping(r, refused_files, person, tokens)
        if not submitting and isinstance(r.error, ValidationFailed):
            r = r.headed("草稿未保存，请按提示修改")
        return _render_form(resource, raw, units, app, r.problems, r.status, r.fields, kept, _existing(r.error))

    with refusal(form_again) as refused:
        saved = applications.save_draft(
            db.session, person, unit_id, raw | {"unit_id": unit_id}, app.id if app else None, complete=submitting
        )  # every problem in one pass
        uploads.attach(db.session, person, saved.id, tokens)
        if submitting:
            _submit_with(saved.id, person, refused_files)
        elif refused_files:
            raise ValidationFailed(refused_files, "附件有误，未保存：请按提示换一个文件")
    if refused:
        return refused.page
    _remember_sent(token, saved.id)
    flash(_saved_message(saved, submitting), "success")
    return redirect(url_for(".detail", item_id=saved.id))


def _submit_with(application_id: int, person, refused: list) -> None:
    """Submit; a refused file stops the submission even when the form itself is complete."""
    applications.submit(db.session, person, application_id)
    if refused:
        raise ValidationFailed(refused, "附件有误，未提交：请按提示换一个文件")


def _saved_message(app, submitted: bool) -> str:
    if not submitted and app.status == ApplicationStatus.RETURNED:
        return (
            "已保存修改。请点击下方“去办理：补正后重新提交”，逐项答复提供单位要求的每一项后点击“提交”，"
            "提供单位将重新起算审核期限"
        )
    if not submitted:
        return "已保存草稿。检查无误后请点击“提交申请”"
    if app.status == ApplicationStatus.APPROVED:
        return f"申请 {app.number} 已通过：无条件共享资源，平台已直接授权"
    days = applications.review_period(db.session, app)
    return f"已提交申请 {app.number}，等待{app.provider_unit.name}在 {days} 个工作日内审核"


@bp.route("/applications/new", methods=["GET", "POST"])
@login_required
def new():
    person = current_person()
    code = (request.form.get("resource_code") or request.args.get("resource", "")).strip()
    try:
        resource = applications.shareable_resource(db.session, code)
    except applications.NotShareable as err:
        return render_template("applications/not_shareable.html", message=err.message, code=code), err.status
    all_units = _units(person)
    if not all_units:
        raise Forbidden("只有申请人可以申请数据，请联系本单位目录管理员开通申请人角色")
    units = [u for u in all_units if u.id != resource.provider_unit_id]
    if not units:  # said before anything is typed, not after submitting
        return render_template("applications/own_unit.html", r=resource)
    if request.method == "POST":
        return _save(person, resource, units)
    return _render_form(resource, {"resource_code": resource.code, "unit_id": str(units[0].id)}, units)


def _editable(person, item_id: int):
    app = applications.get_application(db.session, person, item_id)
    if app.applicant_unit_id not in applications.applicant_units(person):
        raise Forbidden("只有申请单位的申请人可以修改申请")
    if app.status not in pages.EDITABLE:
        raise Conflict(f"申请当前为“{ApplicationStatus(app.status).label}”，不能修改")
    return app


@bp.route("/applications/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id: int):
    person = current_person()
    app = _editable(person, item_id)
    if request.method == "POST":
        return _save(person, app.resource, _units(person), app)
    return _render_form(app.resource, _values_of(app), _units(person), app)


@bp.route("/applications/<int:item_id>/attachments/<int:att_id>/remove", methods=["GET", "POST"])
@login_required
def remove_attachment(item_id: int, att_id: int):
    """GET asks before an attachment is removed (no script needed): the file named, with 确认移除 and 取消."""
    person = current_person()
    if request.method == "POST":
        with db.attempt():
            removed = applications.remove_attachment(db.session, person, item_id, att_id)
        flash(f"已移除附件“{removed.filename}”", "success")
        return redirect(url_for(".edit", item_id=item_id) + "#attachments")
    app = _editable(person, item_id)
    found = next((a for a in app.attachments if a.id == att_id), None)
    if found is None:
        raise NotFound("附件不存在或已移除")
    return render_template("applications/remove_attachment.html", app=app, attachment=found)


@bp.post("/applications/<int:item_id>/submit")
@login_required
def submit(item_id: int):
    person = current_person()

    def form_again(r: Refusal):
        app = applications.get_application(db.session, person, item_id)
        return _render_form(
            app.resource,
            _values_of(app),
            _units(person),
            app,
            r.problems,
            r.status,
            r.fields,
            existing=_existing(r.error),
        )

    with refusal(form_again, catch=(ValidationFailed, applications.DuplicateApplication)) as refused:
        app = applications.submit(db.session, person, item_id)
    if refused:
        return refused.page
    flash(_saved_message(app, True), "success")
    return redirect(url_for(".detail", item_id=app.id))


# --- lists and the case page ---------------------------------------------------------


def _scopes(person) -> dict[str, str]:
    scopes = {"mine": "本单位的申请"}
    if person.has_role(Role.REVIEWER) or person.has_role(Role.UNIT_ADMIN):
        scopes["provider"] = "对本单位数据的申请"
    if person.has_role(Role.COORDINATOR):
        scopes["all"] = "全部申请"
    return scopes


@bp.get("/applications/")
@login_required
def index_slash():
    """The address the README and people type; the list lives at /applications."""
    return redirect(url_for(".index", **request.args))


@bp.get("/applications")
@login_required
def index():
    person = current_person()
    scopes = _scopes(person)
    typed_scope, typed_status = given(request.args, "scope"), given(request.args, "status")
    scope = typed_scope if typed_scope in scopes else "mine"
    chosen = ApplicationStatus.parse(typed_status)
    status = chosen.value if chosen else ""
    errors = (
        [unknown_choice("范围", typed_scope, scopes.items())]
        if typed_scope is not None and typed_scope not in scopes
        else []
    ) + (
        [unknown_choice("状态", typed_status, ApplicationStatus.choices())]
        if typed_status is not None and chosen is None
        else []
    )
    # a filter that cannot be applied shows the error and no rows, never every application unfiltered
    rows = [] if errors else applications.list_applications(db.session, person, scope, status)
    in_review = [a.instance_id for a in rows if a.status == ApplicationStatus.IN_REVIEW and a.instance_id]
    approved = [a.id for a in rows if a.status == ApplicationStatus.APPROVED]
    return render_template(
        "applications/list.html",
        rows=rows,
        scope=scope,
        scopes=scopes,
        status=status,
        statuses=list(ApplicationStatus),
        errors=errors,
        deadlines=tasks.open_deadlines(db.session, in_review, applications.REVIEW_TASK),
        ended_grants=grants.ended_by_application(db.session, approved),
    )


def render_case(
    person,
    item_id: int,
    errors: list[str] | None = None,
    values: dict | None = None,
    open_form: str = "",
    status: int = 200,
):
    page = pages.application_page(db.session, person, item_id)
    objections = {
        "flags": objection_cases.flags(db.session, application_id=item_id),
        "linked": [
            o
            for o in {
                o.id: o
                for o in objection_cases.linked(db.session, application_id=item_id)
                + (objection_cases.linked(db.session, grant_id=page.grant.id) if page.grant else [])
            }.values()
            if objection_cases.can_see(person, o)
        ],
        "grant_flags": objection_cases.flags(db.session, grant_id=page.grant.id) if page.grant else [],
        "can_dispute": objection_cases.can_dispute_application(db.session, person, page.app),
    }
    return render_template(
        "applications/detail.html",
        page=page,
        app=page.app,
        errors=errors or [],
        values=values or {},
        open_form=open_form,
        objections=objections,
        incidents=_incidents(person, page.grant),
    ), status


def _incidents(person, grant) -> dict:
    """The security incidents on the grant, and whether the person may record one (its unit's 目录管理员, the bureau)."""
    if grant is None:
        return {"listed": [], "can_record": False}
    return {
        "listed": incident_service.on_grant(db.session, person, grant.id),
        "can_record": incident_service.can_record(person, grant.unit_id),
    }


@bp.get("/applications/<int:item_id>")
@login_required
def detail(item_id: int):
    return render_case(current_person(), item_id)


@bp.post("/applications/<int:item_id>/withdraw")
@login_required
def withdraw(item_id: int):
    person = current_person()
    reason = request.form.get("reason", "").strip()
    with refusal(
        lambda r: render_case(person, item_id, r.problems, {"reason": reason}, "withdraw", r.status)
    ) as refused:
        app = applications.withdraw(db.session, person, item_id, reason)
    if refused:
        return refused.page
    if applications.is_discarded_draft(app):
        flash("草稿已作废（尚未提交，没有审核任务），不再列在申请中", "success")
        return redirect(url_for(".index"))
    flash("已撤回申请，审核任务已关闭", "success")
    return redirect(url_for(".detail", item_id=item_id))


@bp.get("/applications/<int:item_id>/record.pdf")
@login_required
def record_pdf(item_id: int):
    person = current_person()
    app = applications.get_application(db.session, person, item_id)
    record = records.for_download(db.session, person, app.id)
    if record is None:
        raise NotFound("该申请尚未作出决定，暂无审批记录")
    if records.reopened(record):
        raise Conflict(
            "原审批决定已因异议处理被撤销，申请正在重新审核：重新作出决定后可下载新的审批记录；"
            "原记录可在申请页面点击“在线核验”查看"
        )
    return downloads.record_pdf(records.pdf_for(db.session, record), f"审批记录-{app.number}.pdf", f"{app.number}.pdf")


@bp.get("/applications/<int:item_id>/attachments/<int:att_id>")
@login_required
def attachment(item_id: int, att_id: int):
    app = applications.get_application(db.session, current_person(), item_id)
    found = next((a for a in app.attachments if a.id == att_id), None)
    if found is None:
        raise NotFound("附件不存在")
    preview = request.args.get("preview") == "1" and found.content_type in applications.ATTACHMENT_TYPES
    name = inputs.clean_filename(found.filename)  # also names stored before cleaning
    response = downloads.send(
        found.data,
        found.content_type,
        name,
        downloads.ascii_name(name, f"{app.number or 'draft'}-attachment-{found.id}"),
        preview,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # shown inline only as the PDF or image it was checked to be: no script, no form, nothing fetched elsewhere
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; object-src 'self'; " "style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if preview else "DENY"  # previews show inside our own pages
    return response
