"""Security incidents (安全事件) of a using unit: what happened to the data it received, what it did, how it ended."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.db import Base, UTCDateTime, coded
from workflows.models.applications import Grant
from workflows.models.labels import LabeledEnum
from workflows.models.org import Person, Unit


class IncidentStatus(LabeledEnum):
    HANDLING = "handling", "处置中"
    HANDLED = "handled", "已处置"
    CLOSED = "closed", "已结案"


class IncidentSource(LabeledEnum):
    MANUAL = "manual", "人工登记"
    OBJECTION = "objection", "数据使用异议处理决定"
    ANOMALY = "anomaly", "使用异常监测"


class Incident(Base):
    """One incident recorded against the using unit and, where it concerns one, the grant the data came under."""

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_unit_status", "unit_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("data_grant.id"), index=True)
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("objection.id"), index=True)
    anomaly_id: Mapped[int | None] = mapped_column(ForeignKey("usage_anomaly.id"), index=True)  # found by monitoring
    source: Mapped[IncidentSource] = mapped_column(coded(IncidentSource, "source"), default=IncidentSource.MANUAL)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    account: Mapped[str] = mapped_column(Text)  # 经过
    data_affected: Mapped[str] = mapped_column(Text)  # 涉及数据/数据项
    measures: Mapped[str] = mapped_column(Text)  # 处置措施
    status: Mapped[IncidentStatus] = mapped_column(coded(IncidentStatus, "status"), default=IncidentStatus.HANDLING)
    status_note: Mapped[str] = mapped_column(Text, default="")  # what the last change of status said
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship(lazy="joined")
    grant: Mapped[Grant | None] = relationship(lazy="joined")
    recorded_by: Mapped[Person] = relationship(lazy="joined")

    @property
    def provider_unit_id(self) -> int | None:
        """The unit whose data the incident concerns, when it concerns a grant."""
        return self.grant.resource.provider_unit_id if self.grant else None
