"""The county keeps its own organisation: units can be deactivated and need no credit code, a one-time
password must be changed at the next login, and an uploaded people workbook waits for its confirmation

Revision ID: 0009a
Revises: 0008
"""
import contextlib

import sqlalchemy as sa
from alembic import op

from workflows.db import UTCDateTime

revision = '0009a'
down_revision = '0008'
branch_labels = None
depends_on = None


@contextlib.contextmanager
def _foreign_keys_off_on_sqlite():
    """SQLite changes a column's NOT NULL only by rebuilding its table, and dropping a table that others
    reference fails while foreign keys are enforced, which cannot be switched off inside a transaction:
    so the rebuild runs in a transaction of its own with them off, checked before they are on again."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    raw = bind.connection.dbapi_connection
    raw.execute("COMMIT")
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("BEGIN IMMEDIATE")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"rebuilding a table broke {len(broken)} references: {broken[:5]}")
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    finally:
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("BEGIN IMMEDIATE")  # the migration's own transaction goes on (alembic stamps the version in it)


def upgrade() -> None:
    with _foreign_keys_off_on_sqlite(), op.batch_alter_table('unit', schema=None) as batch_op:
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
    with _foreign_keys_off_on_sqlite(), op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.alter_column('credit_code', existing_type=sa.String(length=18), nullable=False)
        batch_op.drop_column('active')
