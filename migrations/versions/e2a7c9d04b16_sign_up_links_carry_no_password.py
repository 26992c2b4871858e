"""sign-up links carry no password: it is chosen when the link is used

Revision ID: e2a7c9d04b16
Revises: c3e8f5a1d2b4
Create Date: 2026-12-05 16:56:48.627349

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e2a7c9d04b16'
down_revision = 'c3e8f5a1d2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('email_tokens', schema=None) as batch_op:
        batch_op.drop_column('pending_password_hash')



def downgrade():
    with op.batch_alter_table('email_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_password_hash', sa.VARCHAR(length=256), nullable=True))

