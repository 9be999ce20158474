"""Data applications (四(三)), their attachments, the grants they create and their approval records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows import clock
from workflows.db import Base, JSONDocument, UTCDateTime, coded
from workflows.models.catalog import EntryChange, Resource
from workflows.models.labels import LabeledEnum
from workflows.models.org import Person, Unit


class ApplicationStatus(LabeledEnum):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    IN_REVIEW = "in_review", "审核中"
    RETURNED = "returned", "退回补正"
    COORDINATING = "coordinating", "县大数据局协调中"  # the provider answered it cannot carry out a county decision
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"


class CallFrequency(LabeledEnum):
    REALTIME = "realtime", "实时调用"
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    ONCE = "once", "一次性"


class RejectionCategory(LabeledEnum):
    NO_BASIS = "no_basis", "缺乏法律或政策依据"
    SCOPE_EXCEEDS = "scope_exceeds", "申请范围超出履职需要"
    SECURITY = "security", "涉及安全或保密要求"
    NOT_IN_DUTY = "not_in_duty", "不属于本单位数据"
    OTHER = "other", "其他"


class GrantStatus(LabeledEnum):
    ACTIVE = "active", "有效"
    EXPIRED = "expired", "已过期"
    REVOKED = "revoked", "已撤销"


# The using unit's undertaking how it keeps the data it receives (谁使用谁负责): field, Chinese title, limit.
PROTECTION_FIELDS = (
    ("storage", "存放位置", 300),
    ("access", "知悉范围", 300),
    ("disposal", "销毁期限和方式", 300),
)
PROTECTION_MISSING = "未填写（本功能上线前提交）"


class DataProtectionColumns:
    """存放位置, 知悉范围 and 销毁期限/方式 as the application stated them and its grant carries them; NULL when the
    application came before they were asked (or an API client left them out)."""

    protection_storage: Mapped[str | None] = mapped_column(String(300))
    protection_access: Mapped[str | None] = mapped_column(String(300))
    protection_disposal: Mapped[str | None] = mapped_column(String(300))

    @property
    def data_protection(self) -> dict[str, str] | None:
        values = {name: getattr(self, f"protection_{name}") or "" for name, _, _ in PROTECTION_FIELDS}
        return values if any(values.values()) else None

    @data_protection.setter
    def data_protection(self, values: dict[str, str] | None) -> None:
        for name, _, _ in PROTECTION_FIELDS:
            setattr(self, f"protection_{name}", ((values or {}).get(name) or None))

    def protection_lines(self) -> list[tuple[str, str]]:
        """(title, text) for pages and records: what was stated, or that nothing was (before this was asked)."""
        values = self.data_protection
        return [(title, values[name] if values else PROTECTION_MISSING) for name, title, _ in PROTECTION_FIELDS]


class Application(DataProtectionColumns, Base):
    __tablename__ = "application"
    __table_args__ = (Index("ix_application_units", "applicant_unit_id", "provider_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    applicant_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    provider_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    items: Mapped[list] = mapped_column(JSONDocument, default=list)
    scenario: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[CallFrequency | None] = mapped_column(coded(CallFrequency, "frequency"))  # None in a draft
    valid_until: Mapped[date | None] = mapped_column(Date)
    sensitive_justification: Mapped[str] = mapped_column(Text, default="")
    undertaking: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ApplicationStatus] = mapped_column(
        coded(ApplicationStatus, "status"), default=ApplicationStatus.DRAFT
    )
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    rejection_category: Mapped[str] = mapped_column(String(40), default="")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    review_rounds: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    applicant_unit: Mapped[Unit] = relationship(foreign_keys=[applicant_unit_id], lazy="joined")
    provider_unit: Mapped[Unit] = relationship(foreign_keys=[provider_unit_id], lazy="joined")
    applicant: Mapped[Person] = relationship(foreign_keys=[applicant_id], lazy="joined")
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    resource: Mapped[Resource] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Attachment.id"
    )


class Attachment(Base):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    application: Mapped[Application] = relationship(back_populates="attachments")


class PendingUpload(Base):
    """A file chosen on a form whose submit failed: kept under a token so the person need not choose it again.

    Moved onto the application when the form is saved; rows older than a day are swept away.
    """

    __tablename__ = "pending_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Grant(DataProtectionColumns, Base):
    """The only thing that authorises data to flow: unit, resource, items, scenario, validity, and how the unit
    undertook to keep the data (copied from the application at approval: what was reviewed is what is granted)."""

    __tablename__ = "data_grant"
    __table_args__ = (
        Index("ix_grant_unit_status", "unit_id", "status"),
        Index("ix_grant_valid_until", "valid_until"),
        Index("ix_grant_changed", "changed_at", "id"),  # the platform's feed of changed grants pages on it
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    items: Mapped[list] = mapped_column(JSONDocument, default=list)
    scenario: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[GrantStatus] = mapped_column(coded(GrantStatus, "status"), default=GrantStatus.ACTIVE)
    expiry_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the record of the decision that created this grant (the 授权提供单 cites it, not a later one)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("approval_record.id"), index=True)
    # touched by every write to the row (revocation, expiry, items dropped) and when a resource change reaches the
    # grant: the city platform reads what changed since its last visit (GET /api/v1/grants?changed_since=)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, onupdate=clock.now)

    application: Mapped[Application] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")
    resource: Mapped[Resource] = relationship(lazy="joined")
    revoked_by: Mapped[Person | None] = relationship(foreign_keys=[revoked_by_id])

    def effective_status(self, today: date) -> GrantStatus:
        """The status as of today: pages, the API and the lists read this, not the stored column."""
        return effective_grant_status(self.status, self.valid_until, today)


def effective_grant_status(status: str, valid_until: date, today: date) -> GrantStatus:
    """An active grant past its end is expired even before the nightly sweep has marked it."""
    status = GrantStatus(status)
    return GrantStatus.EXPIRED if status == GrantStatus.ACTIVE and valid_until < today else status


class AffectedStatus(LabeledEnum):
    OPEN = "open", "待提供单位决定"
    REVOKED = "revoked", "已撤销"
    KEPT = "kept", "保留至到期"
    ENDED = "ended", "已失效"


class AffectedGrant(Base):
    """An active grant that a confirmed catalog change reached: the provider revokes it or keeps it until expiry."""

    __tablename__ = "affected_grant"
    __table_args__ = (UniqueConstraint("change_id", "grant_id", name="uq_affected_grant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("entry_change.id"))
    grant_id: Mapped[int] = mapped_column(ForeignKey("data_grant.id"), index=True)
    status: Mapped[AffectedStatus] = mapped_column(coded(AffectedStatus, "status"), default=AffectedStatus.OPEN)
    reason: Mapped[str] = mapped_column(Text, default="")
    dropped_items: Mapped[list] = mapped_column(JSONDocument, default=list)  # removed items a kept grant loses
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    change: Mapped[EntryChange] = relationship(lazy="joined")
    grant: Mapped[Grant] = relationship(lazy="joined")
    decided_by: Mapped[Person | None] = relationship()


class ApprovalRecord(Base):
    """The PDF made once per decision; its SHA-256 (of the canonical content) is what /verify checks.

    An application has more than one when an upheld objection reopens its review: each decision keeps its own
    record, and the newest is the one that holds."""

    __tablename__ = "approval_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content: Mapped[dict] = mapped_column(JSONDocument)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # rendered after the decision
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # a render that failed or ran out of time is retried later with a back-off, never blocking the others
    render_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    render_error: Mapped[str | None] = mapped_column(Text)
    next_render_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    application: Mapped[Application] = relationship(lazy="joined")
