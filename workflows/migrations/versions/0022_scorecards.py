"""scorecard_weights, scorecard, supervision_report and the usage anomaly's explanation: the bureau's weights for the
unit scorecard (督导考核), closed periods' cards, the monthly reports, and what a using unit says of an anomaly

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


    with op.batch_alter_table('usage_anomaly', recreate='always' if op.get_bind().dialect.name == 'sqlite' else 'auto') as batch:
        batch.add_column(sa.Column('explanation', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('explained_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('explained_at', UTCDateTime(), nullable=True))
        batch.create_foreign_key(op.f('fk_usage_anomaly_explained_by_id_person'), 'person', ['explained_by_id'], ['id'])
        batch.create_index('ix_usage_anomaly_explained_by_id', ['explained_by_id'])


def downgrade():
    with op.batch_alter_table('usage_anomaly', recreate='always' if op.get_bind().dialect.name == 'sqlite' else 'auto') as batch:
        batch.drop_index('ix_usage_anomaly_explained_by_id')
        batch.drop_constraint(op.f('fk_usage_anomaly_explained_by_id_person'), type_='foreignkey')
        batch.drop_column('explained_at')
        batch.drop_column('explained_by_id')
        batch.drop_column('explanation')
    op.drop_table('supervision_report')
    op.drop_index('ix_scorecard_unit_id', table_name='scorecard')
    op.drop_table('scorecard')
    op.drop_index('ix_scorecard_weights_set_by_id', table_name='scorecard_weights')
    op.drop_table('scorecard_weights')
