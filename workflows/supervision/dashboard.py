"""督导考核 dashboard: the county's (or one unit's) figures by month, each chart with the table it is drawn from, so
what a chart shows can be read, checked and exported. Everything is computed from the rows the cases keep."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workflows import calendar, clock
from workflows.spreadsheets import safe_cell
from workflows.models import (
    Application,
    Grant,
    HumanTask,
    Person,
    Resource,
    ResourceStatus,
    Role,
    TaskStatus,
    Unit,
    UsageDaily,
)
from workflows.supervision import periods, quality, reports, scorecards

MONTHS = 12  # the trends look back a year
TOP = 10


@dataclass
class Chart:
    """One chart and its table: categories along one axis, one series per line or bar."""

    key: str
    title: str
    kind: str  # line, stack (stacked bars) or rank (horizontal bars, the first category on top)
    categories: list[str]
    series: list[tuple[str, list[float]]]
    note: str = ""

    def rows(self) -> list[list]:
        """The table under the chart: a row per category, a column per series."""
        return [[c, *(values[i] for _, values in self.series)] for i, c in enumerate(self.categories)]


@dataclass
class Dashboard:
    unit: Unit | None  # None: the whole county
    months: list[str]
    charts: list[Chart] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)  # what the bureau may choose to look at
    reports: bool = False  # whether the person reads the monthly reports (the bureau, the units' leaders)


def _month_keys(today: date) -> list[str]:
    return [periods.month_key(calendar.month_start(today, back)) for back in range(1 - MONTHS, 1)]


def _month_of(instant: datetime | None) -> str | None:
    if instant is None:
        return None
    return periods.month_key(clock.local(instant))


def _counted(months: list[str], instants) -> list[float]:
    found = Counter(_month_of(i) for i in instants)
    return [found.get(m, 0) for m in months]


def dashboard(session: Session, person: Person, unit_id: int | None = None) -> Dashboard:
    unit = scorecards.unit_in_view(session, person, unit_id, "只能查看本单位的统计，或联系县大数据局")
    months = _month_keys(clock.today())
    start = clock.start_of_day(date.fromisoformat(months[0] + "-01"))
    board = Dashboard(unit, months, reports=reports.may_read(session, person))
    if person.has_role(Role.COORDINATOR):
        board.units = list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)))
    applied = _applications(session, unit, start)  # read once: the trend and the top resources both count them
    board.charts.append(_trend(session, unit, months, start, applied))
    board.charts.append(_overdue(session, unit, months, start))
    board.charts.append(_top_resources(session, applied))
    board.charts.extend(_top_used(session, unit, start))
    board.charts.append(_ranking(session, unit))
    board.charts.append(_quality(session, unit, start))
    return board


def _applications(session: Session, unit: Unit | None, start: datetime):
    query = select(Application.submitted_at, Application.decided_at, Application.resource_id).where(
        Application.submitted_at >= start
    )
    if unit is not None:
        query = query.where(or_(Application.applicant_unit_id == unit.id, Application.provider_unit_id == unit.id))
    return session.execute(query).all()


def _trend(session: Session, unit: Unit | None, months: list[str], start: datetime, rows: list) -> Chart:
    grants = select(Grant.created_at).join(Resource, Grant.resource_id == Resource.id).where(Grant.created_at >= start)
    if unit is not None:
        grants = grants.where(or_(Grant.unit_id == unit.id, Resource.provider_unit_id == unit.id))
    return Chart(
        "trend",
        "月度趋势：申请、办结与授权",
        "line",
        months,
        [
            ("提交申请", _counted(months, (r.submitted_at for r in rows))),
            ("办结申请", _counted(months, (r.decided_at for r in rows))),
            ("新增授权", _counted(months, session.scalars(grants))),
        ],
        "按提交、办结和授权的月份统计（北京时间）",
    )


def _overdue(session: Session, unit: Unit | None, months: list[str], start: datetime) -> Chart:
    """Tasks due in each month and late: done after their day, or still open past it."""
    now = clock.now()
    query = select(HumanTask.unit_id, HumanTask.due_at, HumanTask.completed_at, HumanTask.status).where(
        HumanTask.due_at >= start, HumanTask.due_at < now, HumanTask.unit_id.is_not(None)
    )
    if unit is not None:
        query = query.where(HumanTask.unit_id == unit.id)
    late: dict[int, Counter] = {}
    for unit_id, due_at, completed_at, status in session.execute(query):
        if (completed_at or now) > due_at and (completed_at is not None or status == TaskStatus.OPEN):
            late.setdefault(unit_id, Counter())[_month_of(due_at)] += 1
    names = dict(session.execute(select(Unit.id, Unit.short_name).where(Unit.id.in_(late))).all()) if late else {}
    series = sorted(
        ((names[u], [counts.get(m, 0) for m in months]) for u, counts in late.items()), key=lambda s: -sum(s[1])
    )
    return Chart(
        "overdue",
        "逾期办理：按单位和月份",
        "stack",
        months,
        series or [("无逾期", [0] * len(months))],
        "期限在该月、逾期办结或逾期未办的任务件数",
    )


def _top_resources(session: Session, rows: list) -> Chart:
    counts = Counter(r.resource_id for r in rows if r.submitted_at is not None).most_common(TOP)
    names = (
        dict(session.execute(select(Resource.id, Resource.name).where(Resource.id.in_([i for i, _ in counts]))).all())
        if counts
        else {}
    )
    return Chart(
        "resources",
        f"申请最多的资源（前 {TOP} 位）",
        "rank",
        [names[i] for i, _ in counts],
        [("申请件数", [n for _, n in counts])],
        "近 12 个月提交的申请",
    )


def _top_used(session: Session, unit: Unit | None, start: datetime) -> list[Chart]:
    """The calls of the last 12 months from the daily rollups (never the raw records): by resource, and by the
    scenario of the grant they came under (四(四): know the scenario of the data used and shared)."""
    since = clock.local(start).date()
    calls = func.sum(UsageDaily.count)
    scope = [UsageDaily.day >= since]
    if unit is not None:
        scope.append(or_(UsageDaily.unit_id == unit.id, Resource.provider_unit_id == unit.id))
    by_resource = session.execute(
        select(Resource.name, calls)
        .join(Resource, Resource.id == UsageDaily.resource_id)
        .where(*scope)
        .group_by(Resource.id, Resource.name)
        .order_by(calls.desc(), Resource.name)
        .limit(TOP)
    ).all()
    by_scenario = [
        (NO_GRANT if scenario is None else scenario, n)  # a call under no grant has no scenario of a grant
        for scenario, n in session.execute(
            select(Grant.scenario, calls)
            .join(Resource, Resource.id == UsageDaily.resource_id)
            .outerjoin(Grant, Grant.id == UsageDaily.grant_key)
            .where(*scope)
            .group_by(Grant.scenario)
            .order_by(calls.desc())
            .limit(TOP)
        )
    ]
    return [
        Chart(
            "calls",
            f"调用最多的资源（前 {TOP} 位）",
            "rank",
            [name for name, _ in by_resource],
            [("调用次数", [int(n) for _, n in by_resource])],
            "近 12 个月数据平台报送和单位上传的调用次数（按日汇总）",
        ),
        Chart(
            "scenarios",
            f"按应用场景的调用（前 {TOP} 位）",
            "rank",
            [scenario for scenario, _ in by_scenario],
            [("调用次数", [int(n) for _, n in by_scenario])],
            f"应用场景为授权所载的场景；“{NO_GRANT}”为未对应任何授权的调用",
        ),
    ]


NO_GRANT = "无授权调用"


def _ranking(session: Session, unit: Unit | None) -> Chart:
    today = clock.today()
    period = periods.parse_period(periods.month_key(today))
    cards = scorecards.cards_for(session, period)
    if unit is not None:
        cards = [c for c in cards if c.unit_id == unit.id]
    cards = sorted(cards, key=lambda c: (-c.score, c.unit_name))  # first the highest, in the table and the chart
    return Chart(
        "ranking",
        f"单位考核得分（{period.label}）",
        "rank",
        [c.unit_name for c in cards],
        [("总分", [c.score for c in cards])],
        "得分明细见“单位考核排名”",
    )


def _quality(session: Session, unit: Unit | None, start: datetime) -> Chart:
    """数据质量 by resource class and sensitivity level (三(四)), reckoned as the quality page reckons it."""
    resources = select(Resource).where(Resource.status == ResourceStatus.PUBLISHED)
    if unit is not None:
        resources = resources.where(Resource.provider_unit_id == unit.id)
    tallies = quality.reckon(
        session, list(session.scalars(resources)), lambda r: f"{r.category_class.label}·{r.sensitivity.label}", start
    )
    keys = list(tallies)
    return Chart(
        "quality",
        "数据质量：按资源分类和数据分级",
        "bar",
        keys,
        [
            ("可用性（调用成功率 %）", [tallies[k].availability for k in keys]),
            ("时效性（按期更新的资源 %）", [tallies[k].timeliness for k in keys]),
            ("准确性（认定成立的纠错和质量异议，件）", [tallies[k].upheld for k in keys]),
            ("完整性（少于申请信息项的授权，项）", [tallies[k].narrowed for k in keys]),
        ],
        "可用性、时效性为百分比（没有调用或更新报告的为“—”）；准确性、完整性为件数，越少越好",
    )


def workbook(board: Dashboard) -> bytes:
    """Every chart's table as a sheet: what the dashboard shows, for the city bureau or a meeting."""
    book = Workbook()
    scope = board.unit.name if board.unit else "全县"
    for index, chart in enumerate(board.charts):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = chart.title.split("：")[0][:31]
        sheet.append([safe_cell(f"{scope} · {chart.title}（{clock.today()} 导出）")])
        sheet.append(["", *(name for name, _ in chart.series)])
        for row in chart.rows():
            sheet.append([safe_cell(value) for value in row])
        if chart.note:
            sheet.append([safe_cell(f"说明：{chart.note}")])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
