"""常用意见: texts a reviewer inserts into a reason with one click; still checked like any reason on submit.

Personal ones belong to one person; unit-wide ones are kept by the unit's 目录管理员 for all its reviewers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workflows import audit, clock, inputs
from workflows.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from workflows.models import OpinionTemplate, Person, Role, Unit

MAX_TEXT = 500
MIN_TEXT = 4
MAX_PER_OWNER = 50
_SPACES = re.compile(r"\s+")


@dataclass
class OpinionBook:
    personal: list[OpinionTemplate]
    by_unit: dict[Unit, list[OpinionTemplate]]  # unit-wide ones of the person's units
    managed: set[int]  # units whose shared opinions this person keeps


def managed_units(person: Person) -> set[int]:
    return {m.unit_id for m in person.memberships if m.role == Role.UNIT_ADMIN}


def for_person(session: Session, person: Person, unit_id: int | None = None) -> list[OpinionTemplate]:
    """What a person may insert: their own, then their units' (or only unit_id's) shared ones."""
    units = {unit_id} if unit_id else {m.unit_id for m in person.memberships}
    found = session.scalars(
        select(OpinionTemplate)
        .where(or_(OpinionTemplate.person_id == person.id, OpinionTemplate.unit_id.in_(units)))
        .order_by(OpinionTemplate.unit_id.is_not(None), OpinionTemplate.id)
    )
    return list(found)


def book(session: Session, person: Person) -> OpinionBook:
    """The 常用意见 page: everything the person may see, and where they may add or delete."""
    units = {m.unit_id: m.unit for m in person.memberships}
    rows = for_person(session, person)
    by_unit = {u: [r for r in rows if r.unit_id == uid] for uid, u in sorted(units.items())}
    return OpinionBook([r for r in rows if r.person_id == person.id], by_unit, managed_units(person))


def add(session: Session, actor: Person, text: str, unit_id: int | None = None) -> OpinionTemplate:
    """A personal template, or (unit_id given) a unit-wide one, which only that unit's 目录管理员 may add."""
    text = (text or "").strip()
    if unit_id is not None and unit_id not in managed_units(actor):
        raise Forbidden("只有本单位的目录管理员可以维护单位常用意见")
    if problem := inputs.too_long("意见内容", text, MAX_TEXT, "text"):
        raise ValidationFailed([problem])
    if len(text) < MIN_TEXT:
        raise ValidationFailed([FieldProblem("text", f"意见内容：至少 {MIN_TEXT} 个字，请写出可直接使用的完整意见")])
    if same := _same_text(session, actor, text, unit_id):
        where = "单位常用意见" if same.unit_id is not None else "您的常用意见"
        raise ValidationFailed(
            [FieldProblem("text", f"意见内容：{where}中已有相同的一条，未重复保存；可直接使用已有的")]
        )
    owner = OpinionTemplate.unit_id == unit_id if unit_id is not None else OpinionTemplate.person_id == actor.id
    if len(session.scalars(select(OpinionTemplate.id).where(owner)).all()) >= MAX_PER_OWNER:
        raise ValidationFailed([FieldProblem("text", f"意见内容：最多保存 {MAX_PER_OWNER} 条，请先删除不再使用的")])
    row = OpinionTemplate(
        person_id=None if unit_id is not None else actor.id,
        unit_id=unit_id,
        text=text,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor.id,
        "opinion",
        row.id,
        "opinion:added",
        None,
        {"unit_id": unit_id, "text": text} if unit_id else {"text": text},
    )
    return row


def _same_text(session: Session, actor: Person, text: str, unit_id: int | None) -> OpinionTemplate | None:
    """An existing template with the same words (spaces aside) where the new one would be listed: a personal one
    among the person's own and their units' shared ones, a unit-wide one among that unit's."""
    key = _SPACES.sub("", text)
    rows = (
        for_person(session, actor)
        if unit_id is None
        else session.scalars(select(OpinionTemplate).where(OpinionTemplate.unit_id == unit_id))
    )
    return next((r for r in rows if _SPACES.sub("", r.text) == key), None)


def delete(session: Session, actor: Person, template_id: int) -> None:
    row = session.get(OpinionTemplate, template_id)
    if row is None:
        raise NotFound("该常用意见不存在或已删除")
    if row.person_id != actor.id and row.unit_id not in managed_units(actor):
        raise Forbidden("只能删除自己的常用意见；单位常用意见由本单位目录管理员维护")
    audit.record(session, actor.id, "opinion", row.id, "opinion:deleted", {"text": row.text}, None)
    session.delete(row)
