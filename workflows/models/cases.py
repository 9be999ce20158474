"""Process versions, running instances and the human tasks mirrored beside their state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows import clock
from workflows.db import Base, JSONDocument, UTCDateTime, coded
from workflows.models.labels import LabeledEnum
from workflows.models.org import Person, Unit


class InstanceStatus(LabeledEnum):
    RUNNING = "running", "进行中"
    COMPLETED = "completed", "已办结"
    CANCELLED = "cancelled", "已取消"


class TaskStatus(LabeledEnum):
    OPEN = "open", "待办"
    COMPLETED = "completed", "已办"
    CANCELLED = "cancelled", "已关闭"


class ProcessVersion(Base):
    """One deployed BPMN file; cases pin the version they started on."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_key", "version", name="uq_process_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer)
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    # JSON, not JSONB: JSONB reorders keys, and a schema's order of properties is the order of its form's fields
    forms: Mapped[dict] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)  # the modeler's change note: why this version exists
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    deployed_by: Mapped[Person | None] = relationship()


class ProcessDraft(Base):
    """A modeler's work on a process saved without deploying; one per process, the last save wins."""

    __tablename__ = "process_draft"
    __table_args__ = (UniqueConstraint("process_key", name="uq_process_draft_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict] = mapped_column(JSON, default=dict)
    base_version: Mapped[int | None] = mapped_column(Integer)  # the version it was started from
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())

    saved_by: Mapped[Person | None] = relationship()


class ProcessInstance(Base):
    """A running case: serialized engine state plus the columns queries need."""

    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_instance_due_timer", "next_timer_at"),
        Index("ix_instance_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    status: Mapped[InstanceStatus] = mapped_column(coded(InstanceStatus, "status"), default=InstanceStatus.RUNNING)
    state: Mapped[str] = mapped_column(Text, deferred=True)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    process_version: Mapped[ProcessVersion] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class HumanTask(Base):
    """A ready user task, mirrored so task lists never load the engine."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_open", "status", "unit_id", "role"),
        Index("ix_human_task_instance", "instance_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    spiff_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    task_key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # a Role code, or "" for a task outside any lane
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    form: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[TaskStatus] = mapped_column(coded(TaskStatus, "status"), default=TaskStatus.OPEN)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    result: Mapped[dict | None] = mapped_column(JSONDocument)

    instance: Mapped[ProcessInstance] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[Person | None] = relationship(foreign_keys=[completed_by_id])

    def is_overdue(self, at: datetime | None = None) -> bool:
        """Overdue while open past its due instant; a late decision stays visible via completed_at."""
        if self.due_at is None:
            return False
        moment = self.completed_at or at or clock.now()
        return moment > self.due_at
