"""What a unit loses when a person leaves it or gives up its 目录管理员 role: asked before, flagged after.

A unit without a 目录管理员 has nobody to keep its catalog and people, and one without its 第一责任人,
分管领导 or 科室负责人 lacks who is accountable (R28); such a move goes ahead only once confirmed, and the
unit then shows among the units lacking someone (units page, coordinators' workbench).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import audit
from workflows.errors import DomainError
from workflows.models import Person, Responsibility, ResponsibilityKind, Role, RoleMembership, Unit


class UnitWouldLose(DomainError):
    """Nothing was changed: the page names what the unit would lose and asks to confirm."""

    status = 409
    code = "confirmation_needed"


def active_admins(session: Session, unit_ids: list[int]) -> dict[int, int]:
    """How many active people hold 目录管理员 in each unit."""
    return dict(
        session.execute(
            select(RoleMembership.unit_id, func.count())
            .join(Person)
            .where(
                RoleMembership.unit_id.in_(unit_ids), RoleMembership.role == Role.UNIT_ADMIN, Person.active.is_(True)
            )
            .group_by(RoleMembership.unit_id)
        ).all()
    )


def _only_admin(session: Session, person: Person, unit: Unit) -> bool:
    return (
        person.active
        and person.has_role(Role.UNIT_ADMIN, unit.id)
        and active_admins(session, [unit.id]).get(unit.id, 0) <= 1
    )


def _held(session: Session, person: Person, unit: Unit) -> list[Responsibility]:
    return list(
        session.scalars(
            select(Responsibility).where(Responsibility.unit_id == unit.id, Responsibility.person_id == person.id)
        )
    )


def require_confirmed(session: Session, person: Person, unit: Unit, step: str, confirmed: bool, leaving: bool) -> None:
    """Refuse (UnitWouldLose) a step that takes the unit's only 目录管理员 (leaving or giving up the role) or,
    when the person leaves the unit, one of its responsible persons, unless it was confirmed."""
    lost: list[tuple[str, str]] = []  # (what, the sentence saying it and what to do next)
    if _only_admin(session, person, unit):
        lost.append(
            (
                "唯一的目录管理员",
                f"{person.display_name}是{unit.name}唯一的目录管理员：{step}后{unit.name}"
                "将没有人维护资源目录和本单位人员，请尽快为其授予新的目录管理员",
            )
        )
    for row in _held(session, person, unit) if leaving else []:
        kind = ResponsibilityKind(row.kind).label
        lost.append(
            (
                kind,
                f"{person.display_name}是{unit.name}的{kind}：{step}后该职责将空缺，" f"请尽快在单位页面重新指定{kind}",
            )
        )
    if lost and not confirmed:
        raise UnitWouldLose(
            f"{step}会使{unit.name}失去{'、'.join(what for what, _ in lost)}，请确认后再办理",
            [text for _, text in lost],
        )


def leave_responsibilities(session: Session, actor_id: int | None, person: Person, unit: Unit) -> list[str]:
    """The person leaves the unit: its responsibilities they held fall vacant (and the unit is flagged)."""
    vacated = []
    for row in _held(session, person, unit):
        kind = ResponsibilityKind(row.kind)
        session.delete(row)
        vacated.append(kind.label)
        audit.record(
            session,
            actor_id,
            "unit",
            unit.id,
            "responsibility:set",
            {"kind": kind.value, "person": person.username},
            {"kind": kind.value, "person": None},
        )
    session.flush()
    return vacated
