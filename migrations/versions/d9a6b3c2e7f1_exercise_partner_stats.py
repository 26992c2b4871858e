"""history: each partner's numbers per finished exercise, typed, for the insights page

Revision ID: d9a6b3c2e7f1
Revises: f3b8d2e61a47
Create Date: 2026-12-05 17:00:00

"""
import sqlalchemy as sa
from alembic import op

import app.models.types

# revision identifiers, used by Alembic.
revision = 'd9a6b3c2e7f1'
down_revision = 'f3b8d2e61a47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exercise_partner_stats',
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('seen', sa.Integer(), nullable=True),
    sa.Column('understood', sa.Integer(), nullable=True),
    sa.Column('gap', sa.Integer(), nullable=True),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('questions', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('landed', sa.Integer(), nullable=False),
    sa.Column('first_tries', sa.Integer(), nullable=False),
    sa.Column('first_try_landed', sa.Integer(), nullable=False),
    sa.Column('answer_seconds', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'],
                            name='fk_exercise_partner_stats_exercise_id_exercises',
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exercise_id', 'user_id', name='pk_exercise_partner_stats')
    )
    with op.batch_alter_table('exercise_partner_stats', schema=None) as batch_op:
        batch_op.create_index('ix_exercise_partner_stats_user_id_at', ['user_id', 'at'])
    # Numbers already kept on exercises are computed again, this time with their typed rows.
    op.execute("UPDATE exercises SET stats = NULL")


def downgrade():
    with op.batch_alter_table('exercise_partner_stats', schema=None) as batch_op:
        batch_op.drop_index('ix_exercise_partner_stats_user_id_at')
    op.drop_table('exercise_partner_stats')
