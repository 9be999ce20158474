"""我的工作台: a person's units and roles, responsibilities, open tasks and, for coordinators, late units and
units lacking a responsible person."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.engine import tasks
from workflows.errors import NotFound
from workflows.models import HumanTask, Person, Responsibility, Role, RoleMembership
from workflows.organisation import responsibilities
from workflows.supervision import timeliness


@dataclass
class Workbench:
    person: Person
    roles_by_unit: dict[str, list[str]] = field(default_factory=dict)
    responsibilities: list[Responsibility] = field(default_factory=list)
    open_tasks: list[HumanTask] = field(default_factory=list)
    timeliness: list = field(default_factory=list)  # per unit, for coordinators (督办)
    responsible_gaps: list = field(default_factory=list)  # units lacking one of their three responsible persons (R28)

    @property
    def overdue_count(self) -> int:
        return sum(1 for t in self.open_tasks if t.is_overdue())


def workbench(session: Session, person_id: int) -> Workbench:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("用户不存在")
    bench = Workbench(person=person)
    for m in session.scalars(select(RoleMembership).where(RoleMembership.person_id == person_id)
                             .order_by(RoleMembership.unit_id, RoleMembership.id)):
        bench.roles_by_unit.setdefault(m.unit.name, []).append(m.role)
    bench.responsibilities = list(session.scalars(select(Responsibility).where(
        Responsibility.person_id == person_id)))
    bench.open_tasks = tasks.open_tasks_for(session, person)
    if person.has_role(Role.COORDINATOR):
        bench.timeliness = [row for row in timeliness.timeliness_by_unit(session)
                           if row.open_overdue or row.done_late or row.returned]
        bench.responsible_gaps = responsibilities.gaps(session)
    return bench
