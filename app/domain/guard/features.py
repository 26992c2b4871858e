"""Turn a listener message (and the speaker's last message) into sparse named features."""

from __future__ import annotations

from itertools import pairwise
from typing import Final

from app.domain.guard.rules import cues
from app.domain.guard.text import FILLERS, clean, sentences, strip_fillers, tokens

_I: Final = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself", "im"})
_YOU: Final = frozenset(
    {"you", "you're", "you've", "you'd", "you'll", "your", "yours", "yourself", "u", "ur", "youre"}
)
_WE: Final = frozenset({"we", "we're", "we've", "we'd", "we'll", "us", "our", "ours", "let's"})
_SWAP: Final[dict[str, str]] = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "am": "are",
    "you": "i",
    "your": "my",
    "yours": "mine",
    "yourself": "myself",
    "you're": "i'm",
    "you've": "i've",
    "you'd": "i'd",
    "you'll": "i'll",
}
_PERSON: Final = _I | _YOU
_STOP: Final = frozenset(
    {
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "it",
        "is",
        "was",
        "that",
        "this",
        "so",
        "be",
        "been",
        "are",
        "were",
        "just",
        "like",
        "i",
        "you",
        "me",
        "my",
        "your",
        "we",
        "do",
        "did",
        "have",
        "had",
        "not",
        "all",
        "it's",
        "i'm",
        "you're",
        "about",
        "when",
        "what",
        "how",
        "up",
        "out",
        "?",
        "!",
        "really",
        "very",
    }
)


def _bucket(n: int) -> str:
    return "0" if n == 0 else "1" if n == 1 else "2" if n <= 3 else "4+"


def _sentence_features(toks: list[str], prefix: str, out: dict[str, float]) -> None:
    body = strip_fillers(toks)
    joined = " ".join(body)
    for name in cues(joined):
        out[f"c:{name}"] = 1.0
        out[f"{prefix}c:{name}"] = 1.0
    if body:
        out[f"{prefix}s1:{body[0]}"] = 1.0
        out[f"s1:{body[0]}"] = 1.0
    if len(body) > 1:
        out[f"s2:{body[0]}_{body[1]}"] = 1.0
        if prefix == "l":
            out[f"ls2:{body[0]}_{body[1]}"] = 1.0
    if len(body) > 2:
        out[f"s3:{body[0]}_{body[1]}_{body[2]}"] = 1.0


def features(text: str, *, speaker_said: str = "") -> dict[str, float]:
    """Sparse binary features: words, word pairs, sentence openings, cues, pronoun balance."""
    cleaned = clean(text)
    out: dict[str, float] = {"bias": 1.0}
    sents = sentences(cleaned)
    if not sents:
        out["empty"] = 1.0
        return out
    all_toks: list[str] = []
    last = len(sents) - 1
    for i, sent in enumerate(sents):
        toks = tokens(sent)
        all_toks.extend(toks)
        if len(sents) > 1 and all(t in FILLERS or t in "?!" for t in toks):
            continue  # "Yeah. Okay." opens many turns and says nothing about the move
        prefix = "f" if i == 0 else "l" if i == last else "m"
        _sentence_features(toks, prefix, out)
    body = strip_fillers(all_toks)
    prev = "^"
    for tok in body:
        out[f"w:{tok}"] = 1.0
        out[f"b:{prev}_{tok}"] = 1.0
        prev = tok
    out[f"b:{prev}_$"] = 1.0
    n_i = sum(t in _I for t in body)
    n_you = sum(t in _YOU for t in body)
    n_we = sum(t in _WE for t in body)
    out[f"n_i:{_bucket(n_i)}"] = 1.0
    out[f"n_you:{_bucket(n_you)}"] = 1.0
    out[f"n_we:{_bucket(n_we)}"] = 1.0
    out["i>you" if n_i > n_you else "you>=i" if n_you else "no_pron"] = 1.0
    # Who the message is about, as a share of its words: reflections are full of "you",
    # self-focus of "I", counsellors' information of neither.
    size = max(len(body), 1)
    out[f"you_share:{min(4, n_you * 20 // size)}"] = 1.0
    out[f"i_share:{min(4, n_i * 20 // size)}"] = 1.0
    out[f"we_share:{min(2, n_we * 20 // size)}"] = 1.0
    out[f"n_q:{_bucket(body.count('?'))}"] = 1.0
    out[f"len:{_bucket(len(body) // 4)}"] = 1.0
    out[f"sents:{_bucket(len(sents))}"] = 1.0
    if cleaned.rstrip().endswith("?"):
        out["ends_q"] = 1.0
    said_toks = tokens(clean(speaker_said))
    said = {t for t in said_toks if t not in _STOP}
    if said:
        content = [t for t in body if t not in _STOP]
        shared = sum(t in said for t in content)
        out[f"echo:{_bucket(shared)}"] = 1.0
        # A reflection says the speaker's words back with the persons swapped ("my parents"
        # for "your parents"); repeating them unswapped ("I was scared" for "I was scared")
        # is the listener claiming the same thing for themselves.
        own = set(pairwise(said_toks))
        swapped = [_SWAP.get(t, t) for t in said_toks]
        mirrored = set(pairwise(swapped)) - own
        pairs = set(pairwise(body))
        mirror_hits = sum(p in mirrored and (p[0] in _PERSON or p[1] in _PERSON) for p in pairs)
        copy_hits = sum(p in own and p[0] in _I for p in pairs)
        out[f"mirror:{_bucket(mirror_hits)}"] = 1.0
        out[f"copy_i:{_bucket(copy_hits)}"] = 1.0
    return out
