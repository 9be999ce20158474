"""使用效果评价 (四(四)): once a quarter the unit that was granted data says how useful it was and what it achieved."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.db import Base, UTCDateTime, coded
from workflows.models.applications import Grant
from workflows.models.labels import LabeledEnum
from workflows.models.org import Person


class RatingStatus(LabeledEnum):
    OPEN = "open", "待评价"
    DONE = "done", "已评价"


class EffectRating(Base):
    """One grant's rating for one quarter; the row is made when the task opens, so two passes start it only once."""

    __tablename__ = "effect_rating"
    __table_args__ = (
        UniqueConstraint("grant_id", "quarter", name="uq_effect_rating_grant_quarter"),
        CheckConstraint("usefulness IS NULL OR usefulness BETWEEN 1 AND 5", name="usefulness_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("data_grant.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(6), index=True)  # the quarter rated: 2026Q4
    status: Mapped[RatingStatus] = mapped_column(coded(RatingStatus, "status"), default=RatingStatus.OPEN)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_on: Mapped[date | None] = mapped_column(Date)
    usefulness: Mapped[int | None] = mapped_column(Integer)  # 1–5
    effect: Mapped[str] = mapped_column(Text, default="")  # in the unit's own words or figures
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    on_time: Mapped[bool | None] = mapped_column(Boolean)

    grant: Mapped[Grant] = relationship(lazy="joined")
    rated_by: Mapped[Person | None] = relationship()

    @property
    def quarter_label(self) -> str:
        return quarter_label(self.quarter)


def quarter_label(key: str) -> str:
    """2026Q4 → 2026年第四季度."""
    return f"{key[:4]}年第{'一二三四'[int(key[-1]) - 1]}季度"
