"""The supply-demand list (供需对接清单) and catalog change events (二(三))."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.db import Base, UTCDateTime, coded
from workflows.models.catalog import Resource
from workflows.models.labels import LabeledEnum
from workflows.models.org import Person, Unit


class DemandStatus(LabeledEnum):
    MATCHED = "matched", "已匹配目录"
    COORDINATING = "coordinating", "协调中"
    RESOLVED = "resolved", "已解决"
    UNRESOLVED = "unresolved", "无法提供"
    REFERRED = "referred", "已报市级协调"


class Demand(Base):
    __tablename__ = "demand"

    id: Mapped[int] = mapped_column(primary_key=True)
    requesting_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    wanted_data: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str] = mapped_column(String(500))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id"), index=True)
    provider_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    status: Mapped[DemandStatus] = mapped_column(coded(DemandStatus, "status"))
    answer: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    requesting_unit: Mapped[Unit] = relationship(foreign_keys=[requesting_unit_id], lazy="joined")
    provider_unit: Mapped[Unit | None] = relationship(foreign_keys=[provider_unit_id], lazy="joined")
    resource: Mapped[Resource | None] = relationship(lazy="joined")
    created_by: Mapped[Person | None] = relationship()


class ChangeKind(LabeledEnum):
    LAW_REVISION = "law_revision", "法律法规修订"
    FUNCTION_CHANGE = "function_change", "职能调整"


class ChangeStatus(LabeledEnum):
    OPEN = "open", "待更新"
    CONFIRMING = "confirming", "待县大数据局确认"
    DONE = "done", "已更新"
    NO_EFFECT = "no_effect", "经确认无需更新"


class CatalogChange(Base):
    """A law revision or change of functions that obliges a unit to update its catalog within 10 working days."""

    __tablename__ = "catalog_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[ChangeKind] = mapped_column(coded(ChangeKind, "kind"))
    description: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ChangeStatus] = mapped_column(coded(ChangeStatus, "status"), default=ChangeStatus.OPEN)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_note: Mapped[str] = mapped_column(Text, default="")
    registered_late: Mapped[bool] = mapped_column(Boolean, default=False)  # its due day had passed when registered
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id"), index=True)  # the entry revised
    resource_revision: Mapped[int | None] = mapped_column(Integer)
    return_reason: Mapped[str] = mapped_column(Text, default="")  # why the bureau sent "no entry affected" back

    unit: Mapped[Unit] = relationship(lazy="joined")
    resource: Mapped[Resource | None] = relationship()
