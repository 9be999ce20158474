"""unit.kind township (乡镇（街道）); vendor_account: the staff of a company that builds or runs a unit's systems
(运维厂商人员), with the company, the end date, the 保密承诺 and the expiry reminder

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import UTCDateTime

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

KINDS = ['coordinator', 'department', 'vertical', 'institution', 'association']


def _kinds(values: list[str]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table('unit', recreate="always" if op.get_bind().dialect.name == "sqlite" else "auto") \
            as batch_op:
        batch_op.drop_constraint(op.f('ck_unit_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_unit_kind'), f"kind IN ({listed})")


def upgrade():
    _kinds(KINDS + ['township'])
    op.create_table(
        'vendor_account',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('company', sa.String(length=100), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('undertaking_accepted_at', UTCDateTime(), nullable=True),
        sa.Column('expiry_reminded_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_vendor_account_person_id_person'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_vendor_account_created_by_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor_account')),
        sa.UniqueConstraint('person_id', name=op.f('uq_vendor_account_person_id')),
    )
    op.create_index(op.f('ix_vendor_account_created_by_id'), 'vendor_account', ['created_by_id'], unique=False)
    op.create_index(op.f('ix_vendor_account_expiry_reminded_at'), 'vendor_account', ['expiry_reminded_at'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_vendor_account_expiry_reminded_at'), table_name='vendor_account')
    op.drop_index(op.f('ix_vendor_account_created_by_id'), table_name='vendor_account')
    op.drop_table('vendor_account')
    op.execute("UPDATE unit SET kind = 'department' WHERE kind = 'township'")
    _kinds(KINDS)
