"""objection.status: 纠错中 (correcting), between an upheld decision and the correction it orders

Revision ID: 0013
Revises: 0012
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BEFORE = ['submitted', 'accepted', 'not_accepted', 'awaiting_info', 'transferred', 'coordinating', 'referred',
          'closed', 'rated']
AFTER = BEFORE[:7] + ['correcting'] + BEFORE[7:]


def _replace(values: list[str]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table('objection', recreate="always" if op.get_bind().dialect.name == "sqlite" else "auto") \
            as batch_op:
        batch_op.drop_constraint(op.f('ck_objection_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_objection_status'), f"status IN ({listed})")


def upgrade():
    _replace(AFTER)


def downgrade():
    op.execute("UPDATE objection SET status = 'closed' WHERE status = 'correcting'")
    _replace(BEFORE)
