"""What the city data platform reports back: each call of shared data, kept raw for a while and rolled up by day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.db import Base, JSONDocument, UTCDateTime, coded
from workflows.models.catalog import Resource
from workflows.models.labels import LabeledEnum
from workflows.models.org import Unit

NO_KEY = 0  # a rollup's grant or interface when the call named none: 0, so the rollup's key has no NULL in it
# Rollups and anomalies are updated in place by every batch that reaches them: room left on each page lets PostgreSQL
# update a row beside itself without touching the indexes (a HOT update); measured 20 % off an ingest of updates.
UPSERTED_FILLFACTOR = 50


class CallType(LabeledEnum):
    INTERFACE = "interface", "接口调用"
    TABLE = "table", "库表交换"
    FILE = "file", "文件下载"


class UsageSource(LabeledEnum):
    PLATFORM = "platform", "数据平台接口"
    UPLOAD = "upload", "单位上传"


class UsageBatch(Base):
    """A batch as received, under the sender's Idempotency-Key: the same key again replays the stored answer."""

    __tablename__ = "usage_batch"
    __table_args__ = (UniqueConstraint("person_id", "idempotency_key", name="uq_usage_batch_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    source: Mapped[UsageSource] = mapped_column(coded(UsageSource, "source"))
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the body: a reused key with another body is refused
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    answer: Mapped[dict] = mapped_column(JSONDocument)


class UsageRecordKey(Base):
    """Each record id seen, with the time it carried: the one place that makes an id count once.

    usage_record is partitioned by month on PostgreSQL, and a partitioned table can only enforce uniqueness that
    includes its partition key, so `record_key` alone is unique here, in a plain table: a record sent twice, in one
    batch or in two at once, or sent again with another `at`, is stored and counted once. Kept as long as the raw
    records (retention deletes both); `at` is the time stored with the first copy.
    """

    __tablename__ = "usage_record_key"
    __table_args__ = (Index("ix_usage_record_key_at", "at", postgresql_using="brin"),)  # retention alone reads it

    record_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class UsageRecord(Base):
    """One reported call (or run of calls): raw, kept USAGE_RETENTION_DAYS; pages read UsageDaily, never this.

    On PostgreSQL the table is partitioned by month of `at` (workflows/usage/partitions.py keeps the months), so
    retention drops whole months; its key must include `at` for that reason, and UsageRecordKey keeps ids unique.
    Indexed by its key and batch only (retention deletes by them): nothing reads raw records by unit, resource or
    grant, so every record stored would pay for indexes nobody uses.
    """

    __tablename__ = "usage_record"
    __table_args__ = (
        PrimaryKeyConstraint("at", "record_key"),  # `at` first: retention's edge delete walks it, inserts append
        {"postgresql_partition_by": "RANGE (at)"},
    )

    record_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)  # when the calls happened
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("usage_batch.id", ondelete="SET NULL"), index=True)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("data_grant.id"))  # None: a call under no grant
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # the unit that used the data
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"))
    interface_id: Mapped[int | None] = mapped_column(ForeignKey("interface.id", ondelete="SET NULL"))
    call_type: Mapped[CallType] = mapped_column(coded(CallType, "call_type"))
    count: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    scenario: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UsageDaily(Base):
    """Calls per grant, resource, using unit, interface, day (Asia/Shanghai) and call type, kept for ever.

    Maintained in the ingesting transaction by an upsert; grant_key and interface_key are 0 for none.
    """

    __tablename__ = "usage_daily"
    __table_args__ = (
        UniqueConstraint(
            "grant_key", "resource_id", "unit_id", "interface_key", "day", "call_type", name="uq_usage_daily_key"
        ),
        Index("ix_usage_daily_unit_day", "unit_id", "day"),
        Index("ix_usage_daily_resource_day", "resource_id", "day"),
        Index("ix_usage_daily_interface_day", "interface_key", "day"),
        Index("ix_usage_daily_grant_day", "grant_key", "day"),  # each batch's anomaly check reads a grant's days
        {"postgresql_with": {"fillfactor": UPSERTED_FILLFACTOR}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_key: Mapped[int] = mapped_column(Integer)  # data_grant.id, or NO_KEY
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    interface_key: Mapped[int] = mapped_column(Integer)  # interface.id, or NO_KEY
    day: Mapped[date] = mapped_column(Date)
    call_type: Mapped[CallType] = mapped_column(coded(CallType, "call_type"))
    count: Mapped[int] = mapped_column(BigInteger)
    failed: Mapped[int] = mapped_column(BigInteger)
    records: Mapped[int] = mapped_column(Integer)


class ResourceRefresh(Base):
    """When the platform last saw a resource's data refreshed (the latest report wins, never an older one)."""

    __tablename__ = "resource_refresh"

    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AnomalyKind(LabeledEnum):
    NO_GRANT = "no_grant", "无授权调用"
    GRANT_INACTIVE = "grant_inactive", "授权未生效、已过期或已撤销时调用"
    SCENARIO = "scenario", "应用场景与授权不符"
    FREQUENCY = "frequency", "调用频次超出申请时申报的频次"
    JUMP = "jump", "调用量较前 7 天突增"


class UsageAnomaly(Base):
    """A pattern in reported usage worth a look (four(四), 五 谁使用谁负责): one row per kind, grant (or unit and
    resource for calls under no grant) and day, found at ingest; the records named are the first ones seen."""

    __tablename__ = "usage_anomaly"
    __table_args__ = (
        UniqueConstraint("kind", "grant_key", "unit_id", "resource_id", "day", name="uq_usage_anomaly_key"),
        Index("ix_usage_anomaly_unit_day", "unit_id", "day"),
        Index("ix_usage_anomaly_resource_day", "resource_id", "day"),
        {"postgresql_with": {"fillfactor": UPSERTED_FILLFACTOR}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AnomalyKind] = mapped_column(coded(AnomalyKind, "kind"))
    grant_key: Mapped[int] = mapped_column(Integer, index=True)  # data_grant.id, or NO_KEY
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"))
    day: Mapped[date] = mapped_column(Date)
    calls: Mapped[int] = mapped_column(BigInteger)  # the calls of the records that showed it
    record_keys: Mapped[list] = mapped_column(JSONDocument, default=list)  # at most ANOMALY_RECORDS of them
    details: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    explanation: Mapped[str] = mapped_column(Text, default="", server_default="")  # the using unit's (谁使用谁负责)
    explained_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    explained_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship(lazy="joined")
    resource: Mapped[Resource] = relationship(lazy="joined")
