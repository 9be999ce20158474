"""approval_record: one per decision, not one per application (a review reopened by an objection decides again)

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('approval_record', schema=None) as batch_op:
        batch_op.drop_constraint('uq_approval_record_application_id', type_='unique')
        batch_op.create_index(batch_op.f('ix_approval_record_application_id'), ['application_id'], unique=False)


def downgrade():
    with op.batch_alter_table('approval_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_record_application_id'))
        batch_op.create_unique_constraint('uq_approval_record_application_id', ['application_id'])
