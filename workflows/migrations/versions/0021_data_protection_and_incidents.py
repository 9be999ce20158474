"""application and data_grant: the using unit's undertaking how it keeps the data (存放位置, 知悉范围, 销毁期限和方式;
NULL for what came before); incident: security incidents (安全事件) of a using unit, with their status

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import UTCDateTime

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

PROTECTION = ('protection_storage', 'protection_access', 'protection_disposal')


def _check(name: str, column: str, values: list[str]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=name)


def upgrade():
    for table in ('application', 'data_grant'):
        with op.batch_alter_table(table) as batch_op:
            for column in PROTECTION:
                batch_op.add_column(sa.Column(column, sa.String(length=300), nullable=True))
    op.create_table(
        'incident',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('grant_id', sa.Integer(), nullable=True),
        sa.Column('objection_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('account', sa.Text(), nullable=False),
        sa.Column('data_affected', sa.Text(), nullable=False),
        sa.Column('measures', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('status_note', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_incident_unit_id_unit')),
        sa.ForeignKeyConstraint(['grant_id'], ['data_grant.id'], name=op.f('fk_incident_grant_id_data_grant')),
        sa.ForeignKeyConstraint(['objection_id'], ['objection.id'], name=op.f('fk_incident_objection_id_objection')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], name=op.f('fk_incident_recorded_by_id_person')),
        _check(op.f('ck_incident_source'), 'source', ['manual', 'objection', 'anomaly']),
        _check(op.f('ck_incident_status'), 'status', ['handling', 'handled', 'closed']),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident')),
    )
    op.create_index('ix_incident_unit_status', 'incident', ['unit_id', 'status'], unique=False)
    op.create_index(op.f('ix_incident_grant_id'), 'incident', ['grant_id'], unique=False)
    op.create_index(op.f('ix_incident_objection_id'), 'incident', ['objection_id'], unique=False)
    op.create_index(op.f('ix_incident_occurred_on'), 'incident', ['occurred_on'], unique=False)
    op.create_index(op.f('ix_incident_recorded_by_id'), 'incident', ['recorded_by_id'], unique=False)


def downgrade():
    for index in ('recorded_by_id', 'occurred_on', 'objection_id', 'grant_id'):
        op.drop_index(op.f(f'ix_incident_{index}'), table_name='incident')
    op.drop_index('ix_incident_unit_status', table_name='incident')
    op.drop_table('incident')
    for table in ('data_grant', 'application'):
        with op.batch_alter_table(table) as batch_op:
            for column in reversed(PROTECTION):
                batch_op.drop_column(column)
