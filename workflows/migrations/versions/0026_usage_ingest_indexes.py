"""Usage indexes for ingest at scale: the raw records keep only what is read or deleted by (their key and batch),
a record id's time is a BRIN index on PostgreSQL (ids arrive in time order; retention alone reads it), and the
rollups are indexed by (grant, day) for the anomaly check of each batch.

Nothing reads raw records by unit, resource, interface or grant: pages and scorecards read the rollups, and units,
resources, interfaces and grants are never deleted (they are retired, revoked or expire), so those four indexes
were paid by every record stored and used by nothing.

Revision ID: 0026
Revises: 0025
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

UNREAD = ("unit_id", "resource_id", "interface_id")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    for column in UNREAD:
        op.drop_index(f"ix_usage_record_{column}", table_name="usage_record")
    op.drop_index("ix_usage_record_grant_at", table_name="usage_record")
    op.create_index("ix_usage_daily_grant_day", "usage_daily", ["grant_key", "day"])
    if _postgres():
        op.drop_index("ix_usage_record_key_at", table_name="usage_record_key")
        op.create_index("ix_usage_record_key_at", "usage_record_key", ["at"], postgresql_using="brin")


def downgrade():
    if _postgres():
        op.drop_index("ix_usage_record_key_at", table_name="usage_record_key")
        op.create_index("ix_usage_record_key_at", "usage_record_key", ["at"])
    op.drop_index("ix_usage_daily_grant_day", table_name="usage_daily")
    op.create_index("ix_usage_record_grant_at", "usage_record", ["grant_id", "at"])
    for column in UNREAD:
        op.create_index(f"ix_usage_record_{column}", "usage_record", [column])
