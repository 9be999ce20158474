"""usage from the city data platform: person.account_kind (platform), data_grant.changed_at (the grant feed),
usage_batch / usage_record (raw, kept for a while) / usage_daily (rollups, kept) / resource_refresh /
usage_anomaly (found at ingest);
interface.monthly_calls goes: the interface list counts real calls from the rollups

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

from workflows.db import JSONDocument, UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _recreate() -> str:
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade():
    with op.batch_alter_table("person", recreate=_recreate()) as batch_op:
        batch_op.add_column(sa.Column("account_kind", sa.String(length=20), server_default="person", nullable=False))
        batch_op.create_check_constraint(op.f("ck_person_account_kind"), "account_kind IN ('person', 'platform')")
    op.add_column("data_grant", sa.Column("changed_at", UTCDateTime(), nullable=True))
    op.execute("UPDATE data_grant SET changed_at = COALESCE(revoked_at, created_at)")
    with op.batch_alter_table("data_grant", recreate=_recreate()) as batch_op:
        batch_op.alter_column("changed_at", existing_type=UTCDateTime(), nullable=False)
        batch_op.create_index("ix_grant_changed", ["changed_at", "id"], unique=False)
    with op.batch_alter_table("interface", recreate=_recreate()) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interface_monthly_calls"))
        batch_op.drop_column("monthly_calls")

    op.create_table(
        "usage_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("answer", JSONDocument, nullable=False),
        sa.CheckConstraint("source IN ('platform', 'upload')", name=op.f("ck_usage_batch_source")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_usage_batch_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_batch")),
        sa.UniqueConstraint("person_id", "idempotency_key", name="uq_usage_batch_key"),
    )
    op.create_index(op.f("ix_usage_batch_received_at"), "usage_batch", ["received_at"], unique=False)
    op.create_table(
        "usage_record",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_record")),
        sa.UniqueConstraint("record_key", name=op.f("uq_usage_record_record_key")),
    )
    op.create_index("ix_usage_record_grant_at", "usage_record", ["grant_id", "at"], unique=False)
    for column in ("batch_id", "unit_id", "resource_id", "interface_id", "at"):
        op.create_index(op.f(f"ix_usage_record_{column}"), "usage_record", [column], unique=False)
    op.create_table(
        "usage_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_key", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("interface_key", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("call_type", sa.String(length=20), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("failed", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.CheckConstraint("call_type IN ('interface', 'table', 'file')", name=op.f("ck_usage_daily_call_type")),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"], name=op.f("fk_usage_daily_resource_id_resource")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_usage_daily_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_daily")),
        sa.UniqueConstraint(
            "grant_key", "resource_id", "unit_id", "interface_key", "day", "call_type", name="uq_usage_daily_key"
        ),
    )
    op.create_index("ix_usage_daily_unit_day", "usage_daily", ["unit_id", "day"], unique=False)
    op.create_index("ix_usage_daily_resource_day", "usage_daily", ["resource_id", "day"], unique=False)
    op.create_index("ix_usage_daily_interface_day", "usage_daily", ["interface_key", "day"], unique=False)
    op.create_table(
        "resource_refresh",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["resource.id"], name=op.f("fk_resource_refresh_resource_id_resource"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_resource_refresh")),
    )


    op.create_table(
        "usage_anomaly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("grant_key", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("record_keys", JSONDocument, nullable=False),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('no_grant', 'grant_inactive', 'scenario', 'frequency', 'jump')", name=op.f("ck_usage_anomaly_kind")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_usage_anomaly_unit_id_unit")),
        sa.ForeignKeyConstraint(["resource_id"], ["resource.id"], name=op.f("fk_usage_anomaly_resource_id_resource")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_anomaly")),
        sa.UniqueConstraint("kind", "grant_key", "unit_id", "resource_id", "day", name="uq_usage_anomaly_key"),
    )
    op.create_index(op.f("ix_usage_anomaly_grant_key"), "usage_anomaly", ["grant_key"], unique=False)
    op.create_index("ix_usage_anomaly_unit_day", "usage_anomaly", ["unit_id", "day"], unique=False)
    op.create_index("ix_usage_anomaly_resource_day", "usage_anomaly", ["resource_id", "day"], unique=False)


def downgrade():
    op.drop_index("ix_usage_anomaly_resource_day", table_name="usage_anomaly")
    op.drop_index("ix_usage_anomaly_unit_day", table_name="usage_anomaly")
    op.drop_index(op.f("ix_usage_anomaly_grant_key"), table_name="usage_anomaly")
    op.drop_table("usage_anomaly")
    op.drop_table("resource_refresh")
    op.drop_index("ix_usage_daily_interface_day", table_name="usage_daily")
    op.drop_index("ix_usage_daily_resource_day", table_name="usage_daily")
    op.drop_index("ix_usage_daily_unit_day", table_name="usage_daily")
    op.drop_table("usage_daily")
    for column in ("batch_id", "unit_id", "resource_id", "interface_id", "at"):
        op.drop_index(op.f(f"ix_usage_record_{column}"), table_name="usage_record")
    op.drop_index("ix_usage_record_grant_at", table_name="usage_record")
    op.drop_table("usage_record")
    op.drop_index(op.f("ix_usage_batch_received_at"), table_name="usage_batch")
    op.drop_table("usage_batch")
    with op.batch_alter_table("interface", recreate=_recreate()) as batch_op:
        batch_op.add_column(sa.Column("monthly_calls", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_interface_monthly_calls"), ["monthly_calls"], unique=False)
    with op.batch_alter_table("data_grant", recreate=_recreate()) as batch_op:
        batch_op.drop_index("ix_grant_changed")
        batch_op.drop_column("changed_at")
    with op.batch_alter_table("person", recreate=_recreate()) as batch_op:
        batch_op.drop_constraint(op.f("ck_person_account_kind"), type_="check")
        batch_op.drop_column("account_kind")
