"""Objections (异议) and error reports (纠错) (四(五), 三(四)): what a unit disputes, who answers, how it ended."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.db import Base, JSONDocument, UTCDateTime, coded
from workflows.models.applications import Application, Grant
from workflows.models.catalog import Resource
from workflows.models.labels import LabeledEnum
from workflows.models.org import Person, Unit


class ObjectionType(LabeledEnum):
    CATALOG_CORRECTION = "catalog_correction", "数据目录纠错"
    APPLICATION_DISPUTE = "application_dispute", "资源申请异议"
    USAGE_DISPUTE = "usage_dispute", "数据使用异议"
    QUALITY_DISPUTE = "quality_dispute", "数据质量异议"
    OTHER = "other", "其他"


class ObjectionStatus(LabeledEnum):
    SUBMITTED = "submitted", "已提交"
    ACCEPTED = "accepted", "已受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    AWAITING_INFO = "awaiting_info", "待补充"
    TRANSFERRED = "transferred", "已转办"
    COORDINATING = "coordinating", "协调中"
    REFERRED = "referred", "已提请县政府"
    CORRECTING = "correcting", "纠错中"  # upheld, the unit concerned still has to correct: not yet 办结
    CLOSED = "closed", "已办结"
    RATED = "rated", "已评价"


class ObjectionOutcome(LabeledEnum):
    UPHELD = "upheld", "异议成立"
    REJECTED = "rejected", "异议不成立"
    REFERRED = "referred", "提请县政府数据共享工作领导小组"


class Objection(Base):
    """One objection or error report, linked to the application, entry or grant it concerns where there is one."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ObjectionType] = mapped_column(coded(ObjectionType, "kind"))
    status: Mapped[ObjectionStatus] = mapped_column(coded(ObjectionStatus, "status"), default=ObjectionStatus.SUBMITTED)
    facts: Mapped[str] = mapped_column(Text)
    request: Mapped[str] = mapped_column(Text)
    raiser_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    raiser_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    concerned_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)  # raised against
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id"), index=True)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("data_grant.id"), index=True)
    attachments: Mapped[list] = mapped_column(JSONDocument, default=list)  # [{"name", "note"}] described evidence
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    info_request: Mapped[str] = mapped_column(Text, default="")  # 一次性告知: asked at most once
    supplement: Mapped[str] = mapped_column(Text, default="")
    not_accepted_reason: Mapped[str] = mapped_column(Text, default="")
    responding_unit_ids: Mapped[list] = mapped_column(JSONDocument, default=list)
    outcome: Mapped[ObjectionOutcome | None] = mapped_column(coded(ObjectionOutcome, "outcome"))
    opinion: Mapped[str] = mapped_column(Text, default="")  # the coordinator's decision and its reasons
    coordination: Mapped[dict] = mapped_column(JSONDocument, default=dict)  # date, participants, minutes
    referral_document: Mapped[str] = mapped_column(Text, default="")
    referred_on: Mapped[date | None] = mapped_column(Date)
    # the county government's decision on a referral: number, decided_on, content, outcome (upheld/rejected)
    government_decision: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    effect: Mapped[str] = mapped_column(Text, default="")  # what the decision did to what it concerns
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def number(self) -> str:
        """What people call it: YY, the year raised and the sequence, like SQ for applications."""
        return f"YY{self.created_at:%Y}{self.id:06d}"

    raiser: Mapped[Person] = relationship(foreign_keys=[raiser_id], lazy="joined")
    raiser_unit: Mapped[Unit] = relationship(foreign_keys=[raiser_unit_id], lazy="joined")
    concerned_unit: Mapped[Unit | None] = relationship(foreign_keys=[concerned_unit_id], lazy="joined")
    application: Mapped[Application | None] = relationship()
    resource: Mapped[Resource | None] = relationship()
    grant: Mapped[Grant | None] = relationship()
    answers: Mapped[list[ObjectionAnswer]] = relationship(back_populates="objection", order_by="ObjectionAnswer.id")
    files: Mapped[list[ObjectionFile]] = relationship(order_by="ObjectionFile.id")

    def is_open(self) -> bool:
        """Accepted and not yet decided: the object it concerns carries the flag."""
        return self.status in (ObjectionStatus.ACCEPTED, ObjectionStatus.TRANSFERRED, ObjectionStatus.COORDINATING)


class AnswerStance(LabeledEnum):
    AGREE = "agree", "认可异议请求"
    DISAGREE = "disagree", "不认可异议请求"


class ObjectionAnswer(Base):
    """A responding unit's position and evidence (转办答复)."""

    __tablename__ = "objection_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objection.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    stance: Mapped[AnswerStance] = mapped_column(coded(AnswerStance, "stance"))
    position: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(default=False)

    objection: Mapped[Objection] = relationship(back_populates="answers")
    unit: Mapped[Unit] = relationship(lazy="joined")
    answered_by: Mapped[Person] = relationship()


class CorrectionStatus(LabeledEnum):
    OPEN = "open", "纠错中"
    DONE = "done", "已纠正"


class Correction(Base):
    """The correction an upheld catalog or quality objection orders from the entry's unit (三(四) 校核纠错)."""

    __tablename__ = "objection_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objection.id"), unique=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    status: Mapped[CorrectionStatus] = mapped_column(coded(CorrectionStatus, "status"), default=CorrectionStatus.OPEN)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    revision_from: Mapped[int] = mapped_column(Integer, default=0)  # the entry's revision count when ordered
    done_note: Mapped[str] = mapped_column(Text, default="")
    corrected_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    objection: Mapped[Objection] = relationship(lazy="joined")
    resource: Mapped[Resource] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")


class ObjectionRecord(Base):
    """The record of a closed objection: content and SHA-256 fixed at closing, PDF rendered on first download."""

    __tablename__ = "objection_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objection.id"), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content: Mapped[dict] = mapped_column(JSONDocument)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FilePurpose(LabeledEnum):
    EVIDENCE = "evidence", "证据材料"
    GOVERNMENT_DECISION = "government_decision", "县政府决定文件"


class ObjectionFile(Base):
    """A file of an objection (PDF or image): the raiser's evidence, or the county government's decision document
    the coordinator records; readable by those who may see the objection."""

    __tablename__ = "objection_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objection.id"), index=True)
    purpose: Mapped[FilePurpose] = mapped_column(
        coded(FilePurpose, "purpose", 24), default=FilePurpose.EVIDENCE, server_default=FilePurpose.EVIDENCE.value
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
