"""``clean`` and ``sentences`` take faster routes that must give what the plain regexes give."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.guard import text
from app.domain.guard.text import clean, sentences

# The straightforward definitions the fast routes replace.
_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[.?!;])\s+|\s*\n+\s*|(?<=[a-z])\.\.\.?\s*")

# Text rich in what the splitting looks at: sentence ends, dots, odd whitespace, letters.
PUNCTUATED = st.lists(
    st.sampled_from(list("aZz. ?!;\n\t\r\u00a0\u2028\u3000\x0b\x1c-'") + ["...", ". ", "ok"]),
    max_size=60,
).map("".join)


def plain_clean(raw: str) -> str:
    if len(raw) > text.MAX_CHARS:
        raw = raw[: text.HEAD_CHARS] + " ... " + raw[text.HEAD_CHARS - text.MAX_CHARS :]
    raw = raw.translate(text._QUOTES)
    raw = text._CONTROL.sub(" ", raw)
    return _SPACE.sub(" ", raw).strip()


@settings(max_examples=300, deadline=None)
@given(PUNCTUATED | st.text(max_size=80))
def test_clean_collapses_whitespace_like_the_regex(raw: str) -> None:
    assert clean(raw) == plain_clean(raw)


@settings(max_examples=300, deadline=None)
@given(PUNCTUATED | st.text(max_size=80))
def test_sentences_split_like_the_regex(raw: str) -> None:
    for value in (raw, clean(raw)):
        assert text._SENTENCE_NO_NEWLINE.split(value.replace("\n", " ")) == _SENTENCE.split(
            value.replace("\n", " ")
        )
        parts = [p.strip() for p in _SENTENCE.split(value)]
        found = [p for p in parts if p and text._TOKEN.search(p.lower())]
        if len(found) > text.HEAD_SENTENCES + text.TAIL_SENTENCES:
            found = found[: text.HEAD_SENTENCES] + found[-text.TAIL_SENTENCES :]
        assert sentences(value) == found
