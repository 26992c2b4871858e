"""couples' own prompts; the prompt an exercise was proposed with

Revision ID: b7e4f15a9c21
Revises: a1c3e5f70812
Create Date: 2026-12-05 16:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

import app.models.types

# revision identifiers, used by Alembic.
revision = 'b7e4f15a9c21'
down_revision = 'a1c3e5f70812'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('couple_prompts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('couple_prompts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_couple_prompts_couple_id'), ['couple_id'],
                              unique=False)

    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prompt_ref', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_column('prompt_ref')

    with op.batch_alter_table('couple_prompts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_couple_prompts_couple_id'))

    op.drop_table('couple_prompts')
