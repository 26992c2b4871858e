"""Text clean-up shared by the rules, the features and the suggestions."""

from __future__ import annotations

import re
from typing import Final

# A long message is judged on its opening and its ending, where the move usually sits
# (a question tends to come last); this keeps the time per message flat at any length.
MAX_CHARS: Final = 1500
HEAD_CHARS: Final = 1000
HEAD_SENTENCES: Final = 5
TAIL_SENTENCES: Final = 3

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*|[?!]")
_SENTENCE = re.compile(r"(?<=[.?!;])\s+|\s*\n+\s*|(?<=[a-z])\.\.\.?\s*")
# Openers that carry no move ("Yeah. Okay. So ..."): dropped before reading the first words.
FILLERS: Final[frozenset[str]] = frozenset(
    {
        "yeah",
        "yes",
        "yep",
        "ok",
        "okay",
        "oh",
        "ah",
        "aw",
        "aww",
        "um",
        "uh",
        "hmm",
        "mm",
        "mm-hmm",
        "mhm",
        "uh-huh",
        "so",
        "well",
        "right",
        "sure",
        "alright",
        "and",
        "hey",
        "babe",
        "love",
        "hun",
        "honey",
        "sweetheart",
        "wow",
        "ugh",
        "god",
        "gosh",
        "omg",
        "hm",
        "erm",
        "er",
        "listen",
        "honestly",
        "ooh",
        "oof",
        "ouch",
        "i-i",
        "o-okay",
        "gotcha",
        "wait",
        "lol",
        "hon",
        "baby",
        "great",
        "cool",
        "nice",
    }
)


def clean(text: str) -> str:
    """Control characters out, quotes straightened, spaces collapsed, length capped."""
    if len(text) > MAX_CHARS:
        text = text[:HEAD_CHARS] + " ... " + text[HEAD_CHARS - MAX_CHARS :]
    text = text.translate(_QUOTES)
    text = _CONTROL.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """Lower-case word tokens plus '?' and '!' (emoji and other scripts drop out)."""
    return _TOKEN.findall(text.lower())


def sentences(text: str) -> list[str]:
    """The message split into sentences: the first few and the last few if there are many."""
    parts = [p.strip() for p in _SENTENCE.split(text)]
    found = [p for p in parts if p and _TOKEN.search(p.lower())]
    if len(found) > HEAD_SENTENCES + TAIL_SENTENCES:
        return found[:HEAD_SENTENCES] + found[-TAIL_SENTENCES:]
    return found


def strip_fillers(toks: list[str]) -> list[str]:
    """Tokens after the leading fillers ("yeah okay so ..."), or all of them if only fillers."""
    i = 0
    while i < len(toks) and (toks[i] in FILLERS or toks[i] == "!"):
        i += 1
    return toks[i:] if i < len(toks) else toks
