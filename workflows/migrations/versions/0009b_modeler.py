"""process_version.note (why a version was deployed); process_draft (a modeler's saved, not deployed, work)

Revision ID: 0009b
Revises: 0009a
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import UTCDateTime

revision = '0009b'
down_revision = '0009a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
    op.create_table(
        'process_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_key', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('bpmn_xml', sa.Text(), nullable=False),
        sa.Column('forms', sa.JSON(), nullable=False),
        sa.Column('base_version', sa.Integer(), nullable=True),
        sa.Column('saved_by_id', sa.Integer(), nullable=True),
        sa.Column('saved_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['saved_by_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('process_key', name='uq_process_draft_key'),
    )
    op.create_index(op.f('ix_process_draft_saved_by_id'), 'process_draft', ['saved_by_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_process_draft_saved_by_id'), table_name='process_draft')
    op.drop_table('process_draft')
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_column('note')
