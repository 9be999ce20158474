"""Administration: the audit trail, the working-day calendar and how the system runs."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.admin.blueprint import bp
from webapp.extensions import db
from webapp.params import id_param, page_param
from webapp.refusals import back_to, refusal
from webapp.security import role_required
from webapp.monitoring.views import stale_after
from workflows import audit, audit_text, calendar, clock, inputs, monitoring, operations
from workflows.errors import ValidationFailed
from workflows.sharing import records

PER_PAGE = 50
SHOWN_PROBLEMS = 20  # flashed messages travel in the session cookie


def _loopback(host: str) -> bool:
    host = (host or "").strip("[]").lower()
    if host in ("localhost", "0.0.0.0", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_address_warning() -> str | None:
    """Records carry PUBLIC_BASE_URL in their QR code: a loopback address there, while people reach the system
    at another address (production), makes every printed record unverifiable."""
    configured = current_app.config.get("PUBLIC_BASE_URL", "")
    if not _loopback(urlsplit(configured).hostname or "") or _loopback(urlsplit(request.host_url).hostname or ""):
        return None
    return (
        f"审批记录二维码中的核验地址是本机地址 {configured}，其他电脑和手机无法打开，打印的记录将无法核验。"
        f"请将环境变量 PUBLIC_BASE_URL 设为用户访问本系统的地址（如 {request.host_url.rstrip('/')}）后重启服务。"
    )


@bp.context_processor
def _warnings():
    is_sysadmin = current_user.is_authenticated and current_user.has_role("sysadmin")
    return {"public_address_warning": public_address_warning() if is_sysadmin else None}


def _page() -> int:
    return page_param(request.args.get("page"))


def _date_arg(name: str, errors: list[str]):
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return clock.start_of_day(datetime.strptime(value, "%Y-%m-%d").date())
    except ValueError:
        errors.append(f"{'开始日期' if name == 'since' else '结束日期'}：{inputs.not_a_day(value)}")
        return None


@bp.get("/audit")
@role_required("sysadmin", "coordinator")
def audit_events():
    errors: list[str] = []
    since, until = _date_arg("since", errors), _date_arg("until", errors)
    flt = audit.AuditFilter(
        actor=request.args.get("actor", "").strip(),
        action=request.args.get("action", "").strip(),
        subject_type=request.args.get("subject_type", "").strip(),
        subject_id=request.args.get("subject_id", "").strip(),
        since=since,
        until=until + timedelta(days=1) if until else None,
        unit_id=id_param(request.args.get("unit"), "代表单位"),
    )
    errors += audit.filter_problems(flt)  # any problem: no events rather than every event unfiltered
    events, total = ([], 0) if errors else audit.list_events(db.session, flt, _page(), PER_PAGE)
    return render_template(
        "admin/audit.html",
        events=audit_text.describe(db.session, events),
        total=total,
        page=_page(),
        per_page=PER_PAGE,
        actions=audit_text.filter_actions(),
        subjects=audit_text.SUBJECTS,
        units=audit_text.filter_units(db.session),
        errors=errors,
        args=request.args,
    ), (422 if errors else 200)


def _year(value: str | None) -> int | None:
    return inputs.parse_int(value, calendar.FIRST_YEAR, calendar.LAST_YEAR)


@bp.get("/calendar")
@role_required("sysadmin")
def calendar_year():
    year = _year(request.args.get("year")) or clock.today().year
    days = calendar.year_days(db.session, year)
    return render_template(
        "admin/calendar.html",
        year=year,
        days=days,
        source_label=calendar.source_label,
        provisional=all(d["provisional"] for d in days),
        exceptions=[d for d in days if d["kind"] in ("holiday", "makeup_workday")],
    )


@bp.get("/calendar/<int:year>.csv")
@role_required("sysadmin")
def calendar_export(year: int):
    body = "\ufeff" + calendar.export_year_csv(db.session, year)
    return Response(
        body,
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=calendar-{year}.csv"},
    )


@bp.post("/calendar/import")
@role_required("sysadmin")
def calendar_import():
    """Upload: a preview of what changes, nothing replaced. Confirmation (the previewed text and the year's
    digest sent back): the year is replaced, unless it changed since the preview."""
    year = _year(request.form.get("year"))
    confirmed = request.form.get("confirm") == "1"
    back = url_for("admin.calendar_year", year=year)
    with refusal(back_to(back, shown=SHOWN_PROBLEMS), passed_on=(), savepoint=False) as refused:
        if year is None:
            raise ValidationFailed([f"请填写 {calendar.FIRST_YEAR}–{calendar.LAST_YEAR} 之间的年份"])
        text = request.form.get("csv_text", "") if confirmed else _uploaded_text(request.files.get("file"))
        if not confirmed:
            preview = calendar.preview_year_csv(db.session, year, text)
            return render_template("admin/calendar_preview.html", preview=preview, csv_text=text)
        with db.attempt():  # the preview wrote nothing; only the import is undone when refused
            count, changed = operations.import_schedule(
                db.session, year, text, current_user.person.id, request.form.get("digest", "")
            )
    if refused:
        return refused.page
    flash(f"{year} 年作息安排已导入（{count} 天），该年不再是临时安排；重新计算了 {changed} 个办理期限", "success")
    return redirect(back)


def _uploaded_text(upload) -> str:
    if upload is None or not upload.filename:
        raise ValidationFailed(["请选择要导入的 CSV 文件"])
    try:
        return upload.read().decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(["文件不是 UTF-8 编码的 CSV，请在 Excel 中另存为“CSV UTF-8”后重试"]) from None


@bp.get("/records")
@role_required("sysadmin")
def record_failures():
    return render_template("admin/records.html", failed=records.failed(db.session))


@bp.get("/system")
@role_required("sysadmin")
def system_status():
    """系统运行状况: the scheduler's last pass and what failed, so the sysadmin sees trouble before people do."""
    return render_template(
        "admin/system.html",
        status=monitoring.system_status(db.session, stale_after()),
        stale_seconds=int(stale_after().total_seconds()),
    )
