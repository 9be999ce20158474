"""/usage/: what units used of shared data (from the rollups), a grant's months, and the upload of usage records."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from webapp import downloads
from webapp.extensions import db
from webapp.params import id_param
from webapp.refusals import back_to, refusal
from webapp.security import current_person
from webapp.usage.blueprint import bp
from workflows import clock
from workflows.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflows.incidents import service as incidents
from workflows.objections import cases as objection_cases
from workflows.models import CallType
from workflows.sharing import grants
from workflows.supervision import effect
from workflows.usage import anomalies, reports, upload

SAVED = "情况说明已保存，提供单位和县大数据局可以看到"
NO_USAGE_ROLE = "只有各单位的申请人、审核人、目录管理员和县大数据局协调员可以查看数据使用情况"


@bp.get("/")
def index():
    return _index_page(current_person(), request.args.get("unit"))


def _index_page(person, unit_arg, explained: dict | None = None, status: int = 200):
    """The unit's usage; `explained` holds a refused explanation (anomaly id, text typed, what was wrong) to show
    again at its own row."""
    units = reports.visible_units(db.session, person)
    if not units:
        return render_template("error.html", status=403, details=[], message=NO_USAGE_ROLE), 403
    own = person.unit_id if any(u.id == person.unit_id for u in units) else units[0].id
    unit_id = id_param(unit_arg, "单位") or own
    unit = next((u for u in units if u.id == unit_id), None)
    if unit is None:
        raise NotFound("单位不存在或无权查看其数据使用情况")
    usage = reports.unit_usage_both(db.session, unit.id)
    return render_template(
        "usage/index.html",
        units=units,
        unit=unit,
        usage=usage,
        disputes=objection_cases.disputes_of_anomalies(db.session, [a for a, _, _ in usage.anomalies]),
        may_open=lambda objection: objection_cases.can_see(person, objection),
        days=reports.WINDOW_DAYS,
        may_upload=upload.may_upload(person),
        may_explain=lambda a: anomalies.may_explain(person, a),
        may_dispute=lambda a: anomalies.may_dispute(person, a),
        may_record=lambda a: incidents.can_record(person, a.unit_id),
        explained=explained or {},
    ), status


@bp.get("/anomalies/<int:anomaly_id>")
def anomaly(anomaly_id: int):
    """An anomaly named elsewhere (a scorecard's figure) opens in its unit's list, where it is answered."""
    person = current_person()
    found = reports.visible_anomaly(db.session, person, anomaly_id)
    if found is None:
        raise NotFound("该使用异常不存在，或您无权查看")
    seen = {u.id for u in reports.visible_units(db.session, person)}
    unit = (
        found.unit_id if found.unit_id in seen else found.resource.provider_unit_id
    )  # the user's list, or the provider's
    return redirect(url_for(".index", unit=unit, _anchor=f"anomaly-{found.id}"))


@bp.post("/anomalies/<int:anomaly_id>/explain")
def explain(anomaly_id: int):
    """谁使用谁负责: the using unit says what the calls were; the provider and the bureau read it beside them. A refused
    explanation comes back at its row with the text as typed."""
    person, text = current_person(), request.form.get("explanation", "")
    unit_arg = request.form.get("unit") or None
    back = url_for(".index", unit=unit_arg, _anchor=f"anomaly-{anomaly_id}")
    with refusal(
        lambda r: _index_page(person, unit_arg, {"id": anomaly_id, "text": text, "errors": r.details}, r.status),
        catch=ValidationFailed,
    ) as refused:
        # what is no problem of the text (explained already, not the unit's) is said at the top of the page
        with refusal(back_to(back), catch=(Conflict, Forbidden, NotFound), passed_on=()) as other:
            anomalies.explain(db.session, person, anomaly_id, text)
    if refused or other:
        return (refused or other).page
    flash(SAVED, "success")
    return redirect(back)


@bp.get("/grants/<int:grant_id>")
def grant(grant_id: int):
    found = grants.get_grant(db.session, current_person(), grant_id)  # 404 to whom the grant is not visible
    return render_template(
        "usage/grant.html",
        grant=found,
        status=found.effective_status(clock.today()),
        usage=reports.grant_usage(db.session, found),
        ratings=effect.ratings_of_grant(db.session, found),
        call_types=list(CallType),
    )


def _uploaded() -> tuple[str, bytes]:
    file = request.files.get("file")
    if file is None or not file.filename:
        raise ValidationFailed(["请选择要上传的 .xlsx 或 .csv 文件"], "未选择文件")
    data = file.read(upload.MAX_UPLOAD_BYTES + 1)
    if len(data) > upload.MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            [f"文件超过 {upload.MAX_UPLOAD_BYTES // 1024 // 1024} MB，请分批上传"], "文件过大，未导入"
        )
    return file.filename, data


@bp.route("/upload", methods=["GET", "POST"])
def upload_page():
    person = current_person()
    if not upload.may_upload(person):
        message = "只有单位目录管理员和县大数据局协调员可以上传数据使用记录，请联系本单位目录管理员"
        return render_template("error.html", status=403, details=[], message=message), 403
    units = upload.uploading_units(db.session, person)
    chosen = request.form.get("unit", "") if request.method == "POST" else ""

    def page(result=None, error=None):
        return render_template("usage/upload.html", result=result, error=error, units=units, chosen=chosen)

    if request.method == "GET":
        return page()
    with refusal(lambda r: (page(error=r.error), r.status)) as refused:
        filename, data = _uploaded()
        result = upload.import_file(db.session, person, filename, data, unit_id=id_param(chosen, "报送单位"))
    if refused:
        return refused.page
    if not result.problems:
        flash(f"已导入：新增 {result.accepted} 条，重复 {result.duplicates} 条（已收到过，不重复计数）", "success")
        return redirect(url_for("usage.index", unit=result.unit_id))  # the unit the file was for
    return page(result=result)  # the good rows are kept


@bp.get("/template.xlsx")
def template_xlsx():
    return downloads.workbook(upload.template_workbook(), "数据使用记录模板.xlsx", "usage-template.xlsx")


@bp.get("/template.csv")
def template_csv():
    data = upload.template_csv().encode("utf-8")
    return downloads.send(data, "text/csv; charset=utf-8", "数据使用记录模板.csv", "usage-template.csv")
