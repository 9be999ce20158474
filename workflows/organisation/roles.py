"""Roles per unit: who may give which, and the rules that keep the county's work running."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit
from workflows.errors import Conflict, NotFound, ValidationFailed
from workflows.models import Person, Role, RoleMembership, Unit, UnitKind
from workflows.organisation import handovers, losses
from workflows.organisation.scope import AdminScope


def parse_role(text: str) -> Role | None:
    """A role from its code (reviewer) or its Chinese label (审核人; 协调员 without its note in brackets)."""
    text = (text or "").strip()
    return next((r for r in Role if text in (r.value, r.label, r.label.split("（")[0])), None)


def role_problem(role: Role, unit: Unit) -> str | None:
    """Why a unit may not hold a role, or None."""
    if role == Role.COORDINATOR and unit.kind != UnitKind.COORDINATOR:
        return f"“{role.label}”只能在协调单位（县大数据局）担任，{unit.name}不能设此角色"
    if not unit.active:
        return f"{unit.name}已停用，不能再授予角色"
    return None


def _load(session: Session, person_id: int, unit_id: int) -> tuple[Person, Unit]:
    person, unit = session.get(Person, person_id), session.get(Unit, unit_id)
    if person is None:
        raise NotFound("人员不存在")
    if unit is None:
        raise NotFound("单位不存在")
    return person, unit


def _role(text: str) -> Role:
    role = parse_role(text)
    if role is None:
        raise ValidationFailed([f"角色：“{text}”无效，可选：" + "、".join(f"{r.value}（{r.label}）" for r in Role)])
    return role


def grant_role(session: Session, scope: AdminScope, person_id: int, unit_id: int, role_text: str) -> RoleMembership:
    person, unit = _load(session, person_id, unit_id)
    role = _role(role_text)
    scope.require_manage(person)
    scope.require_grant(role, unit.id)
    if problem := role_problem(role, unit):
        raise ValidationFailed([problem])
    if not person.active:
        raise Conflict(f"{person.display_name}的账号已停用，请先恢复账号再授予角色")
    if person.is_vendor:
        raise Conflict(f"{person.display_name}是运维厂商人员，不能担任任何角色")
    if person.is_platform:
        raise Conflict(f"{person.display_name}是数据平台运营方的接口账号，不能担任任何角色")
    if person.has_role(role, unit.id):
        raise Conflict(f"{person.display_name}已在{unit.name}担任{role.label}")
    membership = RoleMembership(unit_id=unit.id, role=role)
    person.memberships.append(membership)
    session.flush()
    audit.record(
        session, scope.actor_id, "person", person.id, "role:granted", None, {"unit": unit.code, "role": role.value}
    )
    return membership


def revoke_role(
    session: Session,
    scope: AdminScope,
    person_id: int,
    unit_id: int,
    role_text: str,
    successor_username: str = "",
    confirmed: bool = False,
) -> int:
    """Take a role away; the last holder of a role with open tasks goes only with a successor, who gets them,
    and the unit's only 目录管理员 only once confirmed (losses.UnitWouldLose).

    Returns how many tasks were handed to the successor.
    """
    person, unit = _load(session, person_id, unit_id)
    role = _role(role_text)
    if person.unit_id == unit.id or not scope.covers_unit(unit.id):  # a unit's admin takes its roles from anyone
        scope.require_manage(person)
    scope.require_grant(role, unit.id)
    membership = next((m for m in person.memberships if m.role == role and m.unit_id == unit.id), None)
    if membership is None:
        raise Conflict(f"{person.display_name}未在{unit.name}担任{role.label}，无需取消")
    if role == Role.SYSADMIN:
        handovers.check_not_last_sysadmin(session, person)
    stranded = handovers.stranded_tasks(session, person, unit.id, role) if person.active else []
    successor = _successor(session, scope, person, unit, role, successor_username) if stranded else None
    if stranded and successor is None:
        handovers.refuse_stranding(session, person, unit.id, role, unit.name)
    if role == Role.UNIT_ADMIN and successor is None:
        losses.require_confirmed(
            session, person, unit, f"取消{person.display_name}的目录管理员角色", confirmed, leaving=False
        )
    if successor is not None:
        grant_role(session, scope, successor.id, unit.id, role)
    handovers.release(session, scope.actor_id, person, unit.id, role)
    person.memberships.remove(membership)
    session.flush()
    audit.record(
        session,
        scope.actor_id,
        "person",
        person.id,
        "role:revoked",
        {"unit": unit.code, "role": role.value},
        {"successor": successor.username} if successor else None,
    )
    if successor is not None:
        handovers.hand_over(session, scope.actor_id, handovers.open_role_tasks(session, unit.id, role), successor)
    return len(stranded)


def _successor(
    session: Session, scope: AdminScope, person: Person, unit: Unit, role: Role, username: str
) -> Person | None:
    username = (username or "").strip()
    if not username:
        return None
    successor = session.scalar(select(Person).where(Person.username == username))
    if successor is None or successor.id == person.id or not successor.active or successor.unit_id != unit.id:
        raise ValidationFailed([f"接手人：须为{unit.name}的另一位在用人员（填写其用户名）"])
    scope.require_manage(successor)
    return successor


def set_roles(session: Session, scope: AdminScope, person: Person, wanted: set[tuple[int, Role]]) -> None:
    """Make the person hold exactly these (unit, role) pairs, each change checked and audited (the import)."""
    held = {(m.unit_id, Role(m.role)) for m in person.memberships}
    for unit_id, role in sorted(held - wanted):
        revoke_role(session, scope, person.id, unit_id, role, confirmed=True)  # the import's preview asked
    for unit_id, role in sorted(wanted - held):
        grant_role(session, scope, person.id, unit_id, role)
