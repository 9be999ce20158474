"""entry_change, affected_grant: 不予共享, retirement and removed items wait for the bureau and reach the grants;
catalog_change: registered late, the entry revised, 待县大数据局确认 and 经确认无需更新

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import JSONDocument, UTCDateTime

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

CHANGE_BEFORE = ['open', 'done']
CHANGE_AFTER = ['open', 'confirming', 'done', 'no_effect']


def _check(name: str, column: str, values: list[str]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=name)


def _recreate() -> str:
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade():
    op.create_table(
        'entry_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resource_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('basis', sa.Text(), nullable=False),
        sa.Column('removed_items', JSONDocument, nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', UTCDateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.Column('return_reason', sa.Text(), nullable=False),
        sa.Column('affected_grants', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['resource_id'], ['resource.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['requested_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id']),
        _check(op.f('ck_entry_change_kind'), 'kind', ['not_shared', 'retire', 'remove_items']),
        _check(op.f('ck_entry_change_status'), 'status', ['pending', 'returned', 'effective']),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('resource_id', 'unit_id', 'requested_by_id', 'decided_by_id', 'instance_id'):
        op.create_index(op.f(f'ix_entry_change_{column}'), 'entry_change', [column], unique=False)
    op.create_table(
        'affected_grant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('grant_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('dropped_items', JSONDocument, nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['change_id'], ['entry_change.id']),
        sa.ForeignKeyConstraint(['grant_id'], ['data_grant.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['person.id']),
        _check(op.f('ck_affected_grant_status'), 'status', ['open', 'revoked', 'kept', 'ended']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('change_id', 'grant_id', name='uq_affected_grant'),
    )
    for column in ('grant_id', 'instance_id', 'decided_by_id'):
        op.create_index(op.f(f'ix_affected_grant_{column}'), 'affected_grant', [column], unique=False)
    listed = ", ".join(f"'{v}'" for v in CHANGE_AFTER)
    with op.batch_alter_table('catalog_change', recreate=_recreate()) as batch_op:
        batch_op.add_column(sa.Column('registered_late', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('resource_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resource_revision', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('return_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key(op.f('fk_catalog_change_resource_id_resource'), 'resource', ['resource_id'], ['id'])
        batch_op.create_index(op.f('ix_catalog_change_resource_id'), ['resource_id'], unique=False)
        batch_op.drop_constraint(op.f('ck_catalog_change_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_catalog_change_status'), f"status IN ({listed})")


def downgrade():
    op.execute("UPDATE catalog_change SET status = 'open' WHERE status = 'confirming'")
    op.execute("UPDATE catalog_change SET status = 'done' WHERE status = 'no_effect'")
    listed = ", ".join(f"'{v}'" for v in CHANGE_BEFORE)
    with op.batch_alter_table('catalog_change', recreate=_recreate()) as batch_op:
        batch_op.drop_constraint(op.f('ck_catalog_change_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_catalog_change_status'), f"status IN ({listed})")
        batch_op.drop_index(op.f('ix_catalog_change_resource_id'))
        batch_op.drop_constraint(op.f('fk_catalog_change_resource_id_resource'), type_='foreignkey')
        batch_op.drop_column('return_reason')
        batch_op.drop_column('resource_revision')
        batch_op.drop_column('resource_id')
        batch_op.drop_column('registered_late')
    op.drop_table('affected_grant')
    op.drop_table('entry_change')
