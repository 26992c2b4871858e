"""Kind reasons and fitting suggestions: reflection starters and the curious-question bank."""

from __future__ import annotations

import re
import zlib
from typing import Final

from app.domain.guard.labels import Label
from app.domain.guard.text import clean, sentences

# The curious questions the product offers listeners (the Curious questions exercise shows them).
CURIOUS_QUESTIONS: Final[tuple[str, ...]] = (
    "What was it like for you when…?",
    "What has been the hardest part for you?",
    "What do you need right now?",
    "What do you wish I understood about what you're feeling?",
    "Can you tell me more about that?",
    "How did that make you feel?",
    "Have you felt this way before?",
)
QUESTION_BANK: Final[tuple[str, ...]] = CURIOUS_QUESTIONS + (
    "What's that like for you?",
    "What would help most right now?",
)
FALLBACK_REFLECTION: Final = "It sounds like this really matters to you."

REASONS: Final[dict[Label, str]] = {
    "reflection": "Lovely: you're saying back what they feel in your own words.",
    "open_question": "A curious, open question leaves them room to say what matters.",
    "check": "Checking that you got it right shows you really want to understand.",
    "closed_question": "This question narrows their answer to yes or no, so an open one may"
    " leave them more room.",
    "sympathy": "Feeling sorry for them can sound like pity from the outside, so try naming"
    " what they feel instead.",
    "advice": "Wanting to fix it is a caring instinct, but right now they need to feel heard"
    " rather than helped.",
    "judgement": "This may land as a verdict on them, so try saying back what they feel instead.",
    "self_focus": "Your side matters too and you'll get your turn, but for now keep the"
    " spotlight on them.",
    "defensiveness": "It's natural to want to explain yourself, and you'll get your turn, but"
    " for now reflect what they felt.",
    "minimizing": "Reassurance can make a feeling seem smaller than it is, so let it be as big"
    " as it is for them.",
    "information": "The facts can wait; right now they need to feel understood more than informed.",
}
NO_WORDS_REASON: Final = "There are no words here yet, so try putting what you notice into words."

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|[^A-Za-z]+")
_SUBJECT_SWAP: Final[dict[str, str]] = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "im": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "your": "my",
    "yours": "mine",
    "yourself": "myself",
    "you're": "I'm",
    "you've": "I've",
    "you'd": "I'd",
    "you'll": "I'll",
    "ur": "my",
}
# After "you" becomes "I" (and the reverse) the verb must follow: "I was" -> "you were".
_VERB_AFTER: Final[dict[tuple[str, str], str]] = {
    ("you", "am"): "are",
    ("you", "was"): "were",
    ("you", "wasn't"): "weren't",
    ("I", "are"): "am",
    ("I", "were"): "was",
    ("I", "weren't"): "wasn't",
    ("I", "aren't"): "am not",
}
_OBJECT_BEFORE: Final = frozenset(
    [
        "with",
        "to",
        "at",
        "for",
        "from",
        "about",
        "of",
        "on",
        "by",
        "like",
        "than",
        "without",
        "around",
        "behind",
        "after",
        "before",
        "tell",
        "told",
        "ask",
        "asked",
        "see",
        "saw",
        "love",
        "loved",
        "need",
        "needed",
        "want",
        "wanted",
        "hear",
        "heard",
        "call",
        "called",
        "text",
        "texted",
        "help",
        "helped",
        "left",
        "leave",
        "make",
        "made",
        "let",
        "give",
        "gave",
        "show",
        "showed",
        "thank",
        "hate",
        "miss",
        "missed",
        "trust",
        "know",
        "knew",
        "blame",
        "blamed",
        "get",
        "got",
        "understand",
        "met",
        "meet",
        "invite",
        "invited",
        "ignore",
        "ignored",
        "interrupt",
        "interrupted",
        "pick",
        "picked",
        "hug",
        "hugged",
        "kiss",
        "kissed",
    ]
)
_LOWER_START: Final = frozenset(
    [
        "it",
        "it's",
        "its",
        "the",
        "this",
        "that",
        "there",
        "there's",
        "a",
        "an",
        "my",
        "your",
        "we",
        "we're",
        "our",
        "everything",
        "nothing",
        "everyone",
        "nobody",
        "someone",
        "all",
        "every",
        "being",
        "having",
        "when",
        "since",
    ]
)
_FILLER_START = re.compile(
    r"^(?:(?:yeah|yes|ok|okay|oh|um|uh|so|well|honestly|i mean|like|look|and|but)[,.!]?\s+)+",
    re.IGNORECASE,
)
_MAX_WORDS: Final = 18


