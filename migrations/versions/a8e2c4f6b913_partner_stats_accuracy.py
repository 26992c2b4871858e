"""history: how close each partner's guesses came (Step into my shoes), per exercise

Revision ID: a8e2c4f6b913
Revises: d9a6b3c2e7f1
Create Date: 2026-12-05 19:00:00

"""
import statistics
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a8e2c4f6b913'
down_revision = 'd9a6b3c2e7f1'
branch_labels = None
depends_on = None

_events = sa.table('exercise_events', sa.column('exercise_id', sa.Integer),
                   sa.column('type', sa.String), sa.column('payload', sa.JSON))
_stats = sa.table('exercise_partner_stats', sa.column('exercise_id', sa.Integer),
                  sa.column('user_id', sa.Integer), sa.column('accuracy', sa.Float))


def upgrade():
    with op.batch_alter_table('exercise_partner_stats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accuracy', sa.Float(), nullable=True))
    # Filled from the speakers' marks already kept as events: the mean score each guesser's
    # guesses got in each exercise (as app/domain/exercises/metrics.py computes it; written out
    # here so this step never changes when that code does).
    conn = op.get_bind()
    scores = defaultdict(list)
    for exercise_id, payload in conn.execute(sa.select(_events.c.exercise_id, _events.c.payload)
                                             .where(_events.c.type == 'accuracy_marked')):
        guesser, score = (payload or {}).get('guesser'), (payload or {}).get('score')
        if type(guesser) is int and type(score) is int:
            scores[(exercise_id, guesser)].append(score)
    for (exercise_id, guesser), marks in scores.items():
        conn.execute(_stats.update().where(_stats.c.exercise_id == exercise_id,
                                           _stats.c.user_id == guesser)
                     .values(accuracy=statistics.fmean(marks)))


def downgrade():
    with op.batch_alter_table('exercise_partner_stats', schema=None) as batch_op:
        batch_op.drop_column('accuracy')
