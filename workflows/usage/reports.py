"""What the rollups tell: an interface's calls of the last 30 days, a grant's months, a unit's lists. Pages read
usage_daily only, never the raw records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import calendar, clock
from workflows.models import (
    NO_KEY,
    AnomalyKind,
    CallType,
    Grant,
    Incident,
    Interface,
    Resource,
    ResourceRefresh,
    Responsibility,
    Role,
    Unit,
    UsageAnomaly,
    UsageDaily,
)
from workflows.usage import anomalies

WINDOW_DAYS = 30  # an interface's frequency: its calls of the 30 days ending today (Asia/Shanghai)
MONTHS_SHOWN = 6


def window_start(today: date) -> date:
    return today - timedelta(days=WINDOW_DAYS - 1)


def interface_calls(today: date):
    """The calls of each interface over the window, as a column of a query on Interface (0 for none)."""
    return (
        select(func.coalesce(func.sum(UsageDaily.count), 0))
        .where(
            UsageDaily.interface_key == Interface.id,
            UsageDaily.call_type == CallType.INTERFACE,
            UsageDaily.day >= window_start(today),
            UsageDaily.day <= today,
        )
        .correlate(Interface)
        .scalar_subquery()
    )


@dataclass
class MonthRow:
    month: str  # 2026-03
    by_type: dict[str, int] = field(default_factory=dict)
    count: int = 0
    failed: int = 0

    @property
    def failed_ratio(self) -> str:
        return f"{self.failed / self.count:.1%}" if self.count else "—"


@dataclass
class GrantUsage:
    months: list[MonthRow]
    refreshed_at: datetime | None

    @property
    def this_month(self) -> MonthRow:
        return self.months[0]


def grant_usage(session: Session, grant: Grant) -> GrantUsage:
    """This month and the months before it, by call type, from the grant's rollups; the resource's last refresh."""
    today = clock.today()
    rows = session.execute(
        select(UsageDaily.day, UsageDaily.call_type, func.sum(UsageDaily.count), func.sum(UsageDaily.failed))
        .where(UsageDaily.grant_key == grant.id, UsageDaily.day >= calendar.month_start(today, 1 - MONTHS_SHOWN))
        .group_by(UsageDaily.day, UsageDaily.call_type)
    ).all()
    keys = [calendar.month_start(today, -back).strftime("%Y-%m") for back in range(MONTHS_SHOWN)]
    months = {key: MonthRow(key) for key in keys}
    for day, call_type, count, failed in rows:
        row = months.get(day.strftime("%Y-%m"))
        if row is not None:
            kind = CallType(call_type).value
            row.by_type[kind] = row.by_type.get(kind, 0) + int(count)
            row.count += int(count)
            row.failed += int(failed)
    refreshed = session.scalar(
        select(ResourceRefresh.updated_at).where(ResourceRefresh.resource_id == grant.resource_id)
    )
    return GrantUsage(list(months.values()), refreshed)


@dataclass
class UsageLine:
    grant_id: int | None
    unit_name: str
    resource_code: str
    resource_name: str
    count: int
    failed: int
    last_day: date | None

    @property
    def failed_ratio(self) -> str:
        return f"{self.failed / self.count:.1%}" if self.count else "—"


def visible_units(session: Session, person) -> list[Unit]:
    """The units whose usage the person sees: every unit for a coordinator, else the units where they hold a role
    that deals with shared data (申请人, 审核人, 目录管理员) or answer for it (第一责任人, 分管领导, 科室负责人: 谁使用谁负责)."""
    if person.has_role(Role.COORDINATOR):
        return list(session.scalars(select(Unit).where(Unit.active).order_by(Unit.code)))
    roles = (Role.APPLICANT, Role.REVIEWER, Role.UNIT_ADMIN)
    units = {m.unit_id: m.unit for m in person.memberships if m.role in roles}
    units |= {
        r.unit_id: r.unit for r in session.scalars(select(Responsibility).where(Responsibility.person_id == person.id))
    }
    return sorted(units.values(), key=lambda u: u.code)


@dataclass
class UnitUsage:
    as_grantee: list[UsageLine]
    as_provider: list[UsageLine]
    anomalies: list[tuple[UsageAnomaly, str, int | None]]  # with what each one is, in words, and its incident


def unit_usage_both(session: Session, unit_id: int) -> UnitUsage:
    """The /usage/ page of a unit: its calls as grantee and as provider, and the anomalies either side."""
    found = anomalies.recent(session, unit_id)
    incidents = dict(
        session.execute(
            select(Incident.anomaly_id, func.min(Incident.id))
            .where(Incident.anomaly_id.in_([a.id for a in found]))
            .group_by(Incident.anomaly_id)
        ).all()
    )
    return UnitUsage(
        unit_usage(session, unit_id, as_provider=False),
        unit_usage(session, unit_id, as_provider=True),
        [(a, anomalies.describe(a), incidents.get(a.id)) for a in found],
    )


def visible_anomaly(session: Session, person, anomaly_id: int | None) -> UsageAnomaly | None:
    """An anomaly the person sees on /usage/ (the using unit's or the provider's side, or any for the bureau)."""
    anomaly = session.get(UsageAnomaly, anomaly_id) if anomaly_id and 0 < anomaly_id < 2**31 else None
    if anomaly is None:
        return None
    seen = {u.id for u in visible_units(session, person)}
    return anomaly if seen & {anomaly.unit_id, anomaly.resource.provider_unit_id} else None


def anomaly_account(session: Session, anomaly: UsageAnomaly) -> str:
    """The anomaly in a sentence, for a 数据使用异议 or an incident made from it: what, when, who, and the answer."""
    grant = session.get(Grant, anomaly.grant_key) if anomaly.grant_key != NO_KEY else None
    under = f"（授权所属申请 {grant.application.number}）" if grant else ""
    keys = "、".join(anomaly.record_keys[:5]) + (" 等" if len(anomaly.record_keys) > 5 else "")
    said = f"使用单位说明：{anomaly.explanation.rstrip('。.．')}" if anomaly.explanation else "使用单位尚未说明"
    return (
        f"{account_head(anomaly)}{under}，"
        f"{AnomalyKind(anomaly.kind).label}：{anomalies.describe(anomaly)}。涉及调用 {anomaly.calls:,} 次"
        f"{f'，记录编号 {keys}' if keys else ''}。{said}。"
    )


def account_head(anomaly: UsageAnomaly) -> str:
    """How an account of the anomaly begins, whatever the unit has said since: an objection made from it starts so."""
    return f"使用异常监测发现：{anomaly.day.isoformat()} {anomaly.unit.name}调用「{anomaly.resource.name}」"


def unit_usage(session: Session, unit_id: int, as_provider: bool, days: int = WINDOW_DAYS) -> list[UsageLine]:
    """A unit's calls of the last `days` days per grant (and calls under no grant), as grantee or as provider."""
    since = clock.today() - timedelta(days=days - 1)
    user = Unit.__table__.alias("user_unit")
    query = (
        select(
            UsageDaily.grant_key,
            user.c.name,
            Resource.code,
            Resource.name,
            func.sum(UsageDaily.count),
            func.sum(UsageDaily.failed),
            func.max(UsageDaily.day),
        )
        .join(Resource, Resource.id == UsageDaily.resource_id)
        .join(user, user.c.id == UsageDaily.unit_id)
        .where(UsageDaily.day >= since)
        .group_by(UsageDaily.grant_key, user.c.name, Resource.code, Resource.name)
        .order_by(func.sum(UsageDaily.count).desc(), Resource.code)
        .limit(500)
    )
    query = (
        query.where(Resource.provider_unit_id == unit_id) if as_provider else query.where(UsageDaily.unit_id == unit_id)
    )
    return [
        UsageLine(grant if grant != NO_KEY else None, name, code, rname, int(count), int(failed), last)
        for grant, name, code, rname, count, failed, last in session.execute(query)
    ]
