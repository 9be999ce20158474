"""Append-only audit trail; every state change in a service calls record()."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import clock
from workflows.models import AuditEvent, Person


def record(session: Session, actor_id: int | None, subject_type: str, subject_id,
           action: str, before: dict | None = None, after: dict | None = None) -> AuditEvent:
    event = AuditEvent(at=clock.now(), actor_id=actor_id, subject_type=subject_type,
                       subject_id=str(subject_id), action=action, before=before, after=after)
    session.add(event)
    return event


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def list_events(session: Session, flt: AuditFilter, page: int = 1, per_page: int = 50):
    """Newest first, filtered; returns (events, total)."""
    query = select(AuditEvent)
    if flt.actor:
        query = query.join(Person, AuditEvent.actor_id == Person.id).where(
            (Person.username == flt.actor) | (Person.display_name.contains(flt.actor)))
    if flt.action:
        query = query.where(AuditEvent.action.contains(flt.action))
    if flt.subject_type:
        query = query.where(AuditEvent.subject_type == flt.subject_type)
    if flt.subject_id:
        query = query.where(AuditEvent.subject_id == flt.subject_id)
    if flt.since:
        query = query.where(AuditEvent.at >= flt.since)
    if flt.until:
        query = query.where(AuditEvent.at < flt.until)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(AuditEvent.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total
