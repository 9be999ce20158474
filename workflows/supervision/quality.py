"""数据质量 and 使用效果 by level and class (三(四), 四(四)): one reckoning over the published resources, grouped by any
key of a resource (the resource, its provider, its class, its level, or class·level for the dashboard), so every
table adds up the same way."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from openpyxl import Workbook
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workflows import calendar, clock
from workflows.models import (
    Application,
    EffectRating,
    Grant,
    Objection,
    ObjectionOutcome,
    ObjectionType,
    Person,
    RatingStatus,
    Resource,
    ResourceRefresh,
    ResourceStatus,
    Role,
    Unit,
    UsageDaily,
)
from workflows.spreadsheets import safe_cell
from workflows.supervision import scorecards
from workflows.supervision.periods import Period

CYCLE_DAYS = {"realtime": 1, "daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "yearly": 366}
NONE = "—"


@dataclass
class Tally:
    """What one group of resources adds up to: calls and failures, platform refresh reports and how many were in time,
    upheld 纠错/质量 objections, grants narrowed below the request, and the effect ratings received."""

    calls: int = 0
    failed: int = 0
    reported: int = 0
    fresh: int = 0
    upheld: int = 0
    narrowed: int = 0
    ratings: int = 0
    usefulness: int = 0  # the sum of the ratings' usefulness

    @property
    def availability(self) -> float | str:
        return round(100 * (1 - self.failed / self.calls), 1) if self.calls else NONE

    @property
    def timeliness(self) -> float | str:
        return round(100 * self.fresh / self.reported, 1) if self.reported else NONE

    @property
    def average_usefulness(self) -> float | str:
        return round(self.usefulness / self.ratings, 2) if self.ratings else NONE


Key = Callable[[Resource], str]


def reckon(
    session: Session,
    resources: list[Resource],
    key: Key,
    start: datetime,
    ratings: list[EffectRating] = (),
    end: datetime | None = None,
) -> dict[str, Tally]:
    """Each group's tally from start (until end, if given); the ratings given are counted under their grant's
    resource's group. Timeliness is the refreshes' state now: the platform reports only each resource's latest."""
    group = {r.id: key(r) for r in resources}
    tallies: dict[str, Tally] = {k: Tally() for k in sorted(set(group.values()))}
    for resource_id, count, lost in session.execute(
        select(UsageDaily.resource_id, func.sum(UsageDaily.count), func.sum(UsageDaily.failed))
        .where(_within(UsageDaily.day, clock.local(start).date(), end and clock.local(end).date()))
        .group_by(UsageDaily.resource_id)
    ):
        if resource_id in group:
            tallies[group[resource_id]].calls += int(count or 0)
            tallies[group[resource_id]].failed += int(lost or 0)
    now, cycles = clock.now(), {r.id: CYCLE_DAYS.get(str(r.update_cycle), 31) for r in resources}
    for resource_id, updated in session.execute(select(ResourceRefresh.resource_id, ResourceRefresh.updated_at)):
        if resource_id in group:
            tallies[group[resource_id]].reported += 1
            tallies[group[resource_id]].fresh += (now - updated).days <= cycles[resource_id]
    for (resource_id,) in session.execute(
        select(Objection.resource_id).where(
            Objection.kind.in_([ObjectionType.CATALOG_CORRECTION, ObjectionType.QUALITY_DISPUTE]),
            Objection.outcome == ObjectionOutcome.UPHELD,
            _within(Objection.closed_at, start, end),
        )
    ):
        if resource_id in group:
            tallies[group[resource_id]].upheld += 1
    for resource_id, granted, asked in session.execute(
        select(Grant.resource_id, Grant.items, Application.items)
        .join(Application, Grant.application_id == Application.id)
        .where(_within(Grant.created_at, start, end))
    ):
        if resource_id in group and set(granted) < set(asked):
            tallies[group[resource_id]].narrowed += 1
    for rating in ratings:
        if rating.grant.resource_id in group and rating.usefulness:
            tallies[group[rating.grant.resource_id]].ratings += 1
            tallies[group[rating.grant.resource_id]].usefulness += rating.usefulness
    return tallies


def _within(column, start: datetime | date, end: datetime | date | None):
    """From start, and before end when there is one."""
    return (column >= start) if end is None else (column >= start) & (column < end)


