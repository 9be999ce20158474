"""audit_event.unit_id: the unit an actor acted for; person.one_time_password_issued_at: one-time passwords expire;
login_failure.at indexed for the retention purge

Adding a nullable column is an ALTER TABLE on both databases (no rebuild), so audit_event keeps its append-only
triggers. One-time passwords already given count from this migration.

Revision ID: 0015
Revises: 0014
"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from workflows import clock
from workflows.db import UTCDateTime

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # a column may bring its reference along; a constraint alone may not
        op.execute("ALTER TABLE audit_event ADD COLUMN unit_id INTEGER "
                   "CONSTRAINT fk_audit_event_unit_id_unit REFERENCES unit (id)")
    else:
        op.add_column('audit_event', sa.Column('unit_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_audit_event_unit_id_unit'), 'audit_event', 'unit', ['unit_id'], ['id'])
    op.create_index(op.f('ix_audit_event_unit_id'), 'audit_event', ['unit_id'], unique=False)
    op.add_column('person', sa.Column('one_time_password_issued_at', UTCDateTime(), nullable=True))
    person = sa.table('person', sa.column('must_change_password', sa.Boolean()),
                      sa.column('one_time_password_issued_at', UTCDateTime()))
    op.execute(person.update().where(person.c.must_change_password == sa.true())
               .values(one_time_password_issued_at=clock.now()))
    op.create_index('ix_login_failure_at', 'login_failure', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_login_failure_at', table_name='login_failure')
    op.drop_column('person', 'one_time_password_issued_at')
    op.drop_index(op.f('ix_audit_event_unit_id'), table_name='audit_event')
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f('fk_audit_event_unit_id_unit'), 'audit_event', type_='foreignkey')
        op.drop_column('audit_event', 'unit_id')
        return
    # SQLite drops a column that references another table only by rebuilding the table, which drops its triggers
    with op.batch_alter_table('audit_event', recreate="always") as batch_op:
        batch_op.drop_column('unit_id')
    for statement in _sibling("0009_coded_columns_indexed_keys_append_only_audit").SQLITE_AUDIT:
        op.execute(statement)


def _sibling(name: str):
    """An earlier migration module of this folder (its name starts with a digit, so it cannot be imported)."""
    spec = importlib.util.spec_from_file_location(f"_migration_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
