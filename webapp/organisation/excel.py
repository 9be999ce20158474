"""Excel import and export of people and their roles: upload, preview every change, confirm."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from webapp import downloads
from webapp.extensions import db
from webapp.organisation.blueprint import bp
from webapp.organisation.views import NO_STORE, scope
from webapp.params import id_param
from webapp.refusals import Refusal, refusal
from workflows import clock
from workflows.errors import ValidationFailed
from workflows.organisation import people_excel, people_import

MAX_IMPORT_BYTES = 2 * 1024 * 1024


@bp.get("/people/export.xlsx")
def people_export():
    today = f"{clock.today():%Y%m%d}"
    return downloads.workbook(
        people_excel.export_workbook(db.session, scope()), f"人员与角色-{today}.xlsx", f"people-{today}.xlsx"
    )


@bp.get("/people/template.xlsx")
def people_template():
    return downloads.workbook(people_excel.template_workbook(), "人员导入模板.xlsx", "people-template.xlsx")


def _uploaded() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(["请选择要导入的 Excel 文件（.xlsx）"], "未选择文件")
    if not upload.filename.lower().endswith(".xlsx"):
        raise ValidationFailed(people_excel.NOT_A_WORKBOOK.details, people_excel.NOT_A_WORKBOOK.message)
    data = upload.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationFailed(
            [f"文件超过 {MAX_IMPORT_BYTES // 1024 // 1024} MB，请分批导入"], "文件过大，未导入任何内容"
        )
    return upload.filename, data


def _import_page(refused: Refusal):
    return render_template("organisation/import.html", error=refused.error), refused.status


@bp.route("/people/import", methods=["GET", "POST"])
def people_import_page():
    admin = scope()
    if request.method == "GET":
        return render_template("organisation/import.html", error=None)
    with refusal(_import_page, passed_on=()) as refused:
        preview = people_import.preview(db.session, admin, *_uploaded())
    if refused:
        return refused.page
    return render_template("organisation/import_preview.html", preview=preview)


@bp.post("/people/import/confirm")
def people_import_confirm():
    import_id = id_param(request.form.get("import_id"), "导入批次") or 0
    with refusal(_import_page, passed_on=()) as refused:
        done = people_import.confirm(db.session, scope(), import_id)
    if refused:
        return refused.page
    if not done.created:
        flash(f"导入完成：修改 {done.updated} 人，{done.unchanged} 人无变化", "success")
        return redirect(url_for("organisation.people_list"))
    return render_template("organisation/import_done.html", done=done), 200, NO_STORE
