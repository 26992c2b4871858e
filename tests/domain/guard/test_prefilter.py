"""The cue pre-checks never change what ``cues`` finds.

``rules.cues`` skips the regexes that the pre-checks (``prefilter.py``) prove cannot match.  These
tests hold it to the plain definition, every regex run on the sentence, on generated sentences:
sentences made of the cues' own words (where the cues fire), strings generated *from* each cue
regex (so each one matches), and arbitrary text.  A cue edited into a shape the analysis gets
wrong fails here.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.guard.prefilter import (
    DIGIT_KEY,
    CueMatcher,
    _word_list,
    analyse,
    first_word,
    words_of,
)
from app.domain.guard.rules import CUES, cues
from app.domain.guard.text import clean, sentences, strip_fillers, tokens

DEV = Path(__file__).resolve().parents[2] / "data" / "listener-moves-dev.csv"
MATCHER = CueMatcher(CUES)
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def every_regex(patterns: dict[str, re.Pattern[str]], sentence: str) -> frozenset[str]:
    """The reference: run every regex, no pre-check."""
    return frozenset(name for name, rx in patterns.items() if rx.search(sentence))


def uncached_cues(sentence: str) -> frozenset[str]:
    return cues.__wrapped__(sentence)  # past the lru_cache, so every call does the work


# The cues' own words and phrases ("at least", "you're", "sounds"), so generated sentences hit
# the cues, their near misses ("at last", "you are being") and their boundaries.
_CUE_WORDS = sorted(
    {w for rx in CUES.values() for w in re.findall(r"[a-z][a-z'\-]*[a-z]|[a-z]", rx.pattern)}
)
_EXTRA = ["?", "!", "5", "12", "3.5", "'", "-", "...", "i'm", "don't", "naïve", "١٢", "_", "x_y"]
WORD = st.sampled_from(_CUE_WORDS + _EXTRA)
# Sentences as the guard builds them: tokens joined by single spaces.
GUARD_SENTENCE = st.lists(WORD, max_size=30).map(" ".join)
# Looser text: cue words glued with punctuation, newlines, odd spacing and random characters.
GLUE = st.sampled_from([" ", " ", " ", "", "  ", "\n", ".", ", ", "'", "-", "?", "\t"])
LOOSE_TEXT = st.lists(st.tuples(WORD | st.text(max_size=4), GLUE), max_size=25).map(
    lambda parts: "".join(w + g for w, g in parts)
)
CUE_MATCH = st.sampled_from(sorted(CUES)).flatmap(
    lambda name: st.tuples(st.just(name), st.from_regex(CUES[name]))
)


@SETTINGS
@given(GUARD_SENTENCE)
def test_cues_equal_every_regex_on_guard_sentences(sentence: str) -> None:
    assert uncached_cues(sentence) == every_regex(CUES, sentence)


@SETTINGS
@given(LOOSE_TEXT)
def test_cues_equal_every_regex_on_loose_text(sentence: str) -> None:
    assert uncached_cues(sentence) == every_regex(CUES, sentence)


@SETTINGS
@given(st.text(max_size=120))
def test_cues_equal_every_regex_on_any_text(sentence: str) -> None:
    assert uncached_cues(sentence) == every_regex(CUES, sentence)


@SETTINGS
@given(CUE_MATCH)
def test_a_string_a_cue_matches_passes_all_its_checks(case: tuple[str, str]) -> None:
    name, sentence = case
    assert CUES[name].search(sentence)
    clauses, _anchored = analyse(CUES[name])
    words, first = words_of(sentence), first_word(sentence)
    for clause in clauses:
        assert clause.holds(sentence, words, first), (name, clause)
    assert name in MATCHER.names(sentence)
    assert uncached_cues(sentence) == every_regex(CUES, sentence)


def test_cues_equal_every_regex_on_the_dev_corpus() -> None:
    with DEV.open(encoding="utf-8", newline="") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    for text in texts:
        for sent in sentences(clean(text)):
            for sentence in (" ".join(strip_fillers(tokens(sent))), sent, sent.lower()):
                assert uncached_cues(sentence) == every_regex(CUES, sentence), sentence


def test_the_checks_cover_most_cues() -> None:
    # A silent fall-back to "run everything" would keep the answers right but lose the speed.
    checked = [name for name, rx in CUES.items() if analyse(rx)[0]]
    assert len(checked) >= 35, checked


# Constructs the cues use or might: optional groups, lookarounds, anchors, $ before a final
# newline, digits, classes, repeats, inline flags, Unicode words, empty alternatives.
TRICKY: dict[str, re.Pattern[str]] = {
    name: re.compile(rx)
    for name, rx in {
        "optional": r"\bsounds (?:like|as if)?\b",
        "lookbehind": r"(?<!not )\bfair\b",
        "lookahead": r"\byou (?:should|must)\b(?! have)",
        "end": r"\bsame$",
        "end_question": r"\?\s*(?:!\s*)?$",
        "digits": r"\b\d+(?:\.\d+)? percent\b|\bhalf of\b",
        "unicode": r"\bcafé\b|\bnaïve\b",
        "apostrophe": r"\bdon't (?:worry|stress)\b",
        "class": r"\bno[cs]e\b|\bn[0-3]\b",
        "star_then_word": r"\bvery(?: very)* sad\b",
        "plus": r"\bso+ sorry\b",
        "inline_flag": r"(?i:hello) there\b",
        "global_flag": r"(?i)\bhello\b",
        "empty_alternative": r"\b(?:a|)b\b",
        "anchored": r"^(?:but |and )?why\b",
        "anchor_or_word": r"^well\b|\bwell then\b",
        "not_word_edges": r"(?<![\w-])(?:aww*|oh no)(?![\w-])",
        "exact_repeat": r"\b(?:ha){2}\b",
        "bounded_repeat": r"\b(?:ha){1,3}\b",
        "possessive": r"\bgo++d\b",
        "atomic": r"(?>\bab)c\b",
        "negated": r"\bor\b[^?]*\?",
        "dot": r"\bi .* too\b",
        "space_class": r"\bat\sleast\b",
        "nonword_class": r"\bhey\W+you\b",
        "backref": r"\b(\w+) \1\b",
        "word_in_word": r"sad",
        "lookahead_inside": r"\bwell(?=n)ness\b",
        "word_class": r"\bhey[\w]+\b",
        "open_unbounded": r"^sorry|\bsad\b",
        "any_word": r"\b\w+ much$",
    }.items()
}
TRICKY_MATCHER = CueMatcher(TRICKY)
TRICKY_MATCH = st.sampled_from(sorted(TRICKY)).flatmap(
    lambda name: st.tuples(st.just(name), st.from_regex(TRICKY[name]))
)
TRICKY_WORD = st.sampled_from(
    sorted({w for rx in TRICKY.values() for w in re.findall(r"[a-zé-ï']+", rx.pattern)})
    + ["?", "!", "5", "2.5", "\n", "-", ".", "_", "x"]
)


@SETTINGS
@given(TRICKY_MATCH)
def test_tricky_regexes_matching_strings(case: tuple[str, str]) -> None:
    name, sentence = case
    assert name in TRICKY_MATCHER.names(sentence)
    assert TRICKY_MATCHER.names(sentence) == every_regex(TRICKY, sentence)


@SETTINGS
@given(st.lists(TRICKY_WORD, max_size=12).map(" ".join) | st.lists(TRICKY_WORD).map("".join))
def test_tricky_regexes_on_their_words(sentence: str) -> None:
    assert TRICKY_MATCHER.names(sentence) == every_regex(TRICKY, sentence)


def test_tricky_regexes_by_hand() -> None:
    examples = ["same\n", "same \n", "it's the same", "ok same?", "sames", "same-ish"]
    examples += ["wellness", "a wellness b", "heyyou", "sorryyy", "sorry", "so sad", "saddest"]
    examples += ["the the", "ha ha", "haha", "hahaha", "goood", "abc", "i am too", "nose 3"]
    for sentence in examples:
        assert TRICKY_MATCHER.names(sentence) == every_regex(TRICKY, sentence), sentence
    assert "end" in TRICKY_MATCHER.names("same\n")
    assert "lookahead_inside" in TRICKY_MATCHER.names("a wellness b")
    assert "word_class" in TRICKY_MATCHER.names("heyyou")
    assert "open_unbounded" in TRICKY_MATCHER.names("sorryyy")
    assert "digits" in TRICKY_MATCHER.names("about 3.5 percent")
    assert "digits" in TRICKY_MATCHER.names("about ٣ percent")  # a Unicode digit is \d too
    assert "unicode" in TRICKY_MATCHER.names("un café")
    assert "global_flag" in TRICKY_MATCHER.names("HELLO")
    assert "inline_flag" in TRICKY_MATCHER.names("HeLLo there")


def test_what_the_analysis_skips_and_keeps() -> None:
    # Inline flags are not modelled: no checks, the regex always runs.
    assert analyse(TRICKY["global_flag"])[0] == ()
    # A word fixed at both ends is a key that decides alone; one that is not is a substring.
    (clause,) = analyse(re.compile(r"\bfair\b"))[0]
    assert clause.keyed == {"fair": ("",)}
    (clause,) = analyse(TRICKY["word_in_word"])[0]
    assert clause.subs == ("sad",) and not clause.keyed
    # Text after ^ is a prefix keyed by the opening word.
    clauses, anchored = analyse(TRICKY["anchored"])
    assert anchored
    assert {k for c in clauses for k in c.first_keyed} == {"but", "and", "why"}


@SETTINGS
@given(st.text(alphabet="abz09 '-?!._\né\u00a0١", max_size=40) | st.text(max_size=40))
def test_words_are_the_runs_of_word_characters(sentence: str) -> None:
    assert _word_list(sentence) == re.findall(r"\w+", sentence)
    expected = set(re.findall(r"\w+", sentence)) | (
        {DIGIT_KEY} if re.search(r"\d", sentence) else set()
    )
    assert words_of(sentence) == expected
    runs = re.findall(r"\w+", sentence)
    assert first_word(sentence) == (runs[0] if re.match(r"\w", sentence) else None)
