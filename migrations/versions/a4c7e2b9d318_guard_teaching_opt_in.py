"""accounts: a per-account opt-in to let the couple's slip marks teach the guard

Revision ID: a4c7e2b9d318
Revises: a8e2c4f6b913
Create Date: 2026-12-05 19:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4c7e2b9d318'
down_revision = 'a8e2c4f6b913'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('teaches_guard', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('teaches_guard')
