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
FALLBACK_REFLECTION: Final = "It sounds like this really matters to you…"

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
    """Turn the speaker's words into 'It sounds like …' with I/you swapped, or a fallback."""
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
        chosen = " ".join(words[:_MAX_WORDS]).rstrip(" ,;:-")
    swapped = _swap_persons(chosen)
    first = swapped.split()[0]
    if first.lower() in _LOWER_START or first in {"You", "You're", "You've", "You'd", "You'll"}:
        swapped = swapped[0].lower() + swapped[1:]
    if re.match(r"(?i)it (?:sounds|seems) like\b", swapped):
        return swapped[0].upper() + swapped[1:] + "…"
    return f"It sounds like {swapped}…"


def _question(label: Label, text: str) -> str:
    if label == "closed_question":
        if re.search(r"(?i)\b(?:feel|felt|scared|angry|hurt|upset|sad|embarrass)", text):
            return "How did that make you feel?"
        return _pick(("Can you tell me more about that?", "What was that like for you?"), text)
    if label == "self_focus":
        return _pick(("What has been the hardest part for you?", "What's that like for you?"), text)
    return _pick(
        (
            "What do you need right now?",
            "What do you wish I understood about what you're feeling?",
            "What has been the hardest part for you?",
            "Can you tell me more about that?",
        ),
        text,
    )


def suggestion_for(label: Label, *, text: str, speaker_said: str) -> str:
    """What to try instead (or next): a reflection starter or a question from the bank."""
    has_context = bool(sentences(clean(speaker_said)))
    if label == "reflection":
        return "Did I get that right?"
    if label in ("open_question", "check"):
        return reflection_starter(speaker_said) if has_context else "Is there more?"
    if label in ("closed_question", "information", "self_focus") or not has_context:
        return _question(label, text)
    return reflection_starter(speaker_said)


def reason_for(label: Label | None) -> str:
    """One kind sentence explaining the verdict to the listener."""
    return NO_WORDS_REASON if label is None else REASONS[label]