def _pick(options: tuple[str, ...], key: str) -> str:
    """A stable choice: the same text always gets the same option (crc32, not hash())."""
    return options[zlib.crc32(key.encode("utf-8", "replace")) % len(options)]


def _swap_persons(sentence: str) -> str:
    parts = _WORD.findall(sentence)
    words = [i for i, p in enumerate(parts) if p[0].isalpha()]
    out = list(parts)
    prev_word = ""
    for n, i in enumerate(words):
        low = parts[i].lower()
        if low == "you":
            nxt = parts[words[n + 1]].lower() if n + 1 < len(words) else ""
            object_case = prev_word in _OBJECT_BEFORE or not nxt
            out[i] = "me" if object_case else "I"
        elif low in _SUBJECT_SWAP:
            out[i] = _SUBJECT_SWAP[low]
        elif n > 0:
            key = (out[words[n - 1]], low)
            if key in _VERB_AFTER:
                out[i] = _VERB_AFTER[key]
        prev_word = low
    return "".join(out)


def reflection_starter(speaker_said: str) -> str:
    """The speaker's words as one whole sentence, 'It sounds like ...', with I/you swapped."""
    candidates = [s for s in sentences(clean(speaker_said)) if not s.rstrip().endswith("?")]
    if not candidates:
        return FALLBACK_REFLECTION
    # The sentence that speaks of the speaker is the one worth saying back.
    personal = [s for s in candidates if re.search(r"\b(?:I|I'm|I've|my|me)\b", s)]
    chosen = _FILLER_START.sub("", (personal or candidates)[0]).strip()
    chosen = chosen.rstrip(" .!;,:…-")
    words = chosen.split()
    if len(words) < 2 or not re.search(r"[A-Za-z]", chosen):
        return FALLBACK_REFLECTION
    if len(words) > _MAX_WORDS:
        return FALLBACK_REFLECTION  # a cut sentence would not be a whole one
    swapped = _swap_persons(chosen)
    first = swapped.split()[0]
    if first.lower() in _LOWER_START or first in {"You", "You're", "You've", "You'd", "You'll"}:
        swapped = swapped[0].lower() + swapped[1:]
    if re.match(r"(?i)it (?:sounds|seems) like\b", swapped):
        return swapped[0].upper() + swapped[1:] + "."
    return f"It sounds like {swapped}."


# Feelings a speaker names, as they are said after "I feel" / "I'm" ("left out", "jealous").
_FEELINGS = (
    "scared|afraid|frightened|terrified|anxious|nervous|worried|hurt|sad|lonely|alone|angry|mad"
    "|furious|frustrated|annoyed|upset|ashamed|embarrassed|guilty|jealous|insecure|invisible"
    "|ignored|forgotten|left out|rejected|unwanted|unloved|abandoned|exhausted|tired|drained"
    "|overwhelmed|stuck|trapped|lost|torn|confused|proud|happy|excited|thrilled|relieved"
    "|grateful|glad|heartbroken|crushed|gutted|devastated|betrayed|humiliated|small|useless"
    "|stupid|judged|blamed|dismissed|unappreciated|taken for granted|let down|disappointed"
    "|helpless|powerless|resentful|bitter|numb|empty|broken|worn out|burnt out|burned out"
    "|fed up|hopeless|desperate|panicked|stressed|pressured|unattractive|ugly|sick|awful"
    "|terrible|horrible|miserable|depressed|buzzing|over the moon|on edge|homesick"
    "|unheard|unseen|like a failure|like a bad \\w+|like an outsider|like a guest"
    "|like a single parent|like a burden"
)
_FEELING = re.compile(
    r"(?i)\b(?:i|i'm|i am|i've been|i was|i feel|i felt|i'm feeling|i've felt|i get|i got|makes me"
    r"|made me|left me|leaves me)\s+(?:so |really |very |just |a bit |kind of |kinda |pretty |still "
    r"|totally |completely |quite |feeling |feel |felt |all )*(" + _FEELINGS + r")\b"
)
_GLAD = frozenset(
    {"proud", "happy", "excited", "thrilled", "relieved", "grateful", "glad", "buzzing",
     "over the moon"}
)
_JOY: Final = (
    "You're so {f}! What was the best moment?",
    "It sounds like you're {f}, and you've earned it.",
    "You're {f}. Tell me more about it!",
)
_PAST = re.compile(r"(?i)\b(?:i was|i felt|made me|left me|i got)\b")

