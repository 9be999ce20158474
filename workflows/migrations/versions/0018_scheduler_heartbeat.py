"""scheduler_heartbeat: the periodic pass's last run, duration and failures (/readyz, /metrics, 系统运行状况)

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import JSONDocument, UTCDateTime

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduler_heartbeat',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=False),
        sa.Column('finished_at', UTCDateTime(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('timers_fired', sa.Integer(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('failed_cases', JSONDocument, nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('host', sa.String(length=200), nullable=False),
        sa.Column('passes', sa.Integer(), nullable=False),
        sa.Column('failed_passes', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade():
    op.drop_table('scheduler_heartbeat')
