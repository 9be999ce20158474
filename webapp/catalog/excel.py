"""Excel import and export of a unit's catalog (routes on the catalog blueprint)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from webapp import downloads
from webapp.catalog.blueprint import bp
from webapp.catalog.views import _editable_units
from webapp.extensions import db
from webapp.params import id_param
from webapp.refusals import refusal
from webapp.security import current_person
from workflows import clock
from workflows.catalog import excel as catalog_excel
from workflows.catalog.entries import DuplicateSuspected
from workflows.errors import DomainError, ValidationFailed

MAX_IMPORT_BYTES = 5 * 1024 * 1024


@bp.get("/export.xlsx")
def export_xlsx():
    person = current_person()
    units = _editable_units(person)
    unit_id = id_param(request.args.get("unit"), "单位") or (units[0].id if units else person.unit_id)
    data = catalog_excel.export_workbook(db.session, person, unit_id)
    unit = {m.unit_id: m.unit for m in person.memberships}.get(unit_id)
    return downloads.workbook(
        data,
        f"资源目录-{unit.short_name if unit else unit_id}-{clock.today():%Y%m%d}.xlsx",
        f"catalog-{unit.code if unit else unit_id}-{clock.today():%Y%m%d}.xlsx",
    )


@bp.get("/template.xlsx")
def template_xlsx():
    return downloads.workbook(catalog_excel.template_workbook(), "资源目录导入模板.xlsx", "catalog-template.xlsx")


def _uploaded_bytes() -> bytes:
    """The uploaded workbook, refused early when it cannot be one."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(["请选择要导入的 Excel 文件（.xlsx）"], "未选择文件")
    if not upload.filename.lower().endswith(".xlsx"):
        raise ValidationFailed(
            ["只支持 .xlsx 格式；.xls、.csv 等文件请先在 Excel 中“另存为” .xlsx 工作簿"],
            "文件不是有效的 Excel 工作簿（.xlsx），未导入任何内容",
        )
    data = upload.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationFailed(
            [f"文件超过 {MAX_IMPORT_BYTES // 1024 // 1024} MB，请分批导入"], "文件过大，未导入任何内容"
        )
    return data


def _render(units, unit_id: str, error: DomainError | None = None, status: int = 200):
    return render_template(
        "catalog/import.html", units=units, unit_id=unit_id, error=error, duplicates=getattr(error, "hints", [])
    ), status


@bp.route("/import", methods=["GET", "POST"])
def import_page():
    person = current_person()
    units = _editable_units(person)
    if not units:
        return render_template(
            "error.html", status=403, details=[], message="只有单位目录管理员可以导入目录，请联系本单位目录管理员"
        ), 403
    unit_id = request.form.get("unit_id", "") or str(units[0].id)
    if request.method == "GET":
        return _render(units, unit_id)
    with refusal(
        lambda r: _render(units, unit_id, r.error, r.status), catch=(ValidationFailed, DuplicateSuspected)
    ) as refused:
        result = catalog_excel.import_workbook(
            db.session,
            person,
            id_param(unit_id, "导入到单位") or 0,
            _uploaded_bytes(),
            request.form.get("duplicate_reason", ""),
        )
    if refused:
        return refused.page
    flash(f"已导入：新建 {result.created} 条，更新 {result.updated} 条，发布 {result.published} 条", "success")
    return redirect(url_for("catalog.mine"))
