"""Who may do what, when: one table that ``apply`` enforces and ``available_actions`` reads.

Each action names the phases it belongs to, whose move it is, and any further conditions, in
the order they are checked. A refusal is a ``DomainError`` with a stable code; values (texts,
times, numbers) are checked afterwards by the action's handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from app.domain.errors import DomainError
from app.domain.exercises.catalog import get_kind
from app.domain.exercises.state import TERMINAL_PHASES, ExerciseState, rating_of

Who = Literal["anyone", "proposer", "invited", "speaker", "listener"]
# A further condition: None when it holds, else the refusal.
Condition = Callable[[ExerciseState, int], DomainError | None]

ACTIVE = frozenset({"active"})
NOT_ENDED = frozenset({"proposed", "scheduled", "active", "on_break", "rating"})

# Perspective turns: at which steps the conversation moves are open.
SHARE_STEPS: frozenset[str] = frozenset({"tell", "wrap"})
LISTENER_MESSAGE_STEPS: frozenset[str] = frozenset({"tell", "reflect_miss", "wrap"})
CHECK_STEPS: frozenset[str] = frozenset({"tell", "wrap"})
# Once the guess is open it stays open for the rest of the turn.
REVEALED_STEPS: frozenset[str] = frozenset({"mark", "reflect_miss", "wrap"})


@dataclass(frozen=True, slots=True)
class Rule:
    """When one action is open: its phases, whose move it is, and what else must hold."""

    phases: frozenset[str]
    who: Who = "anyone"
    # Said to the other partner when it is not their move.
    not_yours: str = ""
    not_yours_code: str = "wrong_role"
    # Only in exercises whose turns follow the Step into my shoes steps.
    perspective: bool = False
    conditions: tuple[Condition, ...] = ()


PHASE_MESSAGES: Mapping[str, str] = MappingProxyType({
    "proposed": "The exercise hasn't started yet.",
    "scheduled": "The exercise hasn't started yet.",
    "active": "The exercise is already under way.",
    "rating": "Both turns are done; it's time to rate the exercise.",
})

# What each role waits for at each perspective step, said when a move comes at the wrong time.
STEP_MESSAGES: Mapping[tuple[str, bool], str] = MappingProxyType({
    ("name", True): "First name the moment in a few words.",
    ("name", False): "Your partner names the moment first; then you guess how it felt.",
    ("guess", True): "Your partner is writing their guess first; then you tell it.",
    ("guess", False): "Write your guess first: what you think your partner felt and needed.",
    ("tell", True): "Tell the moment as it was; then open the guess.",
    ("tell", False): "Your partner is telling the moment: listen, reflect, ask.",
    ("mark", True): "Mark how close the guess came first.",
    ("mark", False): "Your partner is marking how close your guess came.",
    ("reflect_miss", True): "Your partner is saying back what their guess missed.",
    ("reflect_miss", False): "Say back in your own words what your guess missed.",
    ("wrap", True): "The guess is marked; end your turn when you feel understood.",
    ("wrap", False): "The guess is marked; listen on until your partner ends the turn.",
})


def is_perspective(state: ExerciseState) -> bool:
    """Whether turns of this exercise follow the Step into my shoes steps."""
    return get_kind(state.kind).flow == "perspective"


def at_steps(*steps: str) -> Condition:
    """Open only at these perspective steps (other exercises have no steps: always open)."""
    wanted = frozenset(steps)

    def condition(state: ExerciseState, actor: int) -> DomainError | None:
        if state.step is None or state.step in wanted:
            return None
        return DomainError(STEP_MESSAGES[(state.step, actor == state.speaker)],
                           code="wrong_step")

    return condition


def _when(test: Callable[[ExerciseState, int], bool], message: str, code: str) -> Condition:
    def condition(state: ExerciseState, actor: int) -> DomainError | None:
        return None if test(state, actor) else DomainError(message, code=code)

    return condition


# The listener answers what was shared: nothing to reflect or check before the first share.
_after_a_share = _when(
    lambda s, a: s.last_share_at is not None,
    "Your partner hasn't shared anything yet; listen first, then reflect.", "nothing_shared")
_something_to_confirm = _when(
    lambda s, a: s.pending_confirmation is not None,
    "There is no reflection to answer yet.", "nothing_to_confirm")
_not_ready_yet = _when(
    lambda s, a: a not in s.ready,
    "You already said you're ready; waiting for your partner.", "already_ready")
_not_rated_yet = _when(
    lambda s, a: rating_of(s, a) is None, "You have already rated this exercise.",
    "already_rated")
_not_guessed_yet = _when(
    lambda s, a: s.guess is None, "Your guess is already sealed.", "already_guessed")
_not_revealed_yet = _when(
    lambda s, a: s.step not in REVEALED_STEPS, "The guess is already open.", "already_revealed")
_told_something = _when(
    lambda s, a: s.last_share_at is not None and s.guess is not None,
    "Tell the moment first: share at least one piece of it.", "wrong_step")
_nobody_rated_yet = _when(
    lambda s, a: not s.ratings, "One of you has rated already, so this round is the last.",
    "already_rated")
_rounds_left = _when(
    lambda s, a: s.round < get_kind(s.kind).max_rounds,
    "That was the last round this exercise offers. Rate it, and start another any time.",
    "no_more_rounds")
_not_asked_yet = _when(
    lambda s, a: a not in s.round_wanted,
    "You asked already; waiting for your partner to say yes.", "already_asked")
# Slip marks and "this was a reflection" answer the listener's messages of this turn.
def _something_to_mark(state: ExerciseState, actor: int) -> DomainError | None:
    delivered = [m for m in state.messages if m.delivered]
    if any(not m.feedback for m in delivered):
        return None
    if delivered:
        return DomainError("You have already marked your partner's messages in this turn.",
                           code="already_marked")
    return DomainError("There is no message from your partner to mark in this turn.",
                       code="nothing_to_mark")


def _something_held(state: ExerciseState, actor: int) -> DomainError | None:
    held = [m for m in state.messages if m.by == actor and not m.delivered]
    if any(not m.feedback for m in held):
        return None
    if held:
        return DomainError("You already said your held messages were reflections.",
                           code="already_marked")
    return DomainError("None of your messages in this turn was held back.", code="nothing_held")


_not_marked_yet = _when(
    lambda s, a: not any(m.turn == s.turn and m.round == s.round for m in s.marks),
    "You have already marked this guess.", "already_marked")


def _start_phase(state: ExerciseState, actor: int) -> DomainError | None:
    if state.phase == "proposed":
        return DomainError("Your partner hasn't said yes yet." if actor == state.proposer
                           else "Accept it or pick a time first.", code="wrong_phase")
    return None


RULES: Mapping[str, Rule] = MappingProxyType({
    "accept": Rule(frozenset({"proposed"}), "invited", "Your partner decides whether to accept."),
    "schedule": Rule(frozenset({"proposed"}), "invited", "Your partner picks the time."),
    "decline": Rule(frozenset({"proposed"}), "invited", "You proposed it; cancel it instead."),
    "cancel": Rule(frozenset({"proposed", "scheduled"}), "proposer",
                   "Only the partner who proposed it can cancel it."),
    # Proposed counts here only to say what comes first.
    "start": Rule(frozenset({"proposed", "scheduled"}), conditions=(_start_phase,)),
    "share": Rule(ACTIVE, "speaker", "Your partner holds the floor; only the speaker can share.",
                  "not_your_turn", conditions=(at_steps(*SHARE_STEPS),)),
    "listener_message": Rule(ACTIVE, "listener",
                             "You hold the floor: share with your partner; they reflect.",
                             conditions=(at_steps(*LISTENER_MESSAGE_STEPS), _after_a_share)),
    "check": Rule(ACTIVE, "listener", "You hold the floor: share with your partner; they reflect.",
                  conditions=(at_steps(*CHECK_STEPS), _after_a_share)),
    "confirm": Rule(ACTIVE, "speaker", "Only the speaker says whether a reflection landed.",
                    conditions=(_something_to_confirm,)),
    "end_turn": Rule(ACTIVE, "speaker",
                     "Your partner holds the floor; only the speaker can end the turn.",
                     "not_your_turn", conditions=(at_steps("wrap"),)),
    "call_break": Rule(ACTIVE),
    "ready": Rule(frozenset({"on_break"}), conditions=(_not_ready_yet,)),
    "end_early": Rule(NOT_ENDED),
    "rate": Rule(frozenset({"rating"}), conditions=(_not_rated_yet,)),
    # Both must want it: each asks once; the second ask starts the round.
    "another_round": Rule(frozenset({"rating"}),
                          conditions=(_nobody_rated_yet, _rounds_left, _not_asked_yet)),
    "name_moment": Rule(ACTIVE, "speaker", "Your partner names the moment; you'll guess how it felt.",
                        perspective=True, conditions=(at_steps("name"),)),
    "guess": Rule(ACTIVE, "listener", "This is your moment: your partner does the guessing.",
                  perspective=True, conditions=(_not_guessed_yet, at_steps("guess"))),
    "reveal": Rule(ACTIVE, "speaker", "Your partner opens the guess once they've told the moment.",
                   perspective=True,
                   conditions=(_not_revealed_yet, at_steps("tell"), _told_something)),
    "mark_accuracy": Rule(ACTIVE, "speaker",
                          "Only your partner, whose moment it was, marks how close it came.",
                          perspective=True, conditions=(_not_marked_yet, at_steps("mark"))),
    # The speaker's one-tap "that felt like fixing…" on a delivered message; the listener's
    # "this was a reflection" on a held one. Which message, and only once: turns.py.
    "mark_slip": Rule(ACTIVE, "speaker",
                      "Only your partner, who holds the floor, marks how a message felt.",
                      "not_your_turn", conditions=(_something_to_mark,)),
    "claim_reflection": Rule(ACTIVE, "listener",
                             "Only the listener can say a held message was a reflection.",
                             conditions=(_something_held,)),
})


def _is(state: ExerciseState, actor: int, who: Who) -> bool:
    match who:
        case "anyone":
            return True
        case "proposer":
            return actor == state.proposer
        case "invited":
            return actor != state.proposer
        case "speaker":
            return actor == state.speaker
        case "listener":
            return actor != state.speaker
    return False  # pragma: no cover  (the match is exhaustive)


def refusal(state: ExerciseState, actor: int, name: str) -> DomainError | None:
    """Why ``actor`` may not ``name`` now (None if they may), per the table."""
    rule = RULES.get(name)
    if rule is None:
        return DomainError("Unknown action.", code="invalid")
    if state.phase not in rule.phases:
        return DomainError(PHASE_MESSAGES.get(state.phase, "Not now."), code="wrong_phase")
    if rule.perspective and not is_perspective(state):
        return DomainError("That step belongs to Step into my shoes.", code="wrong_step")
    if not _is(state, actor, rule.who):
        return DomainError(rule.not_yours, code=rule.not_yours_code)
    for condition in rule.conditions:
        problem = condition(state, actor)
        if problem is not None:
            return problem
    return None


def _allows(state: ExerciseState, actor: int, rule: Rule) -> bool:
    """``refusal(…) is None`` without making the refusals (every view asks for every rule)."""
    return (state.phase in rule.phases and (not rule.perspective or is_perspective(state))
            and _is(state, actor, rule.who)
            and all(condition(state, actor) is None for condition in rule.conditions))


def need(state: ExerciseState, actor: int, name: str) -> None:
    """Raise the table's refusal if ``actor`` may not ``name`` now."""
    problem = refusal(state, actor, name)
    if problem is not None:
        raise problem


def available_actions(state: ExerciseState, *, actor: int) -> frozenset[str]:
    """Names of the actions ``actor`` may try now (values and the slow-down pause still apply)."""
    if actor not in state.partners or state.phase in TERMINAL_PHASES:
        return frozenset()
    names = {name for name, rule in RULES.items() if _allows(state, actor, rule)}
    # "say" is the client's free text: a share from the speaker, a message from the listener.
    if names & {"share", "listener_message"}:
        names.add("say")
    return frozenset(names)
