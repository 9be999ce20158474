"""Security incidents: recorded against the using unit (and the grant the data came under), told to the unit's
第一责任人 and to the provider, handled 处置中 → 已处置 → 已结案 with each change audited, counted for 考核."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

import notifications
from workflows import audit, clock
from workflows.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from workflows.incidents.inputs import REFUSED_INCIDENT, IncidentInput, StatusChange
from workflows.models import (
    NO_KEY,
    AuditEvent,
    Grant,
    Incident,
    IncidentSource,
    IncidentStatus,
    Person,
    Resource,
    Responsibility,
    ResponsibilityKind,
    Role,
    RoleMembership,
    Unit,
    UsageAnomaly,
)
from workflows.sharing.visibility import units_of

HIDDEN = "安全事件不存在，或您无权查看其他单位的安全事件"


def can_record(person: Person, unit_id: int | None) -> bool:
    """The bureau's coordinators for any unit; a unit's 目录管理员 for its own."""
    return person.has_role(Role.COORDINATOR) or (unit_id is not None and person.has_role(Role.UNIT_ADMIN, unit_id))


def recordable_units(session: Session, person: Person) -> list[Unit]:
    """The units a person may record an incident against, for the form's choice."""
    query = select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)
    if not person.has_role(Role.COORDINATOR):
        admin_of = [m.unit_id for m in person.memberships if m.role == Role.UNIT_ADMIN]
        query = query.where(Unit.id.in_(admin_of))
    return list(session.scalars(query))


def visible(person: Person, incident: Incident) -> bool:
    """Coordinators see all; a unit its own incidents (as the using unit) and those on grants of its data."""
    if person.has_role(Role.COORDINATOR):
        return True
    return bool(units_of(person) & {incident.unit_id, incident.provider_unit_id})


