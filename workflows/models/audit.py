"""Append-only audit events: who changed what, when, from what to what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.db import Base, JSONDocument, UTCDateTime
from workflows.models.org import Person, Unit


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    # the unit the actor acted for (a task's unit, an application's unit …), as it was: people move between units
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60), index=True)
    before: Mapped[dict | None] = mapped_column(JSONDocument)
    after: Mapped[dict | None] = mapped_column(JSONDocument)

    actor: Mapped[Person | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
