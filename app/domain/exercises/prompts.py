"""Prompt decks: things to talk about, offered when proposing any exercise and as "surprise me".

Each prompt has a stable id (a couple's history remembers which ones they used), belongs to
one deck and says which exercises it suits. A couple's own prompts suit every exercise; the
service keeps them, this module only knows their reference ``own:<id>``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from app.domain.errors import DomainError
from app.domain.exercises.actions import PROMPT_MAX, clean_text
from app.domain.exercises.catalog import CATALOG

OWN_PREFIX = "own:"


@dataclass(frozen=True, slots=True)
class Deck:
    """A themed deck of prompts."""

    slug: str
    title: str
    blurb: str


@dataclass(frozen=True, slots=True)
class Prompt:
    """One prompt of a deck and the exercises it suits."""

    id: str
    deck: str
    text: str
    suits: frozenset[str]


DECKS: tuple[Deck, ...] = (
    Deck("appreciation", "Appreciation", "What you value in each other, said out loud."),
    Deck("outside_stress", "Stress from outside",
         "What each of you carries in from work, family and the world."),
    Deck("hopes_dreams", "Hopes and dreams", "Where you'd love life to take you."),
    Deck("repair", "Repair after a hard moment", "Going back, gently, to something that hurt."),
    Deck("joy_wins", "Joy and wins", "Good things, big and small, worth savouring together."),
    Deck("outside_bubble", "The world outside your bubble",
         "Imagining the lives of other people, near and far."),
)

_LISTEN = ("speaker_listener", "curious_questions")
_SUITS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "appreciation": (*_LISTEN, "share_a_joy", "slow_down"),
    "outside_stress": (*_LISTEN, "slow_down", "step_into_my_shoes"),
    "hopes_dreams": (*_LISTEN, "share_a_joy"),
    "repair": ("speaker_listener", "slow_down", "step_into_my_shoes"),
    "joy_wins": (*_LISTEN, "share_a_joy"),
    "outside_bubble": (*_LISTEN, "step_into_my_shoes"),
})
# A moment someone can name in a few words also suits Step into my shoes.
_MOMENT = ("step_into_my_shoes",)

# (id, text, extra exercises beyond the deck's own)
_DATA: Mapping[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = MappingProxyType({
    "appreciation": (
        ("appreciation-01", "Something I did lately that made your day a little easier.", ()),
        ("appreciation-02", "A small habit of mine you've quietly come to love.", ()),
        ("appreciation-03", "A time I showed up for you when you didn't expect it.", _MOMENT),
        ("appreciation-04", ("Something about how we are together that you're thankful for "
                            "right now."), ()),
        ("appreciation-05", "A moment this week when you felt looked after.", _MOMENT),
        ("appreciation-06", "Something I'm good at that you admire, even if you rarely say it.",
         ()),
        ("appreciation-07", "A way I've grown since we met that you've noticed.", ()),
        ("appreciation-08", "A memory of us that still makes you smile.", _MOMENT),
        ("appreciation-09", "Something I said that stayed with you, in a good way.", _MOMENT),
        ("appreciation-10", "What you'd thank me for if thank-yous were free and endless.", ()),
        ("appreciation-11", "A time I made you laugh when you really needed it.", _MOMENT),
        ("appreciation-12", "Something I do for the people around us that you appreciate.", ()),
        ("appreciation-13", "A quality of mine you hope never changes.", ()),
        ("appreciation-14", "The last time you felt proud to be with me.", _MOMENT),
        ("appreciation-15", "A tiny everyday thing about me you'd miss if it stopped.", ()),
    ),
    "outside_stress": (
        ("stress-01", "Something at work that's been sitting heavy on you.", ()),
        ("stress-02", "A worry about money you carry more than you say.", ()),
        ("stress-03", "A moment this week when work followed you home.", ()),
        ("stress-04", "Something about your family that's been on your mind.", ()),
        ("stress-05", "A friendship that's felt hard lately.", ()),
        ("stress-06", "How your body and your sleep have really been.", ()),
        ("stress-07", "A deadline or a decision that keeps you up at night.", ()),
        ("stress-08", "Something you're expected to handle that feels like too much.", ()),
        ("stress-09", "A conversation you're dreading.", ()),
        ("stress-10", "A pressure you feel from people outside the two of us.", ()),
        ("stress-11", "What being tired has felt like for you this month.", ()),
        ("stress-12", "A part of your day where you feel you have to be someone you're not.",
         ()),
        ("stress-13", "A piece of news from the world that's weighing on you.", ()),
        ("stress-14", "Something about your health, or someone else's, that worries you.", ()),
        ("stress-15", "The part of your week you'd skip if you could, and why.", ()),
    ),
    "hopes_dreams": (
        ("hopes-01", "A place you'd love us to see together, and what draws you there.", ()),
        ("hopes-02", "Something you'd try if you knew you couldn't fail.", ()),
        ("hopes-03", "What a really good ordinary day looks like for you, five years from now.",
         ()),
        ("hopes-04", "A dream from when you were little that still tugs at you.", ()),
        ("hopes-05", "Something you'd like to learn this year.", ()),
        ("hopes-06", "How you'd like us to spend our time when life slows down.", ()),
        ("hopes-07", "The kind of person you're hoping to become.", ()),
        ("hopes-08", "A hope you haven't said out loud yet.", ()),
        ("hopes-09", "What home means to you, and what you'd like ours to feel like.", ()),
        ("hopes-10", "A tradition you'd love to start with me.", ()),
        ("hopes-11", "Work you'd do if money didn't matter.", ()),
        ("hopes-12", "Something you'd like the two of us to be known for.", ()),
        ("hopes-13", "A change you'd like to make, and how I could help it along.", ()),
        ("hopes-14", "What you'd like to remember about this year when you're old.", ()),
    ),
    "repair": (
        ("repair-01", "A recent moment between us that still stings a little.", ()),
        ("repair-02", "Something I said in a hurry that landed harder than I meant.", ()),
        ("repair-03", "A time lately when you felt unheard by me.", ()),
        ("repair-04", "What you needed from me during our last disagreement.", ()),
        ("repair-05", "A moment you wish we could take back and try again.", ()),
        ("repair-06", "How our last argument felt from your side.", ()),
        ("repair-07", "Something you've held back because you didn't want a fight.", ()),
        ("repair-08", "A time you felt alone even though I was right there.", ()),
        ("repair-09", "What helps you feel safe with me again after we've clashed.", _LISTEN),
        ("repair-10", "A worry about us you'd like to say gently.", ()),
        ("repair-11", "A moment when you felt I didn't take your side.", ()),
        ("repair-12", "What an apology that really lands looks like for you.", _LISTEN),
        ("repair-13", "A small hurt you brushed off that still comes back.", ()),
        ("repair-14", "How you'd like us to handle it next time things get heated.", _LISTEN),
    ),
    "joy_wins": (
        ("joy-01", "Something that went well for you this week, big or small.", _MOMENT),
        ("joy-02", "A moment today when you felt completely yourself.", _MOMENT),
        ("joy-03", "A win you didn't get to celebrate properly.", _MOMENT),
        ("joy-04", "Something you're proud of that nobody noticed.", _MOMENT),
        ("joy-05", "The best part of your weekend.", _MOMENT),
        ("joy-06", "A time lately you laughed until it hurt.", _MOMENT),
        ("joy-07", "Something you finally finished after putting it off.", _MOMENT),
        ("joy-08", "A kind word someone gave you, and what it meant.", _MOMENT),
        ("joy-09", "A skill you've got better at lately.", ()),
        ("joy-10", "A small pleasure that made your day.", ()),
        ("joy-11", "Good news from a friend or family member that made you glad.", ()),
        ("joy-12", "A moment you felt really at ease in your body.", _MOMENT),
        ("joy-13", "A problem you solved in a way you liked.", _MOMENT),
        ("joy-14", "Something you're looking forward to this month.", ()),
    ),
    "outside_bubble": (
        ("bubble-01", "Someone you saw today: what might their day have been like?", ()),
        ("bubble-02", ("A stranger who caught your eye this week, and the story you imagined "
                      "for them."), ()),
        ("bubble-03", ("A character in something you watched lately: what were they feeling "
                      "underneath?"), ()),
        ("bubble-04", "A parent's life at your age: what were they carrying then?", ()),
        ("bubble-05", "A grandparent's world when they were young, and what it asked of them.",
         ()),
        ("bubble-06", ("Someone at work whose job you rarely see: what is it like from the "
                      "inside?"), ()),
        ("bubble-07", "A neighbour you barely know: what might their evenings be like?", ()),
        ("bubble-08", "A friend going through something you've never been through.", ()),
        ("bubble-09", ("Someone in the news whose choice puzzled you: what might have led them "
                      "there?"), ()),
        ("bubble-10", "A character in a book you love, and what they needed but never got.",
         ()),
        ("bubble-11", ("Someone who served you today, in a shop or on a bus: how might their "
                      "shift have felt?"), ()),
        ("bubble-12", "A child you know, and what the world looks like from their height.", ()),
        ("bubble-13", "You at sixteen: what did that person need most?", ()),
        ("bubble-14", ("Someone who disagrees with you about something big: what might matter "
                      "most to them?"), ()),
        ("bubble-15", "A moment from a parent's life you only understood much later.", ()),
    ),
})

PROMPTS: tuple[Prompt, ...] = tuple(
    Prompt(id=pid, deck=deck, text=text, suits=frozenset((*_SUITS[deck], *extra)))
    for deck, items in _DATA.items()
    for pid, text, extra in items
)
_BY_ID: Mapping[str, Prompt] = MappingProxyType({p.id: p for p in PROMPTS})
DECK_TITLES: Mapping[str, str] = MappingProxyType({d.slug: d.title for d in DECKS})


def get_prompt(prompt_id: object) -> Prompt:
    """Return the catalog prompt ``prompt_id`` or raise ``DomainError(code="unknown_prompt")``."""
    prompt = _BY_ID.get(prompt_id) if isinstance(prompt_id, str) else None
    if prompt is None:
        raise DomainError("There is no such prompt.", code="unknown_prompt")
    return prompt


def prompts_for(kind: str) -> tuple[Prompt, ...]:
    """The catalog prompts that suit exercise ``kind``, in deck order."""
    return tuple(p for p in PROMPTS if kind in p.suits)


def clean_own_prompt(text: object) -> str:
    """Check the words of a couple's own prompt (1-200 characters of ordinary text)."""
    return clean_text(text, field="Your prompt", max_len=PROMPT_MAX)


