"""person.session_generation ends every session at logout or password change; record rendering retries with back-off

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

from workflows.db import UTCDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('approval_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('render_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('render_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('next_render_at', UTCDateTime(), nullable=True))
    op.create_index('ix_login_failure_address_at', 'login_failure', ['address', 'at'])


def downgrade() -> None:
    op.drop_index('ix_login_failure_address_at', table_name='login_failure')
    with op.batch_alter_table('approval_record', schema=None) as batch_op:
        batch_op.drop_column('next_render_at')
        batch_op.drop_column('render_error')
        batch_op.drop_column('render_attempts')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
