"""我的工作台: a person's units and roles, responsibilities, open tasks, for a unit's responsible persons what their
unit stands at, and for coordinators late units and units lacking a responsible person."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import calendar, case_names, clock
from workflows.engine import TASK_ROWS, tasks
from workflows.errors import NotFound
from workflows.incidents import service as incidents
from workflows.models import HumanTask, Person, Responsibility, Role, RoleMembership, Scorecard, TaskStatus, Unit
from workflows.organisation import responsibilities
from workflows.supervision import timeliness
from workflows.supervision.periods import Period, month_key, parse_period
from workflows.usage import anomalies


@dataclass
class OverdueCase:
    task: HumanTask
    case_name: str
    unit_name: str
    days_overdue: int  # working days past the deadline


@dataclass
class UnitGlance:
    """What a unit's 第一责任人, 分管领导 and 科室负责人 look at first (六(一): they answer for the unit's sharing):
    last month's kept score and rank, the calls the unit has still to explain, its incidents being handled and its
    tasks past their day, each opening the page that lists them."""

    unit: Unit
    period: Period  # last month
    card: Scorecard | None  # None until the periodic pass keeps the month's cards after it ends
    units_ranked: int
    unexplained: int
    open_incidents: int
    overdue_tasks: int
    late: list[OverdueCase] = field(default_factory=list)  # the longest overdue, named (a leader cannot open them)


@dataclass
class Workbench:
    person: Person
    roles_by_unit: dict[str, list[str]] = field(default_factory=dict)
    responsibilities: list[Responsibility] = field(default_factory=list)
    open_tasks: list[HumanTask] = field(default_factory=list)
    timeliness: list = field(default_factory=list)  # per unit, for coordinators (督办)
    responsible_gaps: list = field(default_factory=list)  # units lacking one of their three responsible persons (R28)
    names: dict[int, str] = field(default_factory=dict)  # case names by instance id
    nudges: dict[int, str] = field(default_factory=dict)  # 催办 / 督办 by task id
    overdue_cases: list[OverdueCase] = field(default_factory=list)  # for coordinators: the 督办 list
    open_incidents: list[tuple[Unit, int]] = field(default_factory=list)  # for coordinators: 处置中 安全事件 per unit
    glances: list[UnitGlance] = field(default_factory=list)  # for a unit's responsible persons

    @property
    def overdue_count(self) -> int:
        return sum(1 for t in self.open_tasks if t.is_overdue())


def workbench(session: Session, person_id: int) -> Workbench:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("用户不存在")
    bench = Workbench(person=person)
    for m in session.scalars(
        select(RoleMembership)
        .where(RoleMembership.person_id == person_id)
        .order_by(RoleMembership.unit_id, RoleMembership.id)
    ):
        bench.roles_by_unit.setdefault(m.unit.name, []).append(m.role)
    bench.responsibilities = list(session.scalars(select(Responsibility).where(Responsibility.person_id == person_id)))
    bench.open_tasks = tasks.open_tasks_for(session, person)
    bench.glances = glances(session, sorted({r.unit_id for r in bench.responsibilities}))
    overdue: list[HumanTask] = []
    if person.has_role(Role.COORDINATOR):
        bench.timeliness = [
            row for row in timeliness.timeliness_by_unit(session) if row.open_overdue or row.done_late or row.returned
        ]
        bench.responsible_gaps = responsibilities.gaps(session)
        counts = incidents.open_counts_by_unit(session)
        bench.open_incidents = sorted(
            ((session.get(Unit, unit_id), n) for unit_id, n in counts.items()), key=lambda row: (-row[1], row[0].code)
        )
        overdue = overdue_tasks(session)
    bench.names = case_names.for_tasks(session, bench.open_tasks + overdue)
    bench.nudges = tasks.nudges(session, bench.open_tasks)
    bench.overdue_cases = [
        OverdueCase(t, bench.names[t.instance_id], t.unit.name if t.unit else "", days_overdue(session, t))
        for t in overdue
    ]
    return bench


def glances(session: Session, unit_ids: list[int]) -> list[UnitGlance]:
    if not unit_ids:
        return []
    period = parse_period(month_key(calendar.month_start(clock.today(), -1)))
    ranked = session.scalar(select(func.count()).select_from(Scorecard).where(Scorecard.period == period.key))
    cards = {
        c.unit_id: c
        for c in session.scalars(
            select(Scorecard).where(Scorecard.period == period.key, Scorecard.unit_id.in_(unit_ids))
        )
    }
    incidents_open = incidents.open_counts_by_unit(session)
    late = dict(
        session.execute(
            select(HumanTask.unit_id, func.count())
            .where(HumanTask.status == TaskStatus.OPEN, HumanTask.due_at < clock.now())
            .where(HumanTask.unit_id.in_(unit_ids))
            .group_by(HumanTask.unit_id)
        ).all()
    )
    glanced = [
        UnitGlance(
            session.get(Unit, unit_id),
            period,
            cards.get(unit_id),
            ranked or 0,
            anomalies.unexplained(session, unit_id),
            incidents_open.get(unit_id, 0),
            late.get(unit_id, 0),
        )
        for unit_id in unit_ids
    ]
    for glance in glanced:
        if glance.overdue_tasks:
            named = overdue_tasks(session, glance.unit.id, limit=GLANCE_LATE)
            names = case_names.for_tasks(session, named)
            glance.late = [OverdueCase(t, names[t.instance_id], "", days_overdue(session, t)) for t in named]
    return glanced


GLANCE_LATE = 5  # overdue tasks named on a unit's glance


def overdue_tasks(session: Session, unit_id: int | None = None, limit: int = 200) -> list[HumanTask]:
    """Every open task past its deadline, in every unit or one, longest overdue first."""
    query = (
        select(HumanTask)
        .options(TASK_ROWS)
        .where(HumanTask.status == TaskStatus.OPEN, HumanTask.due_at.is_not(None), HumanTask.due_at < clock.now())
    )
    if unit_id is not None:
        query = query.where(HumanTask.unit_id == unit_id)
    return list(session.scalars(query.order_by(HumanTask.due_at, HumanTask.id).limit(limit)))


def days_overdue(session: Session, task: HumanTask) -> int:
    """Working days from the deadline to today (at least 1 once it has passed)."""
    days = calendar.working_days_between(session, clock.local(task.due_at).date(), clock.today())
    return max(days, 1)
