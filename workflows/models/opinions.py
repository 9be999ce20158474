"""常用意见: a reviewer's own opinion templates and those a unit shares with all its reviewers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workflows.db import Base, UTCDateTime


class OpinionTemplate(Base):
    """Exactly one owner: a person (personal) or a unit (unit-wide, kept by the unit's administrator)."""

    __tablename__ = "opinion_template"
    __table_args__ = (CheckConstraint("(person_id IS NULL) <> (unit_id IS NULL)", name="owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
