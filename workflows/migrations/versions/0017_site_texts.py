"""site_text: the policy page and the help page's contact block, kept by the sysadmin

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import UTCDateTime

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'site_text',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['person.id']),
        sa.CheckConstraint("kind IN ('policy', 'help')", name=op.f('ck_site_text_kind')),
        sa.PrimaryKeyConstraint('kind'),
    )
    op.create_index(op.f('ix_site_text_updated_by_id'), 'site_text', ['updated_by_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_site_text_updated_by_id'), table_name='site_text')
    op.drop_table('site_text')
