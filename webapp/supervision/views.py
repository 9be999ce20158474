"""单位考核: the county ranking for everyone, a unit's card in detail for the unit and the bureau, the weights."""

from __future__ import annotations


from flask import abort, flash, redirect, render_template, request, url_for

from webapp import downloads
from webapp.extensions import db
from webapp.params import id_param
from webapp.refusals import refusal
from webapp.security import current_person, role_required
from webapp.supervision.blueprint import bp
from workflows import calendar, clock
from workflows.errors import ValidationFailed
from workflows.supervision import dashboard as supervision_dashboard
from workflows.supervision import heatmap as supervision_heatmap
from workflows.supervision import reports as supervision_reports
from workflows.supervision import periods, scorecards
from workflows.supervision import effect as supervision_effect
from workflows.supervision import quality as supervision_quality
from workflows.supervision import weights as scorecard_weights

CASE_PAGES = {  # a figure's case → the page that shows it
    "application": lambda ident: url_for("applications.detail", item_id=ident),
    "objection": lambda ident: url_for("objections.detail", item_id=ident),
    "catalog_change": lambda ident: url_for("catalog.change_detail", item_id=ident),
    "resource": lambda ident: url_for("catalog.detail", code=ident),
    "grant": lambda ident: url_for("applications.order", grant_id=ident),
    "incident": lambda ident: url_for("incidents.detail", item_id=ident),
    "usage": lambda ident: url_for("usage.anomaly", anomaly_id=ident),
    "effect_rating": lambda ident: url_for("supervision.rating", item_id=ident),
}


def _period():
    """The period asked for, or this month with the problem said above the page."""
    try:
        period = periods.parse_period(request.args.get("period"))
        scorecards.begun(period)
        return period, []
    except ValidationFailed as err:
        return periods.parse_period(None), err.details


def _optional_period():
    """The period asked for, or None (the page's own span) with the problem said above the page."""
    if not request.args.get("period"):
        return None, []
    try:
        period = periods.parse_period(request.args["period"])
        scorecards.begun(period)  # a period not begun has no figures yet: said, as on the scorecards
        return period, []
    except ValidationFailed as err:  # the page is shown over its own span, with what was wrong above it
        return None, err.details


@bp.get("/scorecards")
def ranking():
    period, errors = _period()
    return render_template(
        "supervision/ranking.html",
        period=period,
        ranking=scorecards.ranking_for(db.session, current_person(), period),
        errors=errors,
        parts=scorecard_weights.PARTS,
        today=clock.today(),
    ), (422 if errors else 200)


@bp.get("/scorecards/<int:unit_id>")
def card(unit_id: int):
    period, errors = _period()
    found = scorecards.card_of(db.session, current_person(), period, unit_id)
    return render_template(
        "supervision/card.html", period=period, card=found, errors=errors, case_page=_case_page, today=clock.today()
    ), (422 if errors else 200)


def _case_page(case: dict) -> str | None:
    page = CASE_PAGES.get(case["kind"])
    return page(case["id"]) if page else None


@bp.route("/weights", methods=["GET", "POST"])
@role_required("coordinator")
def weights():
    person = current_person()
    values = dict(request.form) if request.method == "POST" else {}
    with refusal(lambda r: _weights_page(values, r.problems, r.status), passed_on=()) as refused:
        if request.method == "POST":
            scorecard_weights.set_weights(
                db.session, person, values.get("from_month", ""), values, values.get("note", "")[:600]
            )
    if refused:
        return refused.page
    if request.method == "POST":
        flash(
            f"考核权重已保存，自 {values.get('from_month', '').strip()} 起适用；已经开始或已经结束的考核期间仍按原权重计分，得分不变",
            "success",
        )
        return redirect(url_for("supervision.weights"))
    return _weights_page(values)


def _weights_page(values: dict, errors: list | None = None, status: int = 200):
    today = clock.today()
    this_month = periods.parse_period(periods.month_key(today))
    next_month = periods.parse_period(periods.month_key(calendar.month_start(today, 1)))
    return render_template(
        "supervision/weights.html",
        parts=scorecard_weights.PARTS,
        next_month=next_month,
        current=scorecard_weights.weights_for(db.session, this_month),
        history=scorecard_weights.weight_history(db.session),
        values=values,
        errors=errors or [],
        this_month=this_month,
    ), status


