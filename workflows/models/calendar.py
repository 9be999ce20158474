"""The editable table of days: the only source of working days the running system reads."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from workflows.db import Base, coded
from workflows.models.labels import LabeledEnum


class DayKind(LabeledEnum):
    WORKDAY = "workday", "工作日"
    REST = "rest", "休息日"
    HOLIDAY = "holiday", "法定节假日"
    MAKEUP_WORKDAY = "makeup_workday", "调休上班"

    @property
    def is_working(self) -> bool:
        return self in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)


class CalendarDay(Base):
    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[DayKind] = mapped_column(coded(DayKind, "kind"))
    name: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(String(60), default="")
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
