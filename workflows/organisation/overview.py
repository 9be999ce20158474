"""What the organisation pages show, gathered in one call per page so views only render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import case_names, clock
from workflows.models import HumanTask, LoginFailure, Person, Role, RoleMembership, Unit, UnitKind
from workflows.organisation import handovers, login_throttle, people, responsibilities, units
from workflows.organisation.login_throttle import LoginPolicy
from workflows.organisation.responsibilities import UnitResponsibles
from workflows.organisation.scope import AdminScope


def grantable_roles(scope: AdminScope, role_units: list[Unit]) -> list[Role]:
    """The roles this administrator may give in these units (协调员 only where the bureau is among them)."""
    bureau = any(u.kind == UnitKind.COORDINATOR for u in role_units)
    return [r for r in Role if scope.may_grant(r) and (r != Role.COORDINATOR or bureau)]


@dataclass
class PersonPage:
    person: Person
    role_units: list[Unit]  # where this administrator may give roles
    grantable: list[Role]
    open_tasks: list[HumanTask]
    failures: int
    colleagues: dict[int, list[Person]]  # per unit: who could take over a role's open tasks
    may_edit_unit: bool
    names: dict[int, str] = field(default_factory=dict)  # case names of the open tasks, by instance id


def person_page(session: Session, scope: AdminScope, person_id: int) -> PersonPage:
    person = people.managed_person(session, scope, person_id)
    role_units = units.visible_units(session, scope, include_inactive=False)
    colleagues = {}
    for unit_id in {m.unit_id for m in person.memberships}:
        colleagues[unit_id] = list(
            session.scalars(
                select(Person)
                .where(Person.unit_id == unit_id, Person.active.is_(True), Person.id != person.id)
                .order_by(Person.id)
            )
        )
    failures = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == person.username, LoginFailure.at >= clock.now() - login_throttle.ACCOUNT_MEMORY)
    )
    open_tasks = people.assigned_open_tasks(session, person.id)
    return PersonPage(
        person,
        role_units,
        grantable_roles(scope, role_units),
        open_tasks,
        failures,
        colleagues,
        scope.everything or len(scope.unit_ids) > 1,
        case_names.for_tasks(session, open_tasks),
    )


@dataclass
class UnitRow:
    unit: Unit
    responsibles: UnitResponsibles
    active_people: int


def unit_rows(session: Session, scope: AdminScope, kind: str = "") -> list[UnitRow]:
    """The units this administrator sees, of one kind (县直部门, 乡镇（街道）…) when one is chosen."""
    chosen = UnitKind.parse(kind) if kind else None
    listed = [u for u in units.visible_units(session, scope) if chosen is None or u.kind == chosen]
    counts = dict(
        session.execute(
            select(Person.unit_id, func.count()).where(Person.active.is_(True)).group_by(Person.unit_id)
        ).all()
    )
    return [UnitRow(r.unit, r, counts.get(r.unit.id, 0)) for r in responsibilities.responsibles(session, listed)]


@dataclass
class UnitPage:
    unit: Unit
    responsibles: UnitResponsibles
    members: list[tuple[Person, list[str]]]  # people holding roles in the unit, with those roles
    candidates: list[Person]  # active people of the unit, for the responsible persons
    manageable: set[int]  # whose page this administrator may open
    blockers: list[str] = field(default_factory=list)
    revocable: set[tuple[int, str]] = field(default_factory=set)  # roles here of people now in another unit


def unit_page(session: Session, scope: AdminScope, unit_id: int) -> UnitPage:
    scope.require_unit(unit_id)
    unit = units.get_unit(session, unit_id)
    members: dict[int, tuple[Person, list[str]]] = {}
    for m in session.scalars(
        select(RoleMembership)
        .join(Person)
        .where(RoleMembership.unit_id == unit_id)
        .order_by(Person.active.desc(), Person.id, RoleMembership.id)
    ):
        members.setdefault(m.person_id, (m.person, []))[1].append(m.role)
    candidates = list(
        session.scalars(select(Person).where(Person.unit_id == unit_id, Person.active.is_(True)).order_by(Person.id))
    )
    manageable = {p.id for p, _ in members.values() if scope.may_manage(p)}
    revocable = {(p.id, r) for p, held in members.values() if p.unit_id != unit_id for r in held if scope.may_grant(r)}
    page = UnitPage(
        unit,
        responsibilities.responsibles(session, [unit])[0],
        list(members.values()),
        candidates,
        manageable,
        revocable=revocable,
    )
    if scope.everything and unit.active:
        page.blockers = units.blockers(session, unit_id)
    return page


@dataclass
class AccountFailures:
    username: str
    person: Person | None
    count: int
    addresses: int
    last_at: datetime
    wait: login_throttle.Wait | None  # the longest any address faces
    alerted: bool  # reached the daily ceiling: the sysadmins were told


def login_watch(session: Session, scope: AdminScope, policy: LoginPolicy) -> list[AccountFailures]:
    """Accounts with failed logins still counted against them, most recent first (the sysadmin unlocks them)."""
    scope.require_sysadmin("查看登录失败和锁定情况")
    rows = session.execute(
        select(
            LoginFailure.username, func.count(), func.count(LoginFailure.address.distinct()), func.max(LoginFailure.at)
        )
        .where(LoginFailure.at >= clock.now() - login_throttle.ACCOUNT_MEMORY)
        .group_by(LoginFailure.username)
        .order_by(func.max(LoginFailure.at).desc())
        .limit(200)
    ).all()
    names = [r[0] for r in rows]
    known = {p.username: p for p in session.scalars(select(Person).where(Person.username.in_(names)))}
    alerted = login_throttle.alerted_accounts(session, names)
    return [
        AccountFailures(
            name,
            known.get(name),
            count,
            addresses,
            clock.as_utc(last),
            login_throttle.longest_wait(session, name, policy),
            name in alerted,
        )
        for name, count, addresses, last in rows
    ]


def waiting_tasks(session: Session, scope: AdminScope) -> list[tuple[HumanTask, list[Person]]]:
    """Open tasks of deactivated people, each with who may take it over."""
    return [(task, handovers.successors(session, task)) for task in handovers.waiting_tasks(session, scope)]
