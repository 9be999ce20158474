"""Who holds a role or a responsibility in a unit: the people that notices and task lists name."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from workflows.models import Person, Responsibility, ResponsibilityKind, Role, RoleMembership

_WITH_ROLE = (
    select(Person)
    .join(RoleMembership, RoleMembership.person_id == Person.id)
    .where(
        RoleMembership.unit_id == bindparam("unit_id"),
        RoleMembership.role == bindparam("role"),
        Person.active.is_(True),
    )
)


def people_with_role(session: Session, unit_id: int | None, role: Role | str) -> list[Person]:
    """Active people holding the role in the unit."""
    return list(session.scalars(_WITH_ROLE, {"unit_id": unit_id, "role": str(role)}))


def leader_in_charge(session: Session, unit_id: int | None) -> list[Person]:
    """The unit's current 分管领导 (R28), while active: told of reminders, escalations and revocations."""
    return list(
        session.scalars(
            select(Person)
            .join(Responsibility, Responsibility.person_id == Person.id)
            .where(
                Responsibility.unit_id == unit_id,
                Responsibility.kind == ResponsibilityKind.LEADER_IN_CHARGE,
                Person.active.is_(True),
            )
        )
    )


def coordinators(session: Session) -> list[Person]:
    """Everyone at the county data bureau who coordinates and receives escalations."""
    return list(
        session.scalars(
            select(Person)
            .join(RoleMembership, RoleMembership.person_id == Person.id)
            .where(RoleMembership.role == Role.COORDINATOR, Person.active.is_(True))
            .distinct()
        )
    )


def sysadmins(session: Session) -> list[Person]:
    """Everyone who keeps accounts and logins: told when one account fails to log in too often."""
    return list(
        session.scalars(
            select(Person)
            .join(RoleMembership, RoleMembership.person_id == Person.id)
            .where(RoleMembership.role == Role.SYSADMIN, Person.active.is_(True))
            .distinct()
        )
    )