def own_ref(own_id: int) -> str:
    """The reference under which a couple's own prompt is remembered."""
    return f"{OWN_PREFIX}{own_id}"


def proposal_fields(ref: str) -> dict[str, object]:
    """A prompt reference as a proposal's fields: ``own:<id>`` is ``own_prompt_id``, anything
    else a deck prompt's ``prompt_id``, nothing for no prompt (``parse_proposal`` checks them)."""
    if not ref:
        return {}
    if ref.startswith(OWN_PREFIX):
        number = ref.removeprefix(OWN_PREFIX)
        return {"own_prompt_id": int(number) if number.isdecimal() and len(number) < 10
                else ref}
    return {"prompt_id": ref}


def check_suits(prompt: Prompt, kind: str) -> None:
    """Refuse a catalog prompt that was not written for exercise ``kind``."""
    if kind not in prompt.suits:
        title = CATALOG[kind].title if kind in CATALOG else "this exercise"
        raise DomainError(f"That prompt isn't meant for {title}; pick another.",
                          code="prompt_not_suited")


def check_not_repeated(ref: str, *, last: str | None) -> None:
    """A couple never gets the same prompt twice in a row."""
    if ref == last:
        raise DomainError("You talked about this prompt last time; pick another, or let us "
                          "surprise you.", code="prompt_repeated")


def surprise(
    candidates: Sequence[str], *, used: Collection[str], last: str | None,
    pick: Callable[[int], int],
) -> str:
    """Pick a prompt reference: never ``last``, fresh ones first; ``pick(n)`` returns 0..n-1."""
    allowed = [ref for ref in candidates if ref != last]
    fresh = [ref for ref in allowed if ref not in used]
    pool = fresh or allowed
    if not pool:
        raise DomainError("There's no other prompt for this exercise yet. Write one of your own?",
                          code="no_prompt")
    index = pick(len(pool))
    if not 0 <= index < len(pool):
        raise ValueError("pick(n) must return a number from 0 to n-1")
    return pool[index]