# --- the quality page: effect and quality by resource, provider, class and level --------------------------------
GROUPINGS: tuple[tuple[str, str, Key], ...] = (
    ("resource", "按资源", lambda r: f"{r.code} {r.name}"),
    ("provider", "按提供单位", lambda r: r.provider_unit.name),
    ("class", "按资源分类", lambda r: r.category_class.label),
    ("level", "按数据分级", lambda r: r.sensitivity.label),
)
COLUMNS = (
    "评价次数",
    "平均有用程度（1–5）",
    "可用性（调用成功率 %）",
    "时效性（按期更新 %）",
    "准确性（认定成立的纠错和质量异议，件）",
    "完整性（少于申请信息项的授权，项）",
)


@dataclass
class Table:
    key: str
    title: str
    rows: list[list] = field(default_factory=list)  # the group, then a value per column


@dataclass
class QualityPage:
    unit: Unit | None  # None: the whole county, for the bureau
    since: date
    period: Period | None  # None: the last twelve months
    tables: list[Table]
    ratings: list[EffectRating]  # the effect ratings in view, newest first
    units: list[Unit] = field(default_factory=list)  # what the bureau may choose to look at

    @property
    def span(self) -> str:
        return self.period.label if self.period else f"{self.since} 以来"


def _row(name: str, t: Tally) -> list:
    return [name, t.ratings, t.average_usefulness, t.availability, t.timeliness, t.upheld, t.narrowed]


def _in_view(
    session: Session, unit: Unit | None, start: datetime, end: datetime | None
) -> tuple[list[Resource], list[EffectRating]]:
    """The county's published resources and ratings; for one unit, the resources it provides or holds grants on and the
    ratings of those grants it may see (given by it, or given on its data)."""
    resources = select(Resource).where(Resource.status == ResourceStatus.PUBLISHED)
    ratings = (
        select(EffectRating)
        .join(Grant, EffectRating.grant_id == Grant.id)
        .join(Resource, Grant.resource_id == Resource.id)
        .where(EffectRating.status == RatingStatus.DONE, _within(EffectRating.rated_at, start, end))
    )
    if unit is not None:
        held = select(Grant.resource_id).where(Grant.unit_id == unit.id)
        resources = resources.where(or_(Resource.provider_unit_id == unit.id, Resource.id.in_(held)))
        ratings = ratings.where(or_(Grant.unit_id == unit.id, Resource.provider_unit_id == unit.id))
    found = list(session.scalars(resources.order_by(Resource.code)))
    return found, list(session.scalars(ratings.order_by(EffectRating.rated_at.desc())).unique())


def quality_page(
    session: Session, person: Person, unit_id: int | None = None, period: Period | None = None
) -> QualityPage:
    """The tables a person may read over a month, quarter or year, or else the last twelve months: the bureau the
    county's (or a chosen unit's), a unit's people their unit's data as provider and as grantee."""
    unit = scorecards.unit_in_view(session, person, unit_id, "只能查看本单位的使用效果和数据质量，或联系县大数据局")
    if period is None:
        start, end = clock.start_of_day(calendar.month_start(clock.today(), -11)), None  # this month and 11 before
    else:
        start, end = period.start_at, period.end_at
    resources, ratings = _in_view(session, unit, start, end)
    tables = [
        Table(key, title, [_row(name, t) for name, t in reckon(session, resources, group, start, ratings, end).items()])
        for key, title, group in GROUPINGS
    ]
    page = QualityPage(unit, clock.local(start).date(), period, tables, ratings)
    if person.has_role(Role.COORDINATOR):
        page.units = list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)))
    return page


def workbook(page: QualityPage) -> bytes:
    """Each table as a sheet, and the ratings with their effect in the unit's own words."""
    book = Workbook()
    scope = page.unit.name if page.unit else "全县"
    for index, table in enumerate(page.tables):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = table.title
        sheet.append([safe_cell(f"{scope} · 使用效果和数据质量{table.title}（{page.span}，{clock.today()} 导出）")])
        sheet.append(["", *COLUMNS])
        for row in table.rows:
            sheet.append([safe_cell(value) for value in row])
    sheet = book.create_sheet("使用效果评价")
    sheet.append(["评价季度", "资源", "获得授权的单位", "有用程度", "使用效果", "意见建议", "是否按期"])
    for r in page.ratings:
        sheet.append(
            [
                safe_cell(value)
                for value in (
                    r.quarter_label,
                    r.grant.resource.name,
                    r.grant.unit.name,
                    r.usefulness,
                    r.effect,
                    r.comment,
                    "按期" if r.on_time else "逾期",
                )
            ]
        )
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
