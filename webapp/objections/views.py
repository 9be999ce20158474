"""异议 and 纠错 pages: raise one (from an application, entry or grant, or from 我的异议), follow it, the board."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for

from webapp import downloads
from webapp import uploads as web_uploads
from webapp.extensions import db
from webapp.objections.blueprint import bp
from webapp.params import id_param, parse_id
from webapp.refusals import Refusal, refusal
from webapp.security import current_person, safe_next
from workflows import clock, inputs
from workflows.errors import FieldProblem, NotFound, ValidationFailed
from workflows.models import Application, Grant, ObjectionStatus, ObjectionType, Role, Unit
from workflows.objections import cases, pages
from workflows.objections.inputs import ObjectionInput
from workflows.objections import records as objection_records
from workflows.objections import statistics as objection_statistics
from workflows.sharing import uploads, visibility
from workflows.usage import reports as usage_reports

LINK_TYPES = {"application": "application_dispute", "resource": "catalog_correction", "grant": "usage_dispute"}
ATTACHMENT_ROWS = 3
EVIDENCE_KEPT = "已选的证据文件已暂存（见“证据文件”处），改正后提交即可，无需重新选择"


@bp.get("/")
def index():
    person = current_person()
    return render_template(
        "objections/list.html",
        rows=cases.list_mine(db.session, person),
        is_coordinator=person.has_role(Role.COORDINATOR),
        periods=cases.periods(db.session),
    )


def _prefill() -> dict:
    """The link the page was opened from: ?application=<id>, ?resource=<code> or ?grant=<id>, shown as numbers,
    and only for what concerns the person's unit (the one rule of sharing.visibility)."""
    values = {}
    person = current_person()
    for name in LINK_TYPES:
        text = (request.args.get(name) or "").strip()[:64]
        if not text:
            continue
        values["type"] = LINK_TYPES[name]
        if name == "resource":
            values["resource_code"] = text
        elif name == "application":
            app = db.session.get(Application, parse_id(text) or 0)
            values["application_number"] = (
                app.number if app and visibility.application_concerns(person, app) and app.number else ""
            )
        else:
            grant = db.session.get(Grant, parse_id(text) or 0)
            values["grant_number"] = (
                grant.application.number
                if grant and cases.may_name_grant(person, grant, ObjectionType.USAGE_DISPUTE)
                else ""
            )
    if ObjectionType.parse(request.args.get("type")):
        values["type"] = ObjectionType.parse(request.args.get("type")).value
    return values | _from_anomaly(person, request.args.get("anomaly"))


def _from_anomaly(person, value: str | None) -> dict:
    """?anomaly=<id>: a 数据使用异议 on the grant the calls came under, its facts written from what monitoring found."""
    anomaly = usage_reports.visible_anomaly(db.session, person, parse_id((value or "").strip()[:16]))
    grant = db.session.get(Grant, anomaly.grant_key) if anomaly and anomaly.grant_key else None
    if grant is None or not cases.may_name_grant(person, grant, ObjectionType.USAGE_DISPUTE):
        return {}
    return {
        "type": ObjectionType.USAGE_DISPUTE.value,
        "grant_number": grant.application.number,
        "facts": usage_reports.anomaly_account(db.session, anomaly),
        "request": f"请{anomaly.unit.name}说明上述调用的情况；超出授权范围使用的，请提供单位依规撤销授权或责令整改",
    }


def _made_from(person, value: str | None):
    anomaly = usage_reports.visible_anomaly(db.session, person, parse_id((value or "").strip()[:16]))
    return cases.disputes_of_anomalies(db.session, [anomaly]).get(anomaly.id) if anomaly else None


def _form_input() -> dict:
    form = request.form
    attachments = [
        {"name": n, "note": t}
        for n, t in zip(form.getlist("attachment_name"), form.getlist("attachment_note"))
        if n.strip()
    ]
    return {name: form.get(name, "") for name in ObjectionInput.FORM_FIELDS} | {"attachments": attachments}


def _evidence(problems: list) -> list:
    """The kept-files check speaks of 附件; on this form they are 证据文件."""
    return [
        FieldProblem("files", str(p).replace("附件：", "证据文件：", 1).replace("每份申请", "每件异议", 1))
        for p in problems
    ]


