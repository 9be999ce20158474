"""The three responsible persons of each unit (R28): named by its 目录管理员 or the sysadmin, flagged when missing,
as is a unit left without a 目录管理员."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit, inputs
from workflows.errors import NotFound, ValidationFailed
from workflows.models import Person, Responsibility, ResponsibilityKind, Unit, UnitKind
from workflows.organisation import losses
from workflows.organisation.scope import AdminScope


@dataclass
class UnitResponsibles:
    unit: Unit
    holders: dict[ResponsibilityKind, Person | None] = field(default_factory=dict)
    admins: int = 1  # active people holding 目录管理员 in the unit

    @property
    def missing(self) -> list[str]:
        """Each responsibility without an active holder, as people read it: 分管领导（未指定）; and the 目录管理员."""
        lacking = [
            f"{kind.label}（{'未指定' if person is None else person.display_name + '已停用'}）"
            for kind, person in self.holders.items()
            if person is None or not person.active
        ]
        return lacking + (["目录管理员（无在用人员）"] if not self.admins else [])


def responsibles(session: Session, units: list[Unit]) -> list[UnitResponsibles]:
    """The holders of each unit's three responsibilities and how many 目录管理员 it has, in two queries."""
    by_unit = {u.id: UnitResponsibles(u, {kind: None for kind in ResponsibilityKind}) for u in units}
    if by_unit:
        for row in session.scalars(select(Responsibility).where(Responsibility.unit_id.in_(by_unit))):
            by_unit[row.unit_id].holders[ResponsibilityKind(row.kind)] = row.person
        admins = losses.active_admins(session, list(by_unit))
        for unit_id, row in by_unit.items():
            row.admins = admins.get(unit_id, 0)
    return list(by_unit.values())


def gaps(session: Session) -> list[UnitResponsibles]:
    """Every active unit lacking one of its three responsible persons (shown to coordinators)."""
    units = list(
        session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.kind != UnitKind.COORDINATOR, Unit.id))
    )
    return [row for row in responsibles(session, units) if row.missing]


def set_holder(session: Session, scope: AdminScope, unit_id: int, kind_text: str, username: str) -> Person | None:
    """Name (or, with no username, clear) who holds one responsibility of the unit."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("单位不存在")
    scope.require_unit(unit.id)
    kind = ResponsibilityKind.parse(kind_text)
    if kind is None:
        raise ValidationFailed(["责任类型：请选择第一责任人、分管领导或科室负责人"])
    username = (username or "").strip()
    if problem := inputs.too_long("责任人（用户名）", username, 64):
        raise ValidationFailed([problem])
    person = session.scalar(select(Person).where(Person.username == username)) if username else None
    if username and (person is None or not person.active):
        raise ValidationFailed([f"{kind.label}：找不到在用人员“{inputs.shown(username)}”，请填写其用户名"])
    row = session.scalar(select(Responsibility).where(Responsibility.unit_id == unit.id, Responsibility.kind == kind))
    before = row.person.username if row else None
    if before == (person.username if person else None):
        return person
    if row is not None and person is None:
        session.delete(row)
    elif row is not None:
        row.person_id = person.id
    else:
        session.add(Responsibility(unit_id=unit.id, kind=kind, person_id=person.id))
    session.flush()
    audit.record(
        session,
        scope.actor_id,
        "unit",
        unit.id,
        "responsibility:set",
        {"kind": kind.value, "person": before},
        {"kind": kind.value, "person": person.username if person else None},
    )
    return person
