"""The county keeps its own organisation: units can be deactivated and need no credit code, a one-time
password must be changed at the next login, and an uploaded people workbook waits for its confirmation

Revision ID: 0009a
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import UTCDateTime

revision = '0009a'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:  # SQLite rebuilds it: env.py turns foreign keys off
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.alter_column('credit_code', existing_type=sa.String(length=18), nullable=True)
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        'people_import',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=100), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['person.id'], name=op.f('fk_people_import_actor_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_people_import')),
    )
    op.create_index(op.f('ix_people_import_actor_id'), 'people_import', ['actor_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_people_import_actor_id'), table_name='people_import')
    op.drop_table('people_import')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('unit', schema=None) as batch_op:  # SQLite rebuilds it: env.py turns foreign keys off
        batch_op.alter_column('credit_code', existing_type=sa.String(length=18), nullable=False)
        batch_op.drop_column('active')