# What to offer instead of a held move, by label: whole sentences the listener can send.
# "{f}" is the feeling the speaker named; the questions ask about it when they named none.
_WITH_FEELING: Final[dict[str, tuple[str, ...]]] = {
    "advice": (
        "It sounds like you feel {f}, and you don't need me to fix it right now.",
        "You feel {f}. What's the hardest part of it for you?",
        "I can hear how {f} you feel. What do you need from me right now?",
    ),
    "judgement": (
        "It makes sense that you feel {f}.",
        "You feel {f}, and I want to understand why it hits you that way.",
        "What's it like for you, feeling this {f}?",
    ),
    "defensiveness": (
        "You felt {f}, and I want to hear that before I say anything about my side.",
        "It sounds like you were left feeling {f}. What was that like for you?",
        "I hear that you feel {f}. Can you tell me more about it?",
    ),
    "self_focus": (
        "It sounds like you feel {f}. What's that like for you?",
        "You're feeling {f}, and I want to hear more about it.",
        "What's the hardest part of feeling {f} for you?",
    ),
    "minimizing": (
        "It sounds like you feel really {f}, and that isn't small.",
        "You feel {f}, and that makes sense.",
        "This has left you feeling {f}. What's that been like?",
    ),
    "sympathy": (
        "It sounds like you feel {f}.",
        "You're feeling {f}, and I'm here with you in it.",
        "That sounds so hard. You feel {f}.",
    ),
    "information": (
        "You feel {f}. What does it mean for you?",
        "It sounds like you feel {f}. Can you tell me more?",
        "What's it like for you, feeling {f}?",
    ),
    "closed_question": (
        "What was it like for you, feeling {f}?",
        "What's underneath feeling {f}, do you think?",
        "How has feeling {f} been for you?",
    ),
}
_ASK_FEELING: Final[dict[str, tuple[str, ...]]] = {
    "advice": (
        "How are you feeling about it right now?",
        "What's the hardest part of this for you?",
        "What do you need from me right now?",
    ),
    "judgement": (
        "What was that like for you?",
        "How did that leave you feeling?",
        "What do you wish I understood about how you feel?",
    ),
    "defensiveness": (
        "How did that leave you feeling?",
        "What was that like for you?",
        "What do you wish I understood about what you're feeling?",
    ),
    "self_focus": (
        "What has this been like for you?",
        "What's the hardest part of this for you?",
        "How are you feeling about it?",
    ),
    "minimizing": (
        "How big does this feel for you right now?",
        "What's it been like carrying this?",
        "How are you feeling about it?",
    ),
    "sympathy": (
        "How are you feeling about it?",
        "What's this been like for you?",
        "What do you need right now?",
    ),
    "information": (
        "What does this mean for you?",
        "How are you feeling about it?",
        "What's the hardest part of this for you?",
    ),
    "closed_question": (
        "What was that like for you?",
        "How did that make you feel?",
        "Can you tell me more about that?",
    ),
}
_NEXT_STEP: Final[dict[str, tuple[str, ...]]] = {
    "reflection": ("Did I get that right?", "Is there more?", "Is there more you want me to hear?"),
    "open_question": ("Did I get that right?", "Is there more?", "What else is there?"),
    "check": ("Is there more?", "What do you need right now?", "Did I get that right?"),
}


def feeling_named(speaker_said: str) -> tuple[str, bool] | None:
    """The feeling the speaker named ("jealous") and whether they said it in the past tense."""
    match = _FEELING.search(clean(speaker_said))
    if match is None:
        return None
    return match.group(1).lower(), bool(_PAST.search(match.group(0)))


def _with_feeling(template: str, feeling: str, past: bool) -> str:
    text = template.replace("{f}", feeling)
    if feeling.startswith("like "):
        # "You feel like a guest", not "You feel really like a guest" or "how like a guest".
        text = text.replace("really " + feeling, feeling).replace("how " + feeling, "how much")
        text = text.replace("this " + feeling, feeling)
    if past:
        text = re.sub(r"\b([Yy]ou) feel\b", r"\1 felt", text)
    return text


def suggestion_for(
    label: Label, *, text: str, speaker_said: str, attempt: int | None = None
) -> str:
    """What to try instead (or next), fitted to the label: it names the speaker's feeling, or
    asks about it.  Whole sentences; ``attempt`` (0, 1, 2, ...) gives a different one each time
    the listener is held in a row, and without it the text picks one (stable for the same text).
    """
    if label in _NEXT_STEP:
        options = _NEXT_STEP[label]
    else:
        named = feeling_named(speaker_said)
        if named is None:
            options = _ASK_FEELING[label]
        elif named[0] in _GLAD:
            options = tuple(t.replace("{f}", named[0]) for t in _JOY)
        else:
            options = tuple(_with_feeling(t, *named) for t in _WITH_FEELING[label])
    if attempt is None:
        return _pick(options, text)
    return options[attempt % len(options)]


def reason_for(label: Label | None) -> str:
    """One kind sentence explaining the verdict to the listener."""
    return NO_WORDS_REASON if label is None else REASONS[label]
