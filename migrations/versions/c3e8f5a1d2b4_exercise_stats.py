"""history: each finished exercise keeps its computed numbers; list index by couple and date

Revision ID: c3e8f5a1d2b4
Revises: b7d41c2e9a10
Create Date: 2026-12-05 17:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3e8f5a1d2b4'
down_revision = 'b7d41c2e9a10'
branch_labels = None
depends_on = None


def upgrade():
    # Filled in from the events the first time a finished exercise is read (see
    # app/services/history.py), so existing rows need nothing here.
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stats', sa.JSON(), nullable=True))
        batch_op.create_index('ix_exercises_couple_id_created_at', ['couple_id', 'created_at'])


def downgrade():
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_index('ix_exercises_couple_id_created_at')
        batch_op.drop_column('stats')
