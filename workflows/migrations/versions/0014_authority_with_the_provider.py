"""Authority with the provider: an application 协调中 after a provider answers it cannot carry out a county
decision; a grant names the record of the decision that created it; the county government's decision on a referral
and its document file

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import JSONDocument

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

STATUSES = ['draft', 'submitted', 'in_review', 'returned', 'approved', 'rejected', 'withdrawn']
WITH_COORDINATING = STATUSES[:4] + ['coordinating'] + STATUSES[4:]


def _statuses(values: list[str]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table('application', recreate="always" if op.get_bind().dialect.name == "sqlite" else "auto") \
            as batch_op:
        batch_op.drop_constraint(op.f('ck_application_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_application_status'), f"status IN ({listed})")


def upgrade():
    _statuses(WITH_COORDINATING)
    with op.batch_alter_table('data_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_data_grant_record_id'), ['record_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_data_grant_record_id_approval_record'), 'approval_record',
                                    ['record_id'], ['id'])
    # the grants made so far: the newest 已通过 record of their application is the decision that created them
    decision = ("json_extract(r.content, '$.decision')" if op.get_bind().dialect.name == "sqlite"
                else "r.content->>'decision'")
    op.execute("UPDATE data_grant SET record_id = (SELECT max(r.id) FROM approval_record r "
               f"WHERE r.application_id = data_grant.application_id AND {decision} = '已通过')")
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('government_decision', JSONDocument, nullable=True))
    op.execute("UPDATE objection SET government_decision = '{}'")
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.alter_column('government_decision', existing_type=JSONDocument, nullable=False)
    with op.batch_alter_table('objection_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=24), nullable=False, server_default='evidence'))
        batch_op.create_check_constraint(op.f('ck_objection_file_purpose'),
                                         "purpose IN ('evidence', 'government_decision')")


def downgrade():
    with op.batch_alter_table('objection_file', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_objection_file_purpose'), type_='check')
        batch_op.drop_column('purpose')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_column('government_decision')
    with op.batch_alter_table('data_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_data_grant_record_id_approval_record'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_data_grant_record_id'))
        batch_op.drop_column('record_id')
    op.execute("UPDATE application SET status = 'rejected' WHERE status = 'coordinating'")
    _statuses(STATUSES)
