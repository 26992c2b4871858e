"""history: typed listener-message columns, a ratings table, exercise summary columns

Existing rows are migrated, not dropped: listener messages get their guard label, action and
delivery from the payload and the share they answered from the event order; ratings come
from the ``rated`` and ``ratings_revealed`` events; exercises get their topic, first speaker
and times from the stored state.

Revision ID: b7d41c2e9a10
Revises: d9f1b3c57a20
Create Date: 2026-12-05 16:00:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.models.types

# revision identifiers, used by Alembic.
revision = 'b7d41c2e9a10'
down_revision = 'd9f1b3c57a20'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    with op.batch_alter_table('exercise_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guard_label', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('guard_action', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('delivered', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('model_version', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('answers_seq', sa.Integer(), nullable=True))
        batch_op.create_index('ix_exercise_events_exercise_id_type', ['exercise_id', 'type'])

    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('first_speaker_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('started_at', app.models.types.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('ended_at', app.models.types.UTCDateTime(),
                                      nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', app.models.types.UTCDateTime(),
                                      nullable=True))

    op.create_table('exercise_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seen', sa.Integer(), nullable=False),
    sa.Column('understood', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('rated_at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('revealed_at', app.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'],
                            name='fk_exercise_ratings_exercise_id_exercises', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name='fk_exercise_ratings_user_id_users', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name='pk_exercise_ratings'),
    sa.UniqueConstraint('exercise_id', 'user_id', name='uq_exercise_ratings_exercise_id_user_id')
    )
    with op.batch_alter_table('exercise_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_exercise_ratings_exercise_id', ['exercise_id'], unique=False)

    _migrate_rows()


def _aware(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _naive(value):
    # The columns hold naive UTC (UTCDateTime); raw SQL here must do the same.
    value = _aware(value)
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None)


def _migrate_rows():
    bind = op.get_bind()
    exercises = sa.table('exercises', sa.column('id', sa.Integer), sa.column('state', sa.JSON),
                         sa.column('topic', sa.String), sa.column('first_speaker_id', sa.Integer),
                         sa.column('started_at', sa.DateTime), sa.column('ended_at', sa.DateTime))
    events = sa.table('exercise_events', sa.column('id', sa.Integer),
                      sa.column('exercise_id', sa.Integer), sa.column('seq', sa.Integer),
                      sa.column('type', sa.String), sa.column('actor_id', sa.Integer),
                      sa.column('payload', sa.JSON), sa.column('at', sa.DateTime),
                      sa.column('guard_label', sa.String), sa.column('guard_action', sa.String),
                      sa.column('delivered', sa.Boolean), sa.column('answers_seq', sa.Integer))
    ratings = sa.table('exercise_ratings', sa.column('exercise_id', sa.Integer),
                       sa.column('user_id', sa.Integer), sa.column('seen', sa.Integer),
                       sa.column('understood', sa.Integer), sa.column('note', sa.Text),
                       sa.column('rated_at', sa.DateTime), sa.column('revealed_at', sa.DateTime))

    for row in bind.execute(sa.select(exercises.c.id, exercises.c.state)).all():
        state = row.state or {}
        bind.execute(exercises.update().where(exercises.c.id == row.id).values(
            topic=str(state.get('topic') or '')[:200],
            first_speaker_id=state.get('first_speaker'),
            started_at=_naive(state.get('started_at')),
            ended_at=_naive(state.get('ended_at'))))

    wanted = ('shared', 'listener_message', 'check', 'rated', 'ratings_revealed')
    rows = bind.execute(sa.select(
        events.c.id, events.c.exercise_id, events.c.seq, events.c.type, events.c.actor_id,
        events.c.payload, events.c.at).where(events.c.type.in_(wanted))
        .order_by(events.c.exercise_id, events.c.seq)).all()
    last_share = {}
    new_ratings = []
    revealed = {}
    for r in rows:
        payload = r.payload or {}
        if r.type == 'shared':
            last_share[r.exercise_id] = r.seq
        elif r.type in ('listener_message', 'check'):
            values = {'answers_seq': last_share.get(r.exercise_id)}
            if r.type == 'listener_message':
                values.update(guard_label=payload.get('label'),
                              guard_action=payload.get('action'),
                              delivered=bool(payload.get('delivered')))
            bind.execute(events.update().where(events.c.id == r.id).values(**values))
        elif r.type == 'rated' and r.actor_id is not None:
            new_ratings.append({'exercise_id': r.exercise_id, 'user_id': r.actor_id,
                                'seen': int(payload.get('seen', 0)),
                                'understood': int(payload.get('understood', 0)),
                                'note': str(payload.get('note') or ''),
                                'rated_at': _naive(r.at), 'revealed_at': None})
        elif r.type == 'ratings_revealed':
            revealed[r.exercise_id] = _naive(r.at)
    for item in new_ratings:
        item['revealed_at'] = revealed.get(item['exercise_id'])
    for start in range(0, len(new_ratings), BATCH):
        bind.execute(ratings.insert(), new_ratings[start:start + BATCH])


def downgrade():
    with op.batch_alter_table('exercise_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_exercise_ratings_exercise_id')
    op.drop_table('exercise_ratings')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_column('ended_at')
        batch_op.drop_column('started_at')
        batch_op.drop_column('first_speaker_id')
        batch_op.drop_column('topic')
    with op.batch_alter_table('exercise_events', schema=None) as batch_op:
        batch_op.drop_index('ix_exercise_events_exercise_id_type')
        batch_op.drop_column('answers_seq')
        batch_op.drop_column('model_version')
        batch_op.drop_column('delivered')
        batch_op.drop_column('guard_action')
        batch_op.drop_column('guard_label')