def get_incident(session: Session, actor: Person, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None or not visible(actor, incident):
        raise NotFound(HIDDEN)
    return incident


def list_incidents(
    session: Session, actor: Person, unit_id: int | None = None, status: IncidentStatus | None = None
) -> list[Incident]:
    """Newest first: all for coordinators, else the person's units' own and those on their data."""
    query = (
        select(Incident)
        .outerjoin(Grant, Grant.id == Incident.grant_id)
        .outerjoin(Resource, Resource.id == Grant.resource_id)
        .order_by(Incident.occurred_on.desc(), Incident.id.desc())
    )
    if not actor.has_role(Role.COORDINATOR):
        mine = units_of(actor)
        query = query.where(or_(Incident.unit_id.in_(mine), Resource.provider_unit_id.in_(mine)))
    if unit_id is not None:
        query = query.where(or_(Incident.unit_id == unit_id, Resource.provider_unit_id == unit_id))
    if status is not None:
        query = query.where(Incident.status == status)
    return list(session.scalars(query.limit(500)).unique())


def on_grant(session: Session, actor: Person, grant_id: int) -> list[Incident]:
    """The incidents recorded on one grant, for its page (whoever sees the grant sees them)."""
    found = session.scalars(select(Incident).where(Incident.grant_id == grant_id).order_by(Incident.id.desc()))
    return [i for i in found if visible(actor, i)]


def record_incident(session: Session, actor: Person, raw: dict | IncidentInput) -> Incident:
    """Record an incident by hand: every problem of the form at once, then the row, its audit event and the notices."""
    data = raw if isinstance(raw, IncidentInput) else IncidentInput.parse(raw)
    grant = session.get(Grant, data.grant_id) if data.grant_id else None
    unit_id = data.unit_id or (grant.unit_id if grant else None)
    problems = []
    if data.unit_id and session.get(Unit, data.unit_id) is None:
        problems.append(FieldProblem("unit_id", "使用单位：请从列表中选择发生事件的使用单位"))
    if data.grant_id and grant is None:
        problems.append(FieldProblem("grant_id", "所涉授权：该授权不存在，请从列表中选择或不选"))
    if unit_id is None and not any(p.field == "unit_id" for p in problems):
        problems.append(FieldProblem("unit_id", "使用单位：请选择发生事件的使用单位"))
    elif grant is not None and grant.unit_id != unit_id:
        problems.append(
            FieldProblem("grant_id", f"所涉授权：该授权是{grant.unit.name}获得的授权，与所选使用单位不符，请核对")
        )
    anomaly = _locked_anomaly(session, data.anomaly_id)
    problems += _anomaly_problems(data.anomaly_id, anomaly, unit_id, grant)
    if problems:
        raise ValidationFailed(problems, REFUSED_INCIDENT)
    if not can_record(actor, unit_id):
        raise Forbidden("只有县大数据局协调员，或本单位的目录管理员，可以登记本单位的安全事件")
    source = IncidentSource.ANOMALY if anomaly else IncidentSource.MANUAL
    return _create(session, actor, unit_id, grant, data, source, anomaly_id=anomaly.id if anomaly else None)


def incident_of_anomaly(session: Session, anomaly_id: int) -> int | None:
    return session.scalar(select(Incident.id).where(Incident.anomaly_id == anomaly_id).limit(1))


def _locked_anomaly(session: Session, anomaly_id: int | None) -> UsageAnomaly | None:
    """The anomaly an incident is recorded from, locked: one incident per anomaly, also when the form is sent twice
    (the back button, a double click) or by two people at once."""
    if not anomaly_id:
        return None
    session.execute(select(UsageAnomaly.id).where(UsageAnomaly.id == anomaly_id).with_for_update())
    anomaly = session.get(UsageAnomaly, anomaly_id)
    if anomaly is not None:
        if (recorded := incident_of_anomaly(session, anomaly.id)) is not None:
            raise Conflict(f"该使用异常已登记为安全事件（事件编号 {recorded}），未重复登记；请在该事件页更新处置状态")
    return anomaly


def _anomaly_problems(anomaly_id, anomaly: UsageAnomaly | None, unit_id, grant: Grant | None) -> list[FieldProblem]:
    """An incident from a usage anomaly is against the unit that made the calls and the grant they came under."""
    if anomaly_id and anomaly is None:
        return [FieldProblem("anomaly_id", "所涉使用异常：该记录不存在，请从数据使用页面的异常列表重新打开")]
    if anomaly is None:
        return []
    problems = []
    if unit_id is not None and unit_id != anomaly.unit_id:
        problems.append(FieldProblem("unit_id", f"使用单位：该使用异常是{anomaly.unit.name}的调用，请选择该单位"))
    if (grant.id if grant else NO_KEY) != anomaly.grant_key:
        problems.append(FieldProblem("grant_id", "所涉授权：应为该使用异常所涉的授权（无授权调用则不选），请核对"))
    return problems


def record_from_objection(
    session: Session, actor: Person, grant: Grant, objection_id: int, number: str, opinion: str
) -> Incident:
    """An upheld 数据使用异议 whose decision says to record an incident: the row is made from the decision."""
    data = IncidentInput.model_construct(
        occurred_on=clock.today().isoformat(),
        account=f"数据使用异议 {number} 经县大数据局处理，异议成立：{opinion}",
        data_affected=f"{grant.resource.name}：{'、'.join(grant.items)}",
        measures="按异议处理决定办理（见异议处理意见）",
    )
    return _create(session, actor, grant.unit_id, grant, data, IncidentSource.OBJECTION, objection_id)


def _create(
    session: Session,
    actor: Person,
    unit_id: int,
    grant: Grant | None,
    data: IncidentInput,
    source: IncidentSource,
    objection_id: int | None = None,
    anomaly_id: int | None = None,
) -> Incident:
    now = clock.now()
    incident = Incident(
        unit_id=unit_id,
        grant_id=grant.id if grant else None,
        objection_id=objection_id,
        anomaly_id=anomaly_id,
        source=source,
        occurred_on=date.fromisoformat(data.occurred_on),
        account=data.account,
        data_affected=data.data_affected,
        measures=data.measures,
        status=IncidentStatus.HANDLING,
        status_note="",
        recorded_by_id=actor.id,
        recorded_at=now,
        updated_at=now,
    )
    session.add(incident)
    session.flush()
    audit.record(
        session,
        actor.id,
        "incident",
        incident.id,
        "incident:recorded",
        None,
        {"status": incident.status.value, "unit_id": unit_id, "grant_id": incident.grant_id, "source": source.value}
        | ({"objection_id": objection_id} if objection_id else {})
        | ({"anomaly_id": anomaly_id} if anomaly_id else {}),
        unit_id=unit_id,
    )
    _notify(session, incident, "incident_recorded")
    return incident


# 处置中 → 已处置 → 已结案: the using unit reports what it did; the bureau closes, or sends it back to handling
NEXT_STATUSES = {
    IncidentStatus.HANDLING: (IncidentStatus.HANDLED,),
    IncidentStatus.HANDLED: (IncidentStatus.CLOSED, IncidentStatus.HANDLING),
    IncidentStatus.CLOSED: (),
}


def next_statuses(person: Person, incident: Incident) -> list[IncidentStatus]:
    """What this person may change the incident to: closing is the bureau's (it supervises, the unit reports)."""
    if not can_record(person, incident.unit_id):
        return []
    if person.has_role(Role.COORDINATOR):
        return list(NEXT_STATUSES[IncidentStatus(incident.status)])
    # the using unit reports what it did; closing, or sending a report back to 处置中, is the bureau's review
    return [s for s in NEXT_STATUSES[IncidentStatus(incident.status)] if s == IncidentStatus.HANDLED]


def change_status(session: Session, actor: Person, incident_id: int, raw: dict) -> Incident:
    """处置中 → 已处置 → 已结案, or back to 处置中 when the bureau finds the handling incomplete; a closed incident
    stays closed (a new one is recorded when something new happens)."""
    incident = get_incident(session, actor, incident_id)
    if not can_record(actor, incident.unit_id):
        raise Forbidden("只有县大数据局协调员，或使用单位的目录管理员，可以更改安全事件的处置状态")
    change = StatusChange.parse(raw)
    before = IncidentStatus(incident.status)
    if change.status == before:
        raise ValidationFailed(
            [FieldProblem("status", f"处置状态：事件已是“{before.label}”，请选择新的状态")], "处置状态未更改"
        )
    if change.status not in next_statuses(actor, incident):
        raise ValidationFailed([FieldProblem("status", _not_allowed(before, change.status))], "处置状态未更改")
    incident.status, incident.status_note, incident.updated_at = change.status, change.note, clock.now()
    audit.record(
        session,
        actor.id,
        "incident",
        incident.id,
        "incident:status_changed",
        {"status": before.value},
        {"status": change.status.value, "note": change.note},
        unit_id=incident.unit_id,
    )
    _notify(session, incident, "incident_status", {"before": before.label})
    return incident


def _not_allowed(before: IncidentStatus, wanted: IncidentStatus) -> str:
    if before == IncidentStatus.CLOSED:
        return "处置状态：事件已结案，不再更改；如有新的情况，请登记新的安全事件"
    if wanted == IncidentStatus.CLOSED and before == IncidentStatus.HANDLING:
        return "处置状态：请先记录处置结果（改为“已处置”），再由县大数据局审核结案"
    if wanted == IncidentStatus.CLOSED:
        return "处置状态：结案由县大数据局协调员审核后办理；使用单位记录处置结果即可"
    if wanted == IncidentStatus.HANDLING:
        return "处置状态：已处置的事件由县大数据局审核，认为处置不到位时退回“处置中”；需要补充处置的，请联系县大数据局"
    return f"处置状态：不能从“{before.label}”改为“{wanted.label}”"


@dataclass(frozen=True)
class Step:
    """One line of an incident's history: recorded, or a change of status with its note."""

    at: datetime
    actor: str
    status: str
    note: str


def history(session: Session, incident_id: int) -> list[Step]:
    """The incident's record and each change of its status, oldest first, from the audit trail."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "incident", AuditEvent.subject_id == str(incident_id))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        Step(
            e.at,
            e.actor.display_name if e.actor else "系统",
            IncidentStatus.label_of((e.after or {}).get("status")),
            (e.after or {}).get("note", "") if e.action == "incident:status_changed" else "登记",
        )
        for e in events
    ]


def told(session: Session, incident: Incident) -> list[Person]:
    """Who hears of an incident: the using unit's 第一责任人 and, for a grant, the provider's 第一责任人 and 目录管理员."""
    people = _first_responsible(session, incident.unit_id)
    if provider := incident.provider_unit_id:
        people += _first_responsible(session, provider)
        people += list(
            session.scalars(
                select(Person)
                .join(RoleMembership, RoleMembership.person_id == Person.id)
                .where(RoleMembership.unit_id == provider, RoleMembership.role == Role.UNIT_ADMIN)
            )
        )
    return [p for p in people if p.active]


def _first_responsible(session: Session, unit_id: int) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .join(Responsibility, Responsibility.person_id == Person.id)
            .where(Responsibility.unit_id == unit_id, Responsibility.kind == ResponsibilityKind.FIRST_RESPONSIBLE)
        )
    )


def _notify(session: Session, incident: Incident, template: str, extra: dict | None = None) -> None:
    grant = incident.grant
    context = {
        "unit_name": incident.unit.name,
        "occurred_on": incident.occurred_on.isoformat(),
        "account": incident.account,
        "data_affected": incident.data_affected,
        "measures": incident.measures,
        "status": IncidentStatus(incident.status).label,
        "note": incident.status_note,
        "grant": f"{grant.resource.name}（申请编号 {grant.application.number}）" if grant else "",
        "provider_name": grant.resource.provider_unit.name if grant else "",
    } | (extra or {})
    notifications.send(session, told(session, incident), template, context, f"/incidents/{incident.id}")


def incident_counts(session: Session, unit_id: int, start: date, end: date) -> dict[str, int]:
    """How many incidents of a using unit occurred from start to end (both included), by status and in all: what a
    考核 scorecard counts."""
    rows = session.execute(
        select(Incident.status, func.count())
        .where(Incident.unit_id == unit_id, Incident.occurred_on >= start, Incident.occurred_on <= end)
        .group_by(Incident.status)
    )
    counts = {status.value: 0 for status in IncidentStatus}
    for status, count in rows:
        counts[str(status)] = count
    return counts | {"total": sum(counts.values())}


def open_counts_by_unit(session: Session) -> dict[int, int]:
    """The incidents still 处置中 per using unit: the coordinators' workbench shows them beside timeliness."""
    rows = session.execute(
        select(Incident.unit_id, func.count())
        .where(Incident.status == IncidentStatus.HANDLING)
        .group_by(Incident.unit_id)
    )
    return {unit_id: count for unit_id, count in rows}
