"""catalog search indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 15:53:31.555163
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain CREATE INDEX (no batch mode): rebuilding the table would drop the FTS triggers.
    op.create_index("ix_resource_facets", "resource", ["status", "share_type", "open_type", "format",
                                                       "category_class", "sensitivity", "update_cycle"])
    op.create_index("ix_resource_status_published", "resource", ["status", "published_on", "code"])


def downgrade() -> None:
    op.drop_index("ix_resource_status_published", table_name="resource")
    op.drop_index("ix_resource_facets", table_name="resource")
