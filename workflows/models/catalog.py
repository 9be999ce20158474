"""The data resource catalog (政务数据资源目录): entries, info items, revisions, interfaces."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.db import Base, JSONDocument, UTCDateTime, coded
from workflows.models.labels import LabeledEnum
from workflows.models.org import Person, Unit


class ShareType(LabeledEnum):
    UNCONDITIONAL = "unconditional", "无条件共享"
    CONDITIONAL = "conditional", "有条件共享"
    NOT_SHARED = "not_shared", "不予共享"


class OpenType(LabeledEnum):
    OPEN = "open", "无条件开放"
    CONDITIONAL_OPEN = "conditional_open", "有条件开放"
    NOT_OPEN = "not_open", "不予开放"


class ShareMethod(LabeledEnum):
    API = "api", "接口"
    TABLE = "table", "库表"
    FILE = "file", "文件"


class CategoryClass(LabeledEnum):
    BASE = "base", "基础"
    THEMATIC = "thematic", "主题"
    DEPARTMENTAL = "departmental", "部门"


class ResourceFormat(LabeledEnum):
    FILE = "file", "电子文件"
    SPREADSHEET = "spreadsheet", "电子表格"
    DATABASE = "database", "数据库"
    IMAGE = "image", "图形图像"
    STREAM = "stream", "流媒体"
    INTERFACE = "interface", "接口"


class UpdateCycle(LabeledEnum):
    REALTIME = "realtime", "实时"
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    YEARLY = "yearly", "每年"


class Sensitivity(LabeledEnum):
    GENERAL = "general", "一般"
    IMPORTANT = "important", "重要"
    CORE = "core", "核心"


class ResourceStatus(LabeledEnum):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已停用"


class DataType(LabeledEnum):
    STRING = "string", "字符型"
    NUMBER = "number", "数值型"
    INTEGER = "integer", "整型"
    DATE = "date", "日期型"
    DATETIME = "datetime", "日期时间型"
    BOOLEAN = "boolean", "布尔型"
    BINARY = "binary", "二进制"


class ObjectClass(LabeledEnum):
    PERSON = "person", "自然人"
    LEGAL_ENTITY = "legal_entity", "法人"
    OTHER = "other", "其他"


class Resource(Base):
    __tablename__ = "resource"
    __table_args__ = (
        # covering for the grouped facet count of one unit's entries
        Index(
            "ix_resource_status_unit",
            "status",
            "provider_unit_id",
            "share_type",
            "open_type",
            "format",
            "category_class",
            "sensitivity",
            "update_cycle",
        ),
        Index("ix_resource_share_type", "share_type"),
        Index("ix_resource_status_published", "status", "published_on", "code"),
        Index(
            "ix_resource_facets",
            "status",
            "share_type",
            "open_type",
            "format",
            "category_class",
            "sensitivity",
            "update_cycle",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    provider_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    category_class: Mapped[CategoryClass] = mapped_column(coded(CategoryClass, "category_class"))
    category_path: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[ResourceFormat] = mapped_column(coded(ResourceFormat, "format"))
    share_type: Mapped[ShareType] = mapped_column(coded(ShareType, "share_type"))
    share_condition: Mapped[str] = mapped_column(Text, default="")
    share_method: Mapped[ShareMethod | None] = mapped_column(coded(ShareMethod, "share_method"))
    open_type: Mapped[OpenType] = mapped_column(coded(OpenType, "open_type"))
    update_cycle: Mapped[UpdateCycle] = mapped_column(coded(UpdateCycle, "update_cycle"))
    sensitivity: Mapped[Sensitivity] = mapped_column(coded(Sensitivity, "sensitivity"))
    published_on: Mapped[date | None] = mapped_column(Date)
    related_codes: Mapped[list] = mapped_column(JSONDocument, default=list)
    mandate: Mapped[str] = mapped_column(String(500), default="")
    collection_note: Mapped[str] = mapped_column(String(500), default="")
    duplicate_reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[ResourceStatus] = mapped_column(coded(ResourceStatus, "status"), default=ResourceStatus.DRAFT)
    correction_reason: Mapped[str] = mapped_column(String(500), default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    provider_unit: Mapped[Unit] = relationship(lazy="joined")
    items: Mapped[list[InfoItem]] = relationship(
        back_populates="resource", cascade="all, delete-orphan", order_by="InfoItem.position"
    )


class CatalogGeneration(Base):
    """One row whose token changes (by trigger) on every write to resource: cached facet counts
    stay valid while it is unchanged, in every web worker."""

    __tablename__ = "catalog_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)


class InfoItem(Base):
    """An information item (信息项) of a resource."""

    __tablename__ = "info_item"
    __table_args__ = (Index("ix_info_item_name", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    data_type: Mapped[DataType] = mapped_column(coded(DataType, "data_type"))
    length: Mapped[int | None] = mapped_column(Integer)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)

    resource: Mapped[Resource] = relationship(back_populates="items")


class ResourceRevision(Base):
    """Version history of an entry: who changed what, when."""

    __tablename__ = "resource_revision"
    __table_args__ = (UniqueConstraint("resource_id", "revision", name="uq_resource_revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    changes: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    comment: Mapped[str] = mapped_column(String(500), default="")

    actor: Mapped[Person | None] = relationship(lazy="joined")


class EntryChangeKind(LabeledEnum):
    NOT_SHARED = "not_shared", "改为不予共享"
    RETIRE = "retire", "停用条目"
    REMOVE_ITEMS = "remove_items", "删除信息项"


class EntryChangeStatus(LabeledEnum):
    PENDING = "pending", "待县大数据局确认"
    RETURNED = "returned", "已退回"
    EFFECTIVE = "effective", "已生效"


class EntryChange(Base):
    """A change to a published entry that withdraws data (不予共享, retirement, removed info items): it waits for
    the county data bureau's confirmation, and only then reaches the entry and, through it, its grants."""

    __tablename__ = "entry_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[EntryChangeKind] = mapped_column(coded(EntryChangeKind, "kind"))
    status: Mapped[EntryChangeStatus] = mapped_column(
        coded(EntryChangeStatus, "status"), default=EntryChangeStatus.PENDING
    )
    basis: Mapped[str] = mapped_column(Text, default="")  # the 不予共享 basis, or why it is retired or items removed
    removed_items: Mapped[list] = mapped_column(JSONDocument, default=list)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_reason: Mapped[str] = mapped_column(Text, default="")
    affected_grants: Mapped[int] = mapped_column(Integer, default=0)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)

    resource: Mapped[Resource] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")
    requested_by: Mapped[Person] = relationship(foreign_keys=[requested_by_id], lazy="joined")
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def withdraws_all(self) -> bool:
        """不予共享 and retirement end what every grant on the entry provides; a removal only the removed items."""
        return self.kind != EntryChangeKind.REMOVE_ITEMS

    def summary(self) -> str:
        """ "改为不予共享（依据：…）", "停用条目（理由：…）", "删除信息项“户籍地址”（理由：…）"; removed items always named."""
        removed = f"，并删除信息项“{'、'.join(self.removed_items)}”" if self.removed_items else ""
        if self.kind == EntryChangeKind.REMOVE_ITEMS:
            return f"删除信息项“{'、'.join(self.removed_items)}”（理由：{self.basis}）"
        label = "依据" if self.kind == EntryChangeKind.NOT_SHARED else "理由"
        return f"{self.kind.label}{removed}（{label}：{self.basis}）"


class Interface(Base):
    """A data interface (数据接口) that serves one resource."""

    __tablename__ = "interface"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    object_class: Mapped[ObjectClass] = mapped_column(coded(ObjectClass, "object_class"), index=True)
    business_scenarios: Mapped[list] = mapped_column(JSONDocument, default=list)
    scenarios_text: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(10), default="POST")
    monthly_calls = 0  # not stored: the interface search sets it to the calls of the last 30 days (usage rollups)

    resource: Mapped[Resource] = relationship(lazy="joined")
