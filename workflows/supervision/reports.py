"""督导考核月报: made on the first working day of each month (or by `flask report monthly 2026-11`) for the month
before, its figures fixed then; a PDF with its charts drawn on the server as vector graphics, and the same figures
in Excel for the city bureau. Listed for the bureau's coordinators and the units' leaders."""

from __future__ import annotations

import io
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import audit, calendar, clock
from workflows.errors import Forbidden, NotFound, ValidationFailed
from workflows.models import Application, Grant, Person, Responsibility, Role, SupervisionReport
from workflows.sharing import records
from workflows.spreadsheets import safe_cell
from workflows.supervision import scorecards
from workflows.supervision.periods import Period, month_key, parse_period
from workflows.supervision.weights import PARTS, weights_for
from workflows.unit_of_work import unit_of_work

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape())


def _month(key: str) -> Period:
    period = parse_period(key)
    if "Q" in period.key or len(period.key) != 7:  # a quarter or a year
        raise ValidationFailed([f"月报期间：“{key}”不是月份，请按 2026-11 填写"], "月报期间有误")
    if not period.closed(clock.today()):
        raise ValidationFailed([f"月报期间：{period.label}尚未结束，月报在次月第一个工作日生成"], "月报期间有误")
    return period


def make_monthly(session: Session, key: str, actor_id: int | None = None) -> SupervisionReport:
    """The month's report, made once: a second call gives the one already made."""
    period = _month(key)
    made = session.scalar(select(SupervisionReport).where(SupervisionReport.period == period.key))
    if made is not None:
        return made
    content = _content(session, period)
    report = SupervisionReport(period=period.key, content=content, xlsx=_workbook(content), created_at=clock.now())
    session.add(report)
    session.flush()
    audit.record(
        session, actor_id, "supervision_report", report.id, "supervision_report:made", None, {"period": period.key}
    )
    return report


def _content(session: Session, period: Period) -> dict:
    cards = scorecards.cards_for(session, period)
    weights = weights_for(session, period)

    def counted(column) -> int:
        return session.scalar(select(func.count()).where(column >= period.start_at, column < period.end_at))

    units = []
    for card in cards:
        review = card.part("review")
        late = next((f.value for f in review.figures if f.label == scorecards.LATE_REVIEWS), 0) if review else 0
        units.append(
            {
                "name": card.unit_name,
                "rank": card.rank,
                "score": card.score,
                "late": late,
                "parts": {p.key: card.part(p.key).score for p in PARTS if card.part(p.key)},
            }
        )
    return {
        "period": period.key,
        "label": period.label,
        "made_on": clock.today().isoformat(),
        "parts": [{"key": p.key, "label": p.label, "weight": weights.get(p.key, 0)} for p in PARTS],
        "units": units,
        "totals": [
            ["提交数据申请（件）", counted(Application.submitted_at)],
            ["办结数据申请（件）", counted(Application.decided_at)],
            ["新增授权（项）", counted(Grant.created_at)],
            ["逾期审核（件）", sum(u["late"] for u in units)],
            ["参加考核单位（个）", len(units)],
            [
                "平均得分",
                round(sum(u["score"] for u in units) / len(units), 1) if units else "—",
            ],
        ],
    }


def html(content: dict) -> str:
    return _env.get_template("monthly_report.html").render(c=content)


def _workbook(content: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "单位得分"
    sheet.append([safe_cell(f"夏邑县政务数据共享督导考核月报（{content['label']}）")])
    sheet.append(["单位", "排名", "总分", *(p["label"] for p in content["parts"]), "逾期审核（件）"])
    for u in content["units"]:
        sheet.append(
            [
                safe_cell(u["name"]),
                u["rank"],
                u["score"],
                *(u["parts"].get(p["key"]) for p in content["parts"]),
                u["late"],
            ]
        )
    totals = book.create_sheet("本月概况")
    for name, value in content["totals"]:
        totals.append([name, value])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def pdf_of(session: Session, report: SupervisionReport) -> bytes | None:
    """The stored PDF, rendered (in a child with a time budget) when not made yet; None when rendering failed."""
    if report.pdf is None:
        try:
            report.pdf = records.render_within(html(report.content), report.period)
        except records.RenderFailed:
            return None
        session.flush()
    return report.pdf


def make_due(session: Session) -> int:
    """The periodic pass: from the first working day of a month, last month's report if it is not made yet."""
    today = clock.today()
    if today < calendar.first_working_day_from(session, calendar.month_start(today)):
        return 0
    key = month_key(calendar.month_start(today, -1))
    if session.scalar(select(SupervisionReport.id).where(SupervisionReport.period == key)) is not None:
        return 0
    make_monthly(session, key)
    return 1


def may_read(session: Session, person: Person) -> bool:
    """The bureau's coordinators and the units' leaders (第一责任人, 分管领导, 科室负责人)."""
    if person.has_role(Role.COORDINATOR):
        return True
    return session.scalar(select(Responsibility.id).where(Responsibility.person_id == person.id).limit(1)) is not None


def listed(session: Session, person: Person) -> list[SupervisionReport]:
    if not may_read(session, person):
        raise Forbidden("督导考核月报供县大数据局协调员和各单位负责人查看")
    return list(session.scalars(select(SupervisionReport).order_by(SupervisionReport.period.desc())))


def get_report(session: Session, person: Person, key: str) -> SupervisionReport:
    if not may_read(session, person):
        raise Forbidden("督导考核月报供县大数据局协调员和各单位负责人查看")
    report = session.scalar(select(SupervisionReport).where(SupervisionReport.period == key[:7]))
    if report is None:
        raise NotFound("该月的月报尚未生成")
    return report


def render_pending(sessions) -> int:
    """The periodic pass renders what it made, so the first download is a stored file."""
    done = 0
    with unit_of_work(sessions) as session:
        for report in session.scalars(select(SupervisionReport).where(SupervisionReport.pdf.is_(None))):
            done += pdf_of(session, report) is not None
    return done
