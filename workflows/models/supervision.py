"""督导考核 (六(三)): the weights the bureau sets for the unit scorecard, and the scorecards of closed periods,
kept as they were computed so that a past period's scores never change."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.db import Base, JSONDocument, UTCDateTime
from workflows.models.org import Person, Unit


class ScorecardWeights(Base):
    """Weights of the scorecard's parts from one month on, until a later row; never edited once a period used it."""

    __tablename__ = "scorecard_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)  # the first day of a month
    weights: Mapped[dict] = mapped_column(JSONDocument)  # part key → weight (whole numbers, 0–100)
    note: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())

    set_by: Mapped[Person] = relationship(lazy="joined")


class Scorecard(Base):
    """One unit's card for one closed period (2026-11, 2026-Q4, 2026), kept as first computed after the period."""

    __tablename__ = "scorecard"
    __table_args__ = (UniqueConstraint("period", "unit_id", name="uq_scorecard_period_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    parts: Mapped[list] = mapped_column(JSONDocument)  # each part: key, label, weight, score, figures with cases
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship(lazy="joined")


class SupervisionReport(Base):
    """The monthly supervision report (督导考核月报): its figures fixed when made, the PDF and the Excel beside them."""

    __tablename__ = "supervision_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)
    content: Mapped[dict] = mapped_column(JSONDocument)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
