"""objection, objection_answer, objection_correction, objection_record, objection_file: 异议 and 纠错 (四(五), 三(四))

Revision ID: 0010
Revises: 0009b
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import JSONDocument, UTCDateTime

revision = '0010'
down_revision = '0009b'
branch_labels = None
depends_on = None


def _check(name: str, column: str, values: list[str]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=name)


def upgrade() -> None:
    op.create_table(
        'objection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('facts', sa.Text(), nullable=False),
        sa.Column('request', sa.Text(), nullable=False),
        sa.Column('raiser_id', sa.Integer(), nullable=False),
        sa.Column('raiser_unit_id', sa.Integer(), nullable=False),
        sa.Column('concerned_unit_id', sa.Integer(), nullable=True),
        sa.Column('application_id', sa.Integer(), nullable=True),
        sa.Column('resource_id', sa.Integer(), nullable=True),
        sa.Column('grant_id', sa.Integer(), nullable=True),
        sa.Column('attachments', JSONDocument, nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('info_request', sa.Text(), nullable=False),
        sa.Column('supplement', sa.Text(), nullable=False),
        sa.Column('not_accepted_reason', sa.Text(), nullable=False),
        sa.Column('responding_unit_ids', JSONDocument, nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('opinion', sa.Text(), nullable=False),
        sa.Column('coordination', JSONDocument, nullable=False),
        sa.Column('referral_document', sa.Text(), nullable=False),
        sa.Column('referred_on', sa.Date(), nullable=True),
        sa.Column('effect', sa.Text(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=True),
        sa.Column('rating_comment', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('accepted_at', UTCDateTime(), nullable=True),
        sa.Column('closed_at', UTCDateTime(), nullable=True),
        sa.Column('rated_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['raiser_id'], ['person.id']),
        sa.ForeignKeyConstraint(['raiser_unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['concerned_unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['application_id'], ['application.id']),
        sa.ForeignKeyConstraint(['resource_id'], ['resource.id']),
        sa.ForeignKeyConstraint(['grant_id'], ['data_grant.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id']),
        _check(op.f('ck_objection_kind'), 'kind', ['catalog_correction', 'application_dispute', 'usage_dispute', 'quality_dispute', 'other']),
        _check(op.f('ck_objection_status'), 'status', ['submitted', 'accepted', 'not_accepted', 'awaiting_info', 'transferred', 'coordinating', 'referred', 'closed', 'rated']),
        _check(op.f('ck_objection_outcome'), 'outcome', ['upheld', 'rejected', 'referred']),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('raiser_id', 'raiser_unit_id', 'concerned_unit_id', 'application_id', 'resource_id', 'grant_id',
                   'instance_id'):
        op.create_index(op.f(f'ix_objection_{column}'), 'objection', [column], unique=False)
    op.create_table(
        'objection_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('objection_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('stance', sa.String(length=20), nullable=False),
        sa.Column('position', sa.Text(), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=False),
        sa.Column('answered_at', UTCDateTime(), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['objection_id'], ['objection.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['answered_by_id'], ['person.id']),
        _check(op.f('ck_objection_answer_stance'), 'stance', ['agree', 'disagree']),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('objection_id', 'unit_id', 'answered_by_id'):
        op.create_index(op.f(f'ix_objection_answer_{column}'), 'objection_answer', [column], unique=False)
    op.create_table(
        'objection_correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('objection_id', sa.Integer(), nullable=False),
        sa.Column('resource_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('revision_from', sa.Integer(), nullable=False),
        sa.Column('done_note', sa.Text(), nullable=False),
        sa.Column('corrected_on', sa.Date(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('done_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['objection_id'], ['objection.id']),
        sa.ForeignKeyConstraint(['resource_id'], ['resource.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id']),
        _check(op.f('ck_objection_correction_status'), 'status', ['open', 'done']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('objection_id', name=op.f('uq_objection_correction_objection_id')),
    )
    for column in ('resource_id', 'unit_id', 'instance_id'):
        op.create_index(op.f(f'ix_objection_correction_{column}'), 'objection_correction', [column], unique=False)

    op.create_table(
        'objection_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('objection_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', JSONDocument, nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['objection_id'], ['objection.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('objection_id', name=op.f('uq_objection_record_objection_id')),
        sa.UniqueConstraint('sha256', name=op.f('uq_objection_record_sha256')),
    )

    op.create_table(
        'objection_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('objection_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['objection_id'], ['objection.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('objection_id', 'uploaded_by_id'):
        op.create_index(op.f(f'ix_objection_file_{column}'), 'objection_file', [column], unique=False)


def downgrade() -> None:
    for column in ('objection_id', 'uploaded_by_id'):
        op.drop_index(op.f(f'ix_objection_file_{column}'), table_name='objection_file')
    op.drop_table('objection_file')
    op.drop_table('objection_record')
    for column in ('resource_id', 'unit_id', 'instance_id'):
        op.drop_index(op.f(f'ix_objection_correction_{column}'), table_name='objection_correction')
    op.drop_table('objection_correction')
    for column in ('objection_id', 'unit_id', 'answered_by_id'):
        op.drop_index(op.f(f'ix_objection_answer_{column}'), table_name='objection_answer')
    op.drop_table('objection_answer')
    for column in ('raiser_id', 'raiser_unit_id', 'concerned_unit_id', 'application_id', 'resource_id', 'grant_id',
                   'instance_id'):
        op.drop_index(op.f(f'ix_objection_{column}'), table_name='objection')
    op.drop_table('objection')
