"""opinion_template (常用意见, personal or unit-wide); pending_upload (files kept across a failed submit)

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import UTCDateTime

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'opinion_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('(person_id IS NULL) <> (unit_id IS NULL)', name=op.f('ck_opinion_template_owner')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_opinion_template_person_id_person'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_opinion_template_unit_id_unit'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['person.id'],
                                name=op.f('fk_opinion_template_created_by_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_template')),
    )
    for column in ('person_id', 'unit_id', 'created_by_id'):
        op.create_index(op.f(f'ix_opinion_template_{column}'), 'opinion_template', [column], unique=False)
    op.create_table(
        'pending_upload',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_pending_upload_person_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_upload')),
        sa.UniqueConstraint('token', name=op.f('uq_pending_upload_token')),
    )
    op.create_index(op.f('ix_pending_upload_person_id'), 'pending_upload', ['person_id'], unique=False)
    op.create_index(op.f('ix_pending_upload_uploaded_at'), 'pending_upload', ['uploaded_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pending_upload_uploaded_at'), table_name='pending_upload')
    op.drop_index(op.f('ix_pending_upload_person_id'), table_name='pending_upload')
    op.drop_table('pending_upload')
    for column in ('person_id', 'unit_id', 'created_by_id'):
        op.drop_index(op.f(f'ix_opinion_template_{column}'), table_name='opinion_template')
    op.drop_table('opinion_template')
