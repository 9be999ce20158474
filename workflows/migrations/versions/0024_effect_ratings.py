"""effect_rating: the quarterly 使用效果评价 of each active grant by the unit that was granted the data

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import UTCDateTime

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'effect_rating',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('grant_id', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=6), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', UTCDateTime(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('usefulness', sa.Integer(), nullable=True),
        sa.Column('effect', sa.Text(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('rated_by_id', sa.Integer(), nullable=True),
        sa.Column('rated_at', UTCDateTime(), nullable=True),
        sa.Column('on_time', sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(['grant_id'], ['data_grant.id'], name=op.f('fk_effect_rating_grant_id_data_grant')),
        sa.ForeignKeyConstraint(
            ['instance_id'], ['process_instance.id'], name=op.f('fk_effect_rating_instance_id_process_instance')
        ),
        sa.ForeignKeyConstraint(['rated_by_id'], ['person.id'], name=op.f('fk_effect_rating_rated_by_id_person')),
        sa.CheckConstraint("status IN ('open', 'done')", name=op.f('ck_effect_rating_status')),
        sa.CheckConstraint(
            'usefulness IS NULL OR usefulness BETWEEN 1 AND 5', name=op.f('ck_effect_rating_usefulness_range')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_effect_rating')),
        sa.UniqueConstraint('grant_id', 'quarter', name='uq_effect_rating_grant_quarter'),
    )
    for column in ('grant_id', 'quarter', 'instance_id', 'rated_by_id'):
        op.create_index(op.f(f'ix_effect_rating_{column}'), 'effect_rating', [column], unique=False)


def downgrade():
    for column in ('rated_by_id', 'instance_id', 'quarter', 'grant_id'):
        op.drop_index(op.f(f'ix_effect_rating_{column}'), table_name='effect_rating')
    op.drop_table('effect_rating')
