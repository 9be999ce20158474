"""How people name a case: by its number, the unit that asked and what it is about, never by an internal id.

"SQ2026000001 县民政局申请「户籍人口基本信息」" reads the same in task lists, task pages, messages, emails and timelines.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from workflows import clock
from workflows.models import (
    Application,
    CatalogChange,
    Demand,
    EffectRating,
    Grant,
    EntryChange,
    EntryChangeKind,
    Objection,
    ProcessInstance,
    Resource,
    Unit,
    quarter_label,
)

DRAFT = "申请草稿"


def application_name(number: str | None, unit_name: str, resource_name: str) -> str:
    """The one way a data application is named where people read it."""
    return f"{number or DRAFT} {unit_name}申请「{resource_name}」"


def demand_name(unit_name: str, wanted: str) -> str:
    return f"{unit_name}的共享需求「{wanted}」"


def objection_name(objection: Objection) -> str:
    """ "YY2026000001 县民政局对 SQ2026000002「户籍人口基本信息」提出资源申请异议": the object it concerns tells
    two objections of one unit apart; one without an object is named by the start of its facts."""
    head = f"{objection.number} {objection.raiser_unit.name}"
    kind = objection.kind.label
    if objection.grant is not None:
        grant = objection.grant
        return f"{head}对 {grant.application.number}「{grant.resource.name}」的授权提出{kind}"
    if objection.application is not None:
        app = objection.application
        return f"{head}对 {app.number or DRAFT}「{app.resource.name}」提出{kind}"
    if objection.resource is not None:
        return f"{head}对 {objection.resource.code}「{objection.resource.name}」提出{kind}"
    facts = objection.facts.replace("\n", " ").strip()
    return f"{head}提出异议「{facts[:16]}{'…' if len(facts) > 16 else ''}」"


def change_name(unit_name: str, kind_label: str, effective_on) -> str:
    return f"{unit_name}目录更新「{kind_label}，{effective_on:%Y年%m月%d日}起」"


def entry_change_name(change: EntryChange) -> str:
    """ "县公安局「户籍人口基本信息」改为不予共享": whose entry, which one, what is to happen to it."""
    return _entry_change(change.unit.name, change.resource.name, EntryChangeKind(change.kind).label)


def _entry_change(unit_name: str, resource_name: str, kind_label: str) -> str:
    return f"{unit_name}「{resource_name}」{kind_label}"


def effect_rating_name(number: str | None, unit_name: str, resource_name: str, quarter: str) -> str:
    """ "SQ2026000001 县民政局申请「户籍人口基本信息」：2026年第四季度使用效果评价": the grant's application, then the
    quarter rated."""
    return f"{application_name(number, unit_name, resource_name)}：{quarter_label(quarter)}使用效果评价"


def of_application(app: Application) -> str:
    return application_name(app.number, app.applicant_unit.name, app.resource.name)


def _fallback(instance: ProcessInstance) -> str:
    return f"{instance.process_version.name} {clock.fmt(instance.started_at)}发起"


def by_subject(session: Session, kind: str, ids: set[int]) -> dict[int, str]:
    """The names of the subjects of one kind (application, demand, catalog_change, entry_change, effect_rating), in
    one query."""
    if not ids:
        return {}
    if kind == "application":
        rows = session.execute(
            select(Application.id, Application.number, Unit.name, Resource.name)
            .join(Unit, Unit.id == Application.applicant_unit_id)
            .join(Resource, Resource.id == Application.resource_id)
            .where(Application.id.in_(ids))
        )
        return {i: application_name(n, u, r) for i, n, u, r in rows}
    if kind == "demand":
        rows = session.execute(
            select(Demand.id, Unit.name, Demand.wanted_data)
            .join(Unit, Unit.id == Demand.requesting_unit_id)
            .where(Demand.id.in_(ids))
        )
        return {i: demand_name(u, w) for i, u, w in rows}
    if kind == "catalog_change":
        rows = session.execute(
            select(CatalogChange.id, Unit.name, CatalogChange.kind, CatalogChange.effective_on)
            .join(Unit, Unit.id == CatalogChange.unit_id)
            .where(CatalogChange.id.in_(ids))
        )
        return {i: change_name(u, k.label, e) for i, u, k, e in rows}
    if kind == "entry_change":
        rows = session.execute(
            select(EntryChange.id, Unit.name, Resource.name, EntryChange.kind)
            .join(Unit, Unit.id == EntryChange.unit_id)
            .join(Resource, Resource.id == EntryChange.resource_id)
            .where(EntryChange.id.in_(ids))
        )
        return {i: _entry_change(u, r, k.label) for i, u, r, k in rows}
    if kind == "effect_rating":
        rows = session.execute(
            select(EffectRating.id, Application.number, Unit.name, Resource.name, EffectRating.quarter)
            .join(Grant, Grant.id == EffectRating.grant_id)
            .join(Application, Application.id == Grant.application_id)
            .join(Unit, Unit.id == Grant.unit_id)
            .join(Resource, Resource.id == Grant.resource_id)
            .where(EffectRating.id.in_(ids))
        )
        return {i: effect_rating_name(n, u, r, q) for i, n, u, r, q in rows}
    if kind == "objection":
        rows = session.scalars(
            select(Objection)
            .options(
                joinedload(Objection.raiser_unit),
                joinedload(Objection.application).joinedload(Application.resource),
                joinedload(Objection.grant),
                joinedload(Objection.resource),
            )
            .where(Objection.id.in_(ids))
        )
        return {o.id: objection_name(o) for o in rows.unique()}
    return {}


def for_instances(session: Session, instances: Iterable[ProcessInstance]) -> dict[int, str]:
    """Each case's name by instance id: one query per kind of subject among them."""
    found = {i.id: i for i in instances if i is not None}
    ids: dict[str, set[int]] = defaultdict(set)
    for instance in found.values():
        if instance.subject_type and (instance.subject_id or "").isdigit():
            ids[instance.subject_type].add(int(instance.subject_id))
    named = {(kind, i): name for kind, wanted in ids.items() for i, name in by_subject(session, kind, wanted).items()}
    return {
        iid: named.get((i.subject_type, int(i.subject_id)) if (i.subject_id or "").isdigit() else None) or _fallback(i)
        for iid, i in found.items()
    }


def of_instance(session: Session, instance: ProcessInstance) -> str:
    return for_instances(session, [instance])[instance.id]


def for_tasks(session: Session, found) -> dict[int, str]:
    """Each listed task's case name, by instance id (lists key their rows by t.instance_id)."""
    return for_instances(session, [t.instance for t in found])
