"""The exercise catalog: each kind is data the screens read, never a separate code path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from app.domain.errors import DomainError
from app.domain.guard.suggest import CURIOUS_QUESTIONS

ConfirmKind = Literal["landed", "not_quite", "more"]
# "conversation": share, reflect, confirm, end the turn. "perspective": the listener seals a
# guess about a named moment before hearing it, and learns how close it came (Step into my shoes).
Flow = Literal["conversation", "perspective"]

CHECK_TEXT = "Did I get that right? Is there more?"

# What each setting of the listening guard means, in the words both partners see.
STRICTNESS_LABELS: Mapping[str, str] = MappingProxyType({
    # Named by what each one does (a block is never sent, whatever the setting).
    "gentle": "Gentle: holds back fixing, judging, defending and brushing off; yes/no questions"
    " and pity get a tip and can still be sent",
    "strict": "Strict: holds back everything except reflections, open questions and checks",
})


@dataclass(frozen=True, slots=True)
class ConfirmChoice:
    """One answer the speaker can give to a reflection: a stable kind and its button label."""

    kind: ConfirmKind
    label: str


@dataclass(frozen=True, slots=True)
class PerspectiveTexts:
    """The words of each step of a perspective turn, as the screens show them."""

    name_label: str
    name_hint: str
    name_wait: str
    guess_intro: str
    felt_label: str
    needed_label: str
    guess_wait: str
    sealed_note: str
    tell_hint: str
    reveal_label: str
    reveal_title: str
    accuracy_label: str
    accuracy_low: str
    accuracy_high: str
    missed_label: str
    mark_wait: str
    miss_prompt: str
    miss_starters: tuple[str, ...]
    miss_wait: str


@dataclass(frozen=True, slots=True)
class ExerciseKind:
    """One exercise of the catalog: its words, its timing and its question bank."""

    slug: str
    title: str
    summary: str
    speaker_instructions: tuple[str, ...]
    listener_instructions: tuple[str, ...]
    question_bank: tuple[str, ...]
    reflection_starters: tuple[str, ...]
    listener_pause_seconds: int
    suggested_turn_minutes: int
    confirm_choices: tuple[ConfirmChoice, ...]
    # Shown to the listener while the quiet pause counts down; empty when there is no pause.
    pause_prompt: str = ""
    check_text: str = CHECK_TEXT
    flow: Flow = "conversation"
    perspective: PerspectiveTexts | None = None
    # After both turns the two may agree to go round again, up to this many rounds in all.
    max_rounds: int = 3


CONFIRM_CHOICES: tuple[ConfirmChoice, ...] = (
    ConfirmChoice("landed", "That's it"),
    ConfirmChoice("not_quite", "Not quite…"),
    ConfirmChoice("more", "There's more"),
)

CONFIRM_LABELS: Mapping[str, str] = MappingProxyType({c.kind: c.label for c in CONFIRM_CHOICES})

SlipKind = Literal["fixing", "judging", "defending", "about_you", "brushing_off"]


@dataclass(frozen=True, slots=True)
class SlipChoice:
    """One way a delivered listener message can feel to the speaker, marked with one tap.

    ``label`` is the speaker's button; ``felt`` and ``tip`` are what the listener reads (kindly:
    it is how the words landed, not a verdict on them); ``guard_label`` is the listener-move
    label the mark implies when the couple's corrections teach the guard.
    """

    kind: SlipKind
    label: str
    felt: str
    tip: str
    guard_label: str


SLIP_CHOICES: tuple[SlipChoice, ...] = (
    SlipChoice("fixing", "Felt like fixing", "felt a bit like fixing",
               "Next time, try saying back what they feel before any way out of it.", "advice"),
    SlipChoice("judging", "Felt like judging", "felt a bit like judging",
               "Next time, try saying what you hear without weighing it.", "judgement"),
    SlipChoice("defending", "Felt like defending", "felt a bit like defending",
               "Your side can wait for your turn; for now, try saying back theirs.",
               "defensiveness"),
    SlipChoice("about_you", "Felt about you", "felt a bit like it was about you",
               "Next time, try turning back to what they're going through.", "self_focus"),
    SlipChoice("brushing_off", "Felt like brushing it off", "felt a bit like brushing it off",
               "Next time, try naming how big this feels to them.", "minimizing"),
)
SLIPS: Mapping[str, SlipChoice] = MappingProxyType({c.kind: c for c in SLIP_CHOICES})
# The listener's "this was a reflection" after a hold teaches the guard this label.
CLAIMED_LABEL = "reflection"

_REFLECTION_STARTERS: tuple[str, ...] = (
    "So what I'm hearing is…",
    "It sounds like you felt…",
    "You're saying that…",
    "It makes sense you'd feel… because…",
)

_CURIOUS_QUESTIONS: tuple[str, ...] = CURIOUS_QUESTIONS

_KINDS: tuple[ExerciseKind, ...] = (
    ExerciseKind(
        slug="speaker_listener",
        title="Speaker–Listener",
        summary="One of you holds the floor and shares; the other says back what they heard.",
        speaker_instructions=(
            "You hold the floor: share in short pieces.",
            "Talk about your own feelings and needs, not about your partner's faults.",
            "After each reflection, tell your partner if it landed.",
            "When you feel heard, end your turn.",
        ),
        listener_instructions=(
            "Your partner holds the floor: listen to understand, not to reply.",
            "Say back in your own words what you heard, or ask a curious question.",
            "No advice, no defending, no stories of your own. Your turn comes.",
        ),
        question_bank=(
            "Can you tell me more about that?",
            "What was it like for you when…?",
            "What do you need right now?",
        ),
        reflection_starters=_REFLECTION_STARTERS,
        listener_pause_seconds=0,
        suggested_turn_minutes=10,
        confirm_choices=CONFIRM_CHOICES,
    ),
    ExerciseKind(
        slug="slow_down",
        title="Slow it down",
        summary="After each message the listener waits a quiet moment before answering.",
        speaker_instructions=(
            "You hold the floor: share one thing at a time.",
            "Your partner will take a quiet pause before answering. Let it be quiet.",
            "Tell your partner if their reflection landed.",
            "When you feel heard, end your turn.",
        ),
        listener_instructions=(
            "After each message, wait for the pause to end before you answer.",
            "Use the pause to notice the tone and the feeling, not only the words.",
            "Then reflect what you heard, or ask a curious question.",
        ),
        question_bank=(
            "What are you feeling as you tell me this?",
            "Can you tell me more about that?",
            "What do you need right now?",
        ),
        reflection_starters=(
            "I hear that you feel…",
            "It sounds like underneath that there's…",
            *_REFLECTION_STARTERS[:2],
        ),
        listener_pause_seconds=10,
        suggested_turn_minutes=10,
        confirm_choices=CONFIRM_CHOICES,
        pause_prompt="Breathe. What tone do you hear? What might your partner be feeling?",
    ),
    ExerciseKind(
        slug="curious_questions",
        title="Curious questions",
        summary="The listener explores with open questions, from the bank or their own.",
        speaker_instructions=(
            "You hold the floor: answer the questions as openly as you like.",
            "You can always say you'd rather not answer one.",
            "When you feel heard, end your turn.",
        ),
        listener_instructions=(
            "Ask questions that let your partner answer any way they like.",
            "Pick one from the list or write your own.",
            "Reflect what you hear before the next question.",
        ),
        question_bank=_CURIOUS_QUESTIONS,
        reflection_starters=_REFLECTION_STARTERS,
        listener_pause_seconds=0,
        suggested_turn_minutes=10,
        confirm_choices=CONFIRM_CHOICES,
    ),
    ExerciseKind(
        slug="share_a_joy",
        title="Share a joy",
        summary="Empathy for good news: one of you tells a win, the other reflects it back.",
        speaker_instructions=(
            "Tell your partner about something that went well, big or small.",
            "Say what it meant to you and how it felt.",
            "When you feel celebrated, end your turn.",
        ),
        listener_instructions=(
            "Reflect the joy: say back what happened and how it felt for them.",
            "Ask about the best moment. Stay with their win, not yours.",
            "No \"but\", no \"at least\", no advice.",
        ),
        question_bank=(
            "What was the best moment?",
            "How did it feel when it happened?",
            "What does this mean to you?",
            "Can you tell me more about that?",
        ),
        reflection_starters=(
            "You sound so proud that…",
            "It sounds like it meant a lot to you when…",
            "So you felt…",
        ),
        listener_pause_seconds=0,
        suggested_turn_minutes=5,
        confirm_choices=CONFIRM_CHOICES,
    ),
    ExerciseKind(
        slug="step_into_my_shoes",
        title="Step into my shoes",
        summary="Name a moment; your partner guesses how it felt before you tell it.",
        speaker_instructions=(
            "Name a moment in a few words, nothing more yet.",
            "Once your partner has sealed a guess, tell it as it was.",
            "Then see their guess and say how close it came. Be kind and honest.",
            "When you feel understood, end your turn.",
        ),
        listener_instructions=(
            "Before you hear it, imagine the moment from inside your partner's shoes.",
            "Write what you think they felt and what they needed. It stays sealed.",
            "Then listen: reflect and ask, no advice. Afterwards, say what you missed.",
        ),
        question_bank=(
            "What was the hardest part of that moment?",
            "What did you need most right then?",
            "What was going on inside you that nobody could see?",
            "Can you tell me more about that?",
        ),
        reflection_starters=(
            "So in that moment you felt…",
            "It sounds like what you needed was…",
            *_REFLECTION_STARTERS[:2],
        ),
        listener_pause_seconds=0,
        suggested_turn_minutes=10,
        confirm_choices=CONFIRM_CHOICES,
        flow="perspective",
        perspective=PerspectiveTexts(
            name_label="Name a moment",
            name_hint="Just a few words, like “Tuesday's dinner with my parents”. "
                      "You'll tell it after your partner's guess.",
            name_wait="{partner} is choosing a moment to name.",
            guess_intro="Step into {partner}'s shoes: before you hear anything more, "
                        "what do you imagine it was like?",
            felt_label="What I think you felt",
            needed_label="What I think you needed",
            guess_wait="{partner} is imagining the moment from your side. "
                       "Their guess stays sealed until you've told it.",
            sealed_note="Sealed: {partner} sees it only after telling the moment.",
            tell_hint="{partner} has sealed a guess. Tell the moment as it was; "
                      "you'll see the guess once you've told it.",
            reveal_label="I've told it: show me the guess",
            reveal_title="{guesser}'s guess",
            accuracy_label="How close did the guess come?",
            accuracy_low="0 far off",
            accuracy_high="10 spot on",
            missed_label="What did it miss? (optional)",
            mark_wait="{partner} is reading your guess and marking how close it came.",
            miss_prompt="Say back what you missed, in your own words.",
            miss_starters=(
                "So I thought you felt…, and it was more that…",
                "I imagined you needed…, and what you needed was…",
                "What I missed was…",
            ),
            miss_wait="{partner} is saying back what they missed.",
        ),
    ),
)

CATALOG: Mapping[str, ExerciseKind] = MappingProxyType({kind.slug: kind for kind in _KINDS})


def get_kind(slug: str) -> ExerciseKind:
    """Return the catalog entry for ``slug`` or raise ``DomainError(code="unknown_exercise")``."""
    kind = CATALOG.get(slug) if isinstance(slug, str) else None
    if kind is None:
        raise DomainError("There is no such exercise.", code="unknown_exercise")
    return kind
