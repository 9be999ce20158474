"""usage_record partitioned by month on PostgreSQL, keyed by (at, record_key), with usage_record_key (each record id
once, in a plain table) beside it; the existing rows are kept (SQLite: the same shape, a plain table)

A partitioned table can only enforce uniqueness that includes its partition key (`at`), so the ids' uniqueness moves
to usage_record_key. The months holding the existing rows, this month and the next two get partitions, and a default
partition catches anything else; the periodic pass keeps the months from then on (workflows/usage/partitions.py).
usage_daily and usage_anomaly, updated in place by every batch, leave half of each page free for updates (HOT).

Revision ID: 0023
Revises: 0022
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from workflows.db import UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

SHANGHAI = ZoneInfo("Asia/Shanghai")
AHEAD = 2
COLUMNS = (
    "record_key, batch_id, grant_id, unit_id, resource_id, interface_id, at, call_type, count, failed, scenario, "
    "received_at"
)
OLD_INDEXED = ("batch_id", "unit_id", "resource_id", "interface_id", "at")
INDEXED = ("batch_id", "unit_id", "resource_id", "interface_id")  # `at` leads the new key
UPSERTED = ("usage_daily", "usage_anomaly")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _record_columns(id_column: bool) -> list:
    key = [sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)] if id_column else []
    return key + [
        sa.Column("record_key", sa.String(length=100), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("grant_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("interface_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("call_type", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.String(length=200), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("call_type IN ('interface', 'table', 'file')", name=op.f("ck_usage_record_call_type")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["usage_batch.id"], name=op.f("fk_usage_record_batch_id_usage_batch"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["grant_id"], ["data_grant.id"], name=op.f("fk_usage_record_grant_id_data_grant")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_usage_record_unit_id_unit")),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"], name=op.f("fk_usage_record_resource_id_resource")),
        sa.ForeignKeyConstraint(
            ["interface_id"], ["interface.id"], name=op.f("fk_usage_record_interface_id_interface"), ondelete="SET NULL"
        ),
    ]


def _drop_indexes(table: str, indexed: tuple) -> None:
    for column in indexed:
        op.drop_index(op.f(f"ix_usage_record_{column}"), table_name=table)
    op.drop_index("ix_usage_record_grant_at", table_name=table)


def _create_indexes(indexed: tuple) -> None:
    op.create_index("ix_usage_record_grant_at", "usage_record", ["grant_id", "at"], unique=False)
    for column in indexed:
        op.create_index(op.f(f"ix_usage_record_{column}"), "usage_record", [column], unique=False)


def _month(day: date) -> date:
    return day.replace(day=1)


def _next(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _bound(month: date) -> str:
    return datetime(month.year, month.month, 1, tzinfo=SHANGHAI).isoformat()


def _partitions(first: date, last: date) -> None:
    op.execute("CREATE TABLE usage_record_default PARTITION OF usage_record DEFAULT")
    month = first
    while month <= last:
        op.execute(
            f"CREATE TABLE usage_record_y{month.year}m{month.month:02d} PARTITION OF usage_record "
            f"FOR VALUES FROM ('{_bound(month)}') TO ('{_bound(_next(month))}')"
        )
        month = _next(month)


def _months_to_create() -> tuple[date, date]:
    today = datetime.now(SHANGHAI).date()
    oldest = op.get_bind().execute(sa.text("SELECT min(at) FROM usage_record_old")).scalar()
    first = _month(min(today, oldest.astimezone(SHANGHAI).date())) if oldest else _month(today)
    last = _month(today)
    for _ in range(AHEAD):
        last = _next(last)
    return first, last


def upgrade():
    op.rename_table("usage_record", "usage_record_old")
    _drop_indexes("usage_record_old", OLD_INDEXED)
    if _postgres():  # names of constraints backed by an index are the schema's, not the table's
        op.execute("ALTER TABLE usage_record_old DROP CONSTRAINT pk_usage_record")
        op.execute("ALTER TABLE usage_record_old DROP CONSTRAINT uq_usage_record_record_key")
    op.create_table(
        "usage_record_key",
        sa.Column("record_key", sa.String(length=100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("record_key", name=op.f("pk_usage_record_key")),
    )
    op.create_index(op.f("ix_usage_record_key_at"), "usage_record_key", ["at"], unique=False)
    op.create_table(
        "usage_record",
        *_record_columns(id_column=False),
        sa.PrimaryKeyConstraint("at", "record_key", name=op.f("pk_usage_record")),
        **({"postgresql_partition_by": "RANGE (at)"} if _postgres() else {}),
    )
    _create_indexes(INDEXED)
    if _postgres():
        _partitions(*_months_to_create())
        for table in UPSERTED:  # room for updates in place (HOT) on the pages written from now on
            op.execute(f"ALTER TABLE {table} SET (fillfactor = 50)")
    op.execute(f"INSERT INTO usage_record ({COLUMNS}) SELECT {COLUMNS} FROM usage_record_old")
    op.execute("INSERT INTO usage_record_key (record_key, at) SELECT record_key, at FROM usage_record_old")
    op.drop_table("usage_record_old")


def downgrade():
    op.rename_table("usage_record", "usage_record_new")
    if _postgres():
        for table in UPSERTED:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
        op.execute("ALTER TABLE usage_record_new DROP CONSTRAINT pk_usage_record")
        for column in INDEXED:
            op.execute(f"DROP INDEX ix_usage_record_{column}")
        op.execute("DROP INDEX ix_usage_record_grant_at")
    else:
        _drop_indexes("usage_record_new", INDEXED)
    op.create_table(
        "usage_record",
        *_record_columns(id_column=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_record")),
        sa.UniqueConstraint("record_key", name=op.f("uq_usage_record_record_key")),
    )
    _create_indexes(OLD_INDEXED)
    op.execute(f"INSERT INTO usage_record ({COLUMNS}) SELECT {COLUMNS} FROM usage_record_new ORDER BY at, record_key")
    op.drop_table("usage_record_new")
    op.drop_index(op.f("ix_usage_record_key_at"), table_name="usage_record_key")
    op.drop_table("usage_record_key")
