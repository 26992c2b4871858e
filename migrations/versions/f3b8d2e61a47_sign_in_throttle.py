"""sign-in throttle: failed passwords per email address, shared by every process

Revision ID: f3b8d2e61a47
Revises: e2a7c9d04b16
Create Date: 2026-12-05 17:22:52.844091

"""
import sqlalchemy as sa
from alembic import op

import app.models.types

# revision identifiers, used by Alembic.
revision = 'f3b8d2e61a47'
down_revision = 'e2a7c9d04b16'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_throttle',
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', app.models.types.UTCDateTime(), nullable=True),
    sa.Column('last_failure_at', app.models.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('email_hash', name=op.f('pk_sign_in_throttle'))
    )


def downgrade():
    op.drop_table('sign_in_throttle')
