"""The shared history: past exercises as each partner may see them, read through the projection."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.domain import exercises as ex
from app.extensions import db
from app.models import Exercise, ExerciseEvent, User
from app.services.exercises import load_for, names_of, row_to_event, state_of


@dataclass(frozen=True)
class ExercisePage:
    """One exercise as one partner may see it."""

    exercise: Exercise
    state: ex.ExerciseState
    partner_name: str
    events: list[ex.Shown]


def exercise_page(user: User, exercise_id: object) -> ExercisePage:
    """The whole conversation in order, as ``user`` may see it (others get 'not found')."""
    exercise = load_for(user, exercise_id)
    state = state_of(exercise)
    names = names_of(state.partners)
    rows = db.session.scalars(sa.select(ExerciseEvent).where(
        ExerciseEvent.exercise_id == exercise.id).order_by(ExerciseEvent.seq)).all()
    shown = [ex.project(row_to_event(r), viewer=user.id, partners=state.partners, names=names)
             for r in rows]
    partner = state.partners[1] if state.partners[0] == user.id else state.partners[0]
    return ExercisePage(exercise=exercise, state=state,
                        partner_name=names.get(partner, ex.FORMER_PARTNER),
                        events=[s for s in shown if s is not None])