@bp.get("/<int:item_id>/files/<int:file_id>")
def file(item_id: int, file_id: int):
    found = cases.get_file(db.session, current_person(), item_id, file_id)
    response = send_file(
        io.BytesIO(found.data), mimetype=found.content_type, download_name=inputs.clean_filename(found.filename)
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/new", methods=["GET", "POST"])
def new():
    """The files chosen are kept when the form is refused (as on the application form), offered again ticked."""
    person = current_person()
    if request.method == "GET":
        return _new_form(_prefill(), made=_made_from(person, request.args.get("anomaly")))
    values = _form_input()
    tokens, refused_files = web_uploads.keep_chosen(person, "files")

    def form_again(r: Refusal):
        kept = uploads.pending(db.session, person, tokens)
        return _new_form(values, [*r.details, *([EVIDENCE_KEPT] if kept else [])], kept)

    with refusal(form_again, catch=ValidationFailed) as refused:
        try:
            objection = cases.raise_objection(db.session, person, values)
        except ValidationFailed as err:  # the form's problems and the refused files' at once
            raise ValidationFailed([*err.details, *_evidence(refused_files)], err.message) from err
        if refused_files:
            raise ValidationFailed(_evidence(refused_files), "证据文件有误，未提交：请按提示换一个文件")
        for row in uploads.pending(db.session, person, tokens):
            cases.add_file(db.session, person, objection, row.filename, row.content_type, row.data)
            db.session.delete(row)
    if refused:
        return refused.page
    days = cases.periods(db.session)["triage"]
    flash(f"已提交，县大数据局将在{days}个工作日内受理审查" if days else "已提交，县大数据局将受理审查", "success")
    return redirect(url_for(".detail", item_id=objection.id))


def _new_form(values: dict, errors: list[str] | None = None, kept: list | None = None, made=None):
    return render_template(
        "objections/new.html",
        values=values,
        made=made,  # the open objection already made from the anomaly asked for
        may_open=lambda o: cases.can_see(current_person(), o),
        errors=errors or [],
        types=ObjectionType.choices(),
        rows=ATTACHMENT_ROWS,
        kept=kept or [],
        periods=cases.periods(db.session),
    ), (422 if errors else 200)


@bp.post("/<int:item_id>/files")
def upload(item_id: int):
    """补充材料: the raiser adds evidence files (PDF or image) to the objection until it is accepted."""
    person = current_person()
    objection = cases.get_objection(db.session, person, item_id)
    back = safe_next(request.form.get("next"), url_for(".detail", item_id=item_id))
    files = web_uploads.chosen_files("files")[: cases.MAX_ATTACHMENTS + 1]
    if not files:
        flash("请先选择要上传的证据文件", "danger")
        return redirect(back)

    def not_uploaded(r: Refusal):
        flash("证据文件未上传：" + "；".join(r.details), "danger")
        return redirect(back)

    with refusal(not_uploaded, catch=ValidationFailed) as refused:
        for chosen in files:
            cases.add_file(db.session, person, objection, chosen.filename, chosen.content_type, chosen.data)
    if refused:
        return refused.page
    flash(f"已上传 {len(files)} 个证据文件", "success")
    return redirect(back)


@bp.get("/<int:item_id>")
def detail(item_id: int):
    page = pages.objection_page(db.session, current_person(), item_id)
    return render_template("objections/detail.html", page=page, o=page.objection)


@bp.get("/<int:item_id>/record.pdf")
def record_pdf(item_id: int):
    objection = cases.get_objection(db.session, current_person(), item_id)
    record = objection_records.for_objection(db.session, objection.id)
    if record is None:
        raise NotFound("该异议尚未办结，暂无处理记录")
    number = record.content["number"]
    return downloads.record_pdf(
        objection_records.pdf_for(db.session, record), f"异议处理记录-{number}.pdf", f"{number}.pdf"
    )


@bp.get("/board")
def board():
    person = current_person()
    args = {name: (request.args.get(name) or "").strip() for name in ("status", "kind", "since", "until")}
    unit_id = id_param(request.args.get("unit"), "单位")
    errors, rows, fields = [], [], {}
    try:
        rows = pages.board(db.session, person, args["status"], unit_id, args["kind"], args["since"], args["until"])
    except ValidationFailed as err:
        errors, fields = err.details, err.fields
    units = db.session.query(Unit).order_by(Unit.id).all()
    return render_template(
        "objections/board.html",
        rows=rows,
        errors=errors,
        fields=fields,
        args=args,
        unit_id=unit_id,
        units=units,
        statuses=ObjectionStatus.choices(),
        types=ObjectionType.choices(),
    ), (422 if errors else 200)


def _statistics(since: str, until: str):
    """The figures, or the page with each period problem beside its field (422)."""
    try:
        return objection_statistics.figures(db.session, current_person(), since, until), None
    except ValidationFailed as err:
        return None, (
            render_template(
                "objections/statistics.html",
                result=None,
                errors=err.details,
                fields=err.fields,
                since=since,
                until=until,
            ),
            422,
        )


def _period() -> tuple[str, str]:
    """As typed (bounded), so "2026-01-01abc" is refused beside its field rather than read as 2026-01-01."""
    return (request.args.get("since") or "").strip()[:32], (request.args.get("until") or "").strip()[:32]


@bp.get("/statistics")
def statistics():
    since, until = _period()
    result, refused = _statistics(since, until)
    if refused:
        return refused
    return render_template("objections/statistics.html", result=result, errors=[], fields={}, since=since, until=until)


@bp.get("/statistics.xlsx")
def statistics_xlsx():
    result, refused = _statistics(*_period())
    if refused:
        return refused
    return downloads.workbook(
        objection_statistics.workbook(result),
        f"异议和纠错统计-{clock.today():%Y%m%d}.xlsx",
        f"statistics-{clock.today():%Y%m%d}.xlsx",
    )
