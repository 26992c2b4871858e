"""Who is told what, and when: from an exercise's new events, or from homework and therapy.

Each notice names one person, a kind, the page that shows what happened, and a key: a person
never gets two notices with the same key, so a retried action or a second process adds
nothing. Planned reminders carry their time in the key, so a new time makes new reminders and
the old ones are withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.domain.exercises.state import Event, ExerciseState, iso, other_partner
from app.domain.notifications.kinds import Kind

SOON = timedelta(minutes=10)
# Homework: the day before it is due, and half a day after it passed; then never again.
DUE_AHEAD = timedelta(days=1)
OVERDUE_AFTER = timedelta(hours=12)
# Where partners see their therapist links and choose what each one sees.
THERAPY_PATH = "/settings/therapists"
# Events by which a partner hands the next move to the other during a turn.
HANDS_OVER = frozenset({"shared", "listener_message", "check", "confirmed", "turn_ended",
                        "roles_swapped", "moment_named", "guess_sealed", "guess_revealed",
                        "accuracy_marked", "round_started"})


@dataclass(frozen=True, slots=True)
class Notice:
    """One thing to tell one person, at ``due`` (now, or a planned time)."""

    user_id: int
    kind: Kind
    key: str
    path: str
    due: datetime
    exercise_id: int | None = None
    # Other pages that show the same thing: someone looking at one of them is not told.
    also_shown_on: tuple[str, ...] = ()

    @property
    def shown_on(self) -> tuple[str, ...]:
        """Every page on which the person would already see what happened."""
        return (self.path, *self.also_shown_on)


@dataclass(frozen=True, slots=True)
class Plan:
    """New notices, and the keys (prefixes) of planned ones that no longer hold."""

    notices: tuple[Notice, ...] = ()
    withdraw: tuple[str, ...] = field(default=())
    # Keys under a withdrawn prefix that still hold (a plan made again keeps its own).
    keep: tuple[str, ...] = field(default=())


def exercise_path(exercise_id: int) -> str:
    """The live exercise screen (it moves on to the transcript once the exercise ends)."""
    return f"/exercises/{exercise_id}"


def planned_prefix(exercise_id: int) -> str:
    """The key prefix of an exercise's planned-time reminders."""
    return f"ex:{exercise_id}:planned:"


def for_exercise(*, exercise_id: int, state: ExerciseState, events: Sequence[Event],
                 now: datetime) -> Plan:
    """What the new ``events`` (``state`` is after them) mean for each partner."""
    path = exercise_path(exercise_id)
    notices: list[Notice] = []
    withdraw: list[str] = []

    def tell(user_id: int, kind: Kind, key: str, *, due: datetime = now,
             also: tuple[str, ...] = ()) -> None:
        notices.append(Notice(user_id=user_id, kind=kind, key=f"ex:{exercise_id}:{key}",
                              path=path, due=due, exercise_id=exercise_id, also_shown_on=also))

    for event in events:
        other = other_partner(state, event.actor) if event.actor in state.partners else None
        match event.type:
            case "proposed" if other is not None:
                # Home shows the invitation too.
                tell(other, "proposed", "proposed", also=("/",))
            case "scheduled":
                withdraw.append(planned_prefix(exercise_id))
                at = state.scheduled_for
                if at is not None:
                    stamp = iso(at)
                    for user_id in state.partners:
                        if at - SOON > now:
                            tell(user_id, "starts_soon", f"planned:{stamp}:soon", due=at - SOON)
                        tell(user_id, "starts_now", f"planned:{stamp}:now", due=at)
            case "started":
                # The invitation and the planned time are answered; not sent if still waiting.
                withdraw.extend((planned_prefix(exercise_id), f"ex:{exercise_id}:proposed"))
                if other is not None and state.phase == "active":
                    # The one who started it (or accepted) is in; the other is awaited.
                    tell(other, "waiting", f"waiting:{state.turn}:{event.seq}")
            case "declined" | "cancelled" | "ended_early" | "completed":
                # Over: whatever about it has not gone out yet (say, waiting for the morning)
                # would be stale. What these same events call for is added after this.
                withdraw.append(f"ex:{exercise_id}:")
            case "ready" if state.phase == "on_break" and other is not None \
                    and other not in state.ready:
                tell(other, "partner_ready", f"ready:{event.seq}")
            case "ratings_revealed":
                for user_id in state.partners:
                    if user_id != event.actor:
                        tell(user_id, "ratings_revealed", "ratings")
            case kind if kind in HANDS_OVER and other is not None and state.phase == "active" \
                    and event.visible_to is None:
                # Once per turn at most: a partner waiting is worth one nudge, not one per line.
                tell(other, "waiting", f"waiting:turn:{state.round}:{state.turn}")
            case _:
                pass
    return Plan(notices=tuple(_first_per_key(notices)), withdraw=tuple(withdraw))


def _first_per_key(notices: list[Notice]) -> list[Notice]:
    seen: set[tuple[int, str]] = set()
    kept = []
    for n in notices:
        if (n.user_id, n.key) not in seen:
            seen.add((n.user_id, n.key))
            kept.append(n)
    return kept


def homework_path(homework_id: int) -> str:
    """Where a partner sees a piece of homework (the home screen lists it)."""
    return "/"


def for_homework(*, homework_id: int, partner_ids: Sequence[int], due: datetime,
                 now: datetime) -> Plan:
    """Homework due at ``due`` (assigned, or its date changed): a kind word the day before,
    and once after it passed. Made again for a new date, the old date's reminders go."""
    notices = []
    stamp = iso(due)
    for user_id in partner_ids:
        if due - DUE_AHEAD > now:
            notices.append(Notice(user_id=user_id, kind="homework_due",
                                  key=f"hw:{homework_id}:{stamp}:due",
                                  path=homework_path(homework_id), due=due - DUE_AHEAD))
        notices.append(Notice(user_id=user_id, kind="homework_overdue",
                              key=f"hw:{homework_id}:{stamp}:overdue",
                              path=homework_path(homework_id),
                              due=max(due + OVERDUE_AFTER, now)))
    return Plan(notices=tuple(notices), withdraw=(f"hw:{homework_id}:",),
                keep=tuple(sorted({n.key for n in notices})))


def for_homework_done(*, homework_id: int) -> Plan:
    """Homework done (or withdrawn): its reminders that have not gone out are withdrawn."""
    return Plan(withdraw=(f"hw:{homework_id}:",))


def for_therapist_linked(*, link_id: int, partner_ids: Sequence[int], now: datetime) -> Plan:
    """A therapist linked to the couple: both partners are told."""
    return Plan(notices=tuple(
        Notice(user_id=u, kind="therapist_linked", key=f"th:{link_id}:linked",
               path=THERAPY_PATH, due=now) for u in partner_ids))


def for_sharing_changed(*, actor_id: int, partner_ids: Sequence[int], change_id: int,
                        now: datetime) -> Plan:
    """A partner changed what is shared with the therapist: the other partner is told."""
    return Plan(notices=tuple(
        Notice(user_id=u, kind="sharing_changed", key=f"share:{change_id}",
               path=THERAPY_PATH, due=now) for u in partner_ids if u != actor_id))


def utc(value: datetime) -> datetime:
    """An aware datetime in UTC."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)
