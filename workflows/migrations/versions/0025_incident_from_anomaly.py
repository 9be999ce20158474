"""incident.anomaly_id: an incident recorded from a usage anomaly names it, so the anomaly shows its incident

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def _recreate() -> str:
    return 'always' if op.get_bind().dialect.name == 'sqlite' else 'auto'


def upgrade():
    with op.batch_alter_table('incident', recreate=_recreate()) as batch:
        batch.add_column(sa.Column('anomaly_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_incident_anomaly_id_usage_anomaly'), 'usage_anomaly', ['anomaly_id'], ['id'])
        batch.create_index('ix_incident_anomaly_id', ['anomaly_id'])


def downgrade():
    with op.batch_alter_table('incident', recreate=_recreate()) as batch:
        batch.drop_index('ix_incident_anomaly_id')
        batch.drop_constraint(op.f('fk_incident_anomaly_id_usage_anomaly'), type_='foreignkey')
        batch.drop_column('anomaly_id')
