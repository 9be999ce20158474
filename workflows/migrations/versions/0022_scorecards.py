"""scorecard_weights, scorecard, supervision_report: the bureau's weights for the unit scorecard (督导考核), closed
periods' cards and the monthly reports

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import JSONDocument, UTCDateTime

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scorecard_weights',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('weights', JSONDocument, nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('set_by_id', sa.Integer(), sa.ForeignKey('person.id'), nullable=False),
        sa.Column('set_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('effective_from'),
    )
    op.create_index('ix_scorecard_weights_set_by_id', 'scorecard_weights', ['set_by_id'])
    op.create_table(
        'scorecard',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('unit.id'), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('parts', JSONDocument, nullable=False),
        sa.Column('computed_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period', 'unit_id', name='uq_scorecard_period_unit'),
    )
    op.create_index('ix_scorecard_unit_id', 'scorecard', ['unit_id'])
    op.create_table(
        'supervision_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('content', JSONDocument, nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=True),
        sa.Column('xlsx', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period'),
    )


def downgrade():
    op.drop_table('supervision_report')
    op.drop_index('ix_scorecard_unit_id', table_name='scorecard')
    op.drop_table('scorecard')
    op.drop_index('ix_scorecard_weights_set_by_id', table_name='scorecard_weights')
    op.drop_table('scorecard_weights')
