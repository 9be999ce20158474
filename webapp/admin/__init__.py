"""Administration: the audit trail and the working-day calendar."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.extensions import db
from webapp.security import role_required
from workflows import audit, calendar, clock, deadlines, records
from workflows.errors import DomainError, ValidationFailed

bp = Blueprint("admin", __name__)
PER_PAGE = 50


def _page() -> int:
    value = request.args.get("page", "1")
    return max(int(value), 1) if value.isdigit() else 1


def _date_arg(name: str, errors: list[str]):
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return clock.start_of_day(datetime.strptime(value, "%Y-%m-%d").date())
    except ValueError:
        errors.append(f"日期“{value}”格式应为 YYYY-MM-DD")
        return None


@bp.get("/audit")
@role_required("sysadmin", "coordinator")
def audit_events():
    errors: list[str] = []
    since, until = _date_arg("since", errors), _date_arg("until", errors)
    flt = audit.AuditFilter(actor=request.args.get("actor", "").strip(),
                            action=request.args.get("action", "").strip(),
                            subject_type=request.args.get("subject_type", "").strip(),
                            subject_id=request.args.get("subject_id", "").strip(),
                            since=since, until=until + timedelta(days=1) if until else None)
    events, total = audit.list_events(db.session, flt, _page(), PER_PAGE)
    return render_template("admin/audit.html", events=events, total=total, page=_page(), per_page=PER_PAGE,
                           errors=errors, args=request.args)


def _year() -> int:
    value = request.args.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else clock.today().year


@bp.get("/calendar")
@role_required("sysadmin")
def calendar_year():
    year = _year()
    days = calendar.year_days(db.session, year)
    return render_template("admin/calendar.html", year=year, days=days,
                           provisional=all(d["provisional"] for d in days),
                           exceptions=[d for d in days if d["kind"] in ("holiday", "makeup_workday")])


@bp.get("/calendar/<int:year>.csv")
@role_required("sysadmin")
def calendar_export(year: int):
    body = "\ufeff" + calendar.export_year_csv(db.session, year)
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=calendar-{year}.csv"})


@bp.post("/calendar/import")
@role_required("sysadmin")
def calendar_import():
    year_text = request.form.get("year", "")
    upload = request.files.get("file")
    try:
        if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
            raise ValidationFailed(["请填写 2000–2100 之间的年份"])
        if upload is None or not upload.filename:
            raise ValidationFailed(["请选择要导入的 CSV 文件"])
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed(["文件不是 UTF-8 编码的 CSV，请在 Excel 中另存为“CSV UTF-8”后重试"]) from None
        count, changed = deadlines.import_schedule(db.session, int(year_text), text, current_user.person.id)
    except DomainError as err:
        db.session.rollback()
        for line in [err.message, *err.details]:
            flash(line, "danger")
        return redirect(url_for("admin.calendar_year", year=year_text if year_text.isdigit() else None))
    db.session.commit()
    flash(f"{year_text} 年作息安排已导入（{count} 天），该年不再是临时安排；重新计算了 {changed} 个办理期限", "success")
    return redirect(url_for("admin.calendar_year", year=year_text))


@bp.get("/records")
@role_required("sysadmin")
def record_failures():
    return render_template("admin/records.html", failed=records.failed(db.session))