@bp.get("/")
def dashboard():
    """The county's figures for the bureau (any unit on request); a unit's own for everyone else."""
    board = supervision_dashboard.dashboard(db.session, current_person(), id_param(request.args.get("unit"), "单位"))
    return render_template(
        "supervision/dashboard.html",
        board=board,
        charts_json=[
            {"key": c.key, "kind": c.kind, "categories": c.categories, "series": c.series} for c in board.charts
        ],
    )


@bp.get("/dashboard.xlsx")
def dashboard_xlsx():
    board = supervision_dashboard.dashboard(db.session, current_person(), id_param(request.args.get("unit"), "单位"))
    name = f"督导考核统计-{board.unit.short_name if board.unit else '全县'}-{clock.today()}.xlsx"
    return downloads.workbook(supervision_dashboard.workbook(board), name, f"dashboard-{clock.today()}.xlsx")


@bp.get("/quality")
def quality():
    """使用效果和数据质量 by resource, provider, class and level: the county for the bureau, a unit's own for its people."""
    period, errors = _optional_period()
    page = _quality_page(period)
    return render_template("supervision/quality.html", page=page, columns=supervision_quality.COLUMNS, errors=errors), (
        422 if errors else 200
    )


def _quality_page(period):
    unit_id = id_param(request.args.get("unit"), "单位")
    return supervision_quality.quality_page(db.session, current_person(), unit_id, period)


@bp.get("/quality.xlsx")
def quality_xlsx():
    page = _quality_page(_optional_period()[0])
    span = page.period.key if page.period else clock.today()
    name = f"使用效果和数据质量-{page.unit.short_name if page.unit else '全县'}-{span}.xlsx"
    return downloads.workbook(supervision_quality.workbook(page), name, f"quality-{clock.today()}.xlsx")


@bp.get("/ratings/<int:item_id>")
def rating(item_id: int):
    """A rating (a scorecard figure's case, a rating task's subject) opens on its grant's page, under its ratings."""
    found = supervision_effect.get_rating(db.session, current_person(), item_id)
    return redirect(url_for("usage.grant", grant_id=found.grant_id, _anchor="grant-ratings"))


@bp.get("/heatmap")
@role_required("coordinator", "modeler")
def heatmap():
    """流程瓶颈图: a version's diagram coloured by how long each step takes and how often it is late."""
    period, errors = _optional_period()
    found = supervision_heatmap.heatmap(
        db.session,
        current_person(),
        id_param(request.args.get("version"), "流程版本"),
        id_param(request.args.get("unit"), "单位"),
        period,
    )
    return render_template(
        "supervision/heatmap.html",
        heat=found,
        period=period,
        errors=errors,
        tasks_json=[{"id": t.task_key, "level": t.level, "text": _heat_label(t)} for t in found.tasks],
    ), (422 if errors else 200)


def _heat_label(task) -> str:
    """What the diagram writes under a step: only the figures it has."""
    parts = []
    if task.median_days is not None:
        parts.append(f"中位 {task.median_days} 天 · 90% 分位 {task.p90_days} 天")
    if task.overdue_rate is not None:
        parts.append(f"逾期 {round(task.overdue_rate * 100)}%")
    return " · ".join(parts)


@bp.get("/reports")
def report_list():
    return render_template("supervision/reports.html", reports=supervision_reports.listed(db.session, current_person()))


@bp.get("/reports/<period>.pdf")
def report_pdf(period: str):
    report = supervision_reports.get_report(db.session, current_person(), period)
    data = supervision_reports.pdf_of(db.session, report)
    if data is None:
        abort(503, description="月报 PDF 暂时未能生成，系统会自动重试；请稍后再下载，或先下载 Excel")
    return downloads.send(data, "application/pdf", f"督导考核月报-{report.period}.pdf", f"report-{report.period}.pdf")


@bp.get("/reports/<period>.xlsx")
def report_xlsx(period: str):
    report = supervision_reports.get_report(db.session, current_person(), period)
    return downloads.workbook(report.xlsx, f"督导考核月报-{report.period}.xlsx", f"report-{report.period}.xlsx")
