"""Cheap, provably conservative pre-checks that let ``cues`` skip regexes that cannot match.

Each cue regex is read once, at import, from the parse tree that ``re`` itself builds, into a
conjunction of *clauses*.  A clause is a disjunction of *atoms*, and every match of the regex
makes one atom of each clause true.  An atom comes from a string the regex must match literally
("at least", "you poor", "?") and is one of:

* keyed by a word: the string contains a word that the regex fixes at both ends (with ``\\b``,
  ``^``, ``$`` or a non-word character beside it), so that word is a whole word of the sentence
  (one of ``words_of(sentence)``); the atom holds when the sentence has that word and contains
  the string;
* keyed by the first word: the string follows ``^`` and opens with a whole word; the atom
  holds when the sentence opens with that word and starts with the string;
* unkeyed: the atom holds when the sentence contains (or, after ``^``, starts with) the string.

``CueMatcher`` files every regex under the keys of one clause, so one look-up per word of the
sentence finds the few regexes worth trying instead of running all of them.

The analysis over-approximates what a regex can match: whatever it does not model (lookarounds,
unbounded repeats, negated classes, inline flags, anything unfamiliar) counts as "could be
anything", which only ever drops clauses, never adds one.  So a regex is skipped only when it
cannot match, and ``CueMatcher.names`` answers exactly as running every regex would
(``tests/domain/guard/test_prefilter.py`` checks that against a plain loop over the regexes).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import Any, Final

# Zero-width markers inside exact strings (private-use characters that no cue pattern
# contains; a pattern that does contain one gets no pre-check).  EDGE: the sentence has a word
# edge here (\b, $, \Z, or a non-word character next to it).  START: the sentence starts here.
_EDGE: Final = "\ue000"
_START: Final = "\ue001"
_MARKERS: Final = (_EDGE, _START)
# Stands among the sentence's words for "it has a digit" (\w+ never matches it).
DIGIT_KEY: Final = "\ue002"
# Largest set of exact strings kept for one node; beyond it the node is "not exact".
_MAX_EXACT: Final = 512
# Largest character class ([cs], [0-9]) expanded into its characters.
_MAX_CLASS: Final = 10
_WORD_CHAR: Final = re.compile(r"\w")
_WORDS: Final = re.compile(r"\w+")
_DIGIT: Final = re.compile(r"\d")
# Sentences as the guard builds them (lower-case tokens, spaces, ' and -, ? and !): their
# words are what lies between the non-word characters, found without a regex.
_PLAIN: Final = re.compile(r"[a-z0-9 '\-?!]*")
# Common words make poor keys; a rarer word of the same string is preferred.  (Only a matter
# of speed: any whole word of the string is as safe a key as any other.)
_COMMON: Final = frozenset(
    re.findall(
        r"\S+",
        "a about all am an and are as at be been but can could d did do does for get go had has"
        " have he how i if in is it just know like ll m me more my no not of on one or re"
        " really right s she so t that the there they this to u ve was we well were what when"
        " would you your",
    )
)


@dataclass(frozen=True, slots=True)
class Clause:
    """A disjunction of atoms; see the module docstring.

    ``keyed`` maps a word to the strings of the atoms it keys ("" when the word alone decides
    the atom); ``first_keyed`` does the same for the first word and strings the sentence must
    start with; ``subs`` and ``prefixes`` are the unkeyed atoms.
    """

    keyed: Mapping[str, tuple[str, ...]]
    first_keyed: Mapping[str, tuple[str, ...]]
    subs: tuple[str, ...]
    prefixes: tuple[str, ...]
    keys: frozenset[str]  # the keys of ``keyed``, as a set for a quick intersection

    @property
    def unkeyed(self) -> bool:
        """Whether some atom has no key (then the keys prove nothing)."""
        return bool(self.subs or self.prefixes)

    def holds(self, sentence: str, words: frozenset[str] | set[str], first: str | None) -> bool:
        """Whether the clause is true of ``sentence``, given its ``words_of`` and first word."""
        contains = sentence.__contains__
        keyed = self.keyed
        for word in words & self.keys:
            if any(map(contains, keyed[word])):  # "" is in every string
                return True
        opening = None if first is None else self.first_keyed.get(first)
        if opening is not None and sentence.startswith(opening):
            return True
        return any(map(contains, self.subs)) or sentence.startswith(self.prefixes)


def _word_list(sentence: str) -> list[str]:
    """The maximal runs of word characters (\\w) of a sentence, in order."""
    if _PLAIN.fullmatch(sentence):
        return (
            sentence.replace("'", " ").replace("-", " ").replace("?", " ").replace("!", " ").split()
        )
    return _WORDS.findall(sentence)


def words_of(sentence: str) -> frozenset[str]:
    """The sentence's maximal runs of word characters, and ``DIGIT_KEY`` if it has a digit."""
    found = frozenset(_word_list(sentence))
    return found | {DIGIT_KEY} if _DIGIT.search(sentence) else found


def first_word(sentence: str) -> str | None:
    """The word the sentence opens with, or None when it opens with something else."""
    found = _word_list(sentence)
    return found[0] if found and sentence.startswith(found[0]) else None


@lru_cache(maxsize=512)
def _is_word_char(ch: str) -> bool:
    return ch not in _MARKERS and _WORD_CHAR.match(ch) is not None


def _strip(marked: str) -> str:
    return marked.replace(_EDGE, "").replace(_START, "")


def _pinned_words(exact: str) -> list[str]:
    """Word runs of ``exact`` with a non-word character or a marker on both sides."""
    # Bounded inside the string, that is, not just by the string's own ends (markers are not
    # word characters, so a run stops at one).
    n = len(exact)
    return [m.group() for m in _WORDS.finditer(exact) if m.start() > 0 and m.end() < n]


def _opening_word(after_start: str) -> str | None:
    """The sentence's first word, when a match puts ``after_start`` (marked) right after ^."""
    lead = after_start.lstrip(_EDGE)
    run = _WORDS.match(lead)
    return run.group() if run is not None and run.end() < len(lead) else None  # ends inside


def _rarest(words: Iterable[str]) -> str:
    return max(words, key=lambda w: (w not in _COMMON, len(w), w))


def _without_longer(texts: Iterable[str]) -> tuple[str, ...]:
    """Substring atoms, less those containing another (which hold only when it does)."""
    kept: list[str] = []
    for text in sorted(set(texts), key=lambda t: (len(t), t)):
        if not any(shorter in text for shorter in kept):
            kept.append(text)
    return tuple(kept)


def _without_extended(prefixes: Iterable[str]) -> tuple[str, ...]:
    """Prefix atoms, less those extending another.  In sorted order every string that extends
    a prefix comes right after it (or after others extending it), so one look back suffices."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes)):
        if not kept or not prefix.startswith(kept[-1]):
            kept.append(prefix)
    return tuple(kept)


class _Atoms:
    """Collects the atoms of one clause."""

    def __init__(self) -> None:
        self.keyed: dict[str, set[str]] = {}
        self.first_keyed: dict[str, set[str]] = {}
        self.subs: set[str] = set()
        self.prefixes: set[str] = set()

    def add(self, item: str) -> bool:
        """Add the atom met by any match of the exact (marked) string; False if none is."""
        text = _strip(item)
        if not text:
            return False  # it can match the empty string: nothing is required
        if _START in item:
            # ^ matches only at 0, so what follows the (last) ^ opens the sentence.
            after = item.rpartition(_START)[2]
            prefix = _strip(after)
            if prefix:
                first = _opening_word(after)
                if first is None:
                    self.prefixes.add(prefix)
                else:
                    self.first_keyed.setdefault(first, set()).add(prefix)
                return True
        pinned = _pinned_words(item)
        if not pinned:
            self.subs.add(text)
            return True
        key = _rarest(pinned)
        self.keyed.setdefault(key, set()).add("" if text == key else text)
        return True

    def merge(self, clause: Clause) -> None:
        """Add every atom of ``clause`` (an alternative of this one)."""
        for key, texts in clause.keyed.items():
            self.keyed.setdefault(key, set()).update(texts)
        for key, texts in clause.first_keyed.items():
            self.first_keyed.setdefault(key, set()).update(texts)
        self.subs.update(clause.subs)
        self.prefixes.update(clause.prefixes)

    def build(self) -> Clause:
        return Clause(
            keyed={k: _without_longer(v) for k, v in sorted(self.keyed.items())},
            first_keyed={k: _without_extended(v) for k, v in sorted(self.first_keyed.items())},
            subs=_without_longer(self.subs),
            prefixes=_without_extended(self.prefixes),
            keys=frozenset(self.keyed),
        )


def _clause(exact: Iterable[str]) -> Clause | None:
    """A clause that any match of one of the ``exact`` strings meets; None if there is none."""
    atoms = _Atoms()
    for item in exact:
        if not atoms.add(item):
            return None
    return atoms.build()


def _cost(clause: Clause) -> tuple[bool, int]:
    """Rough cost of using a clause: unkeyed atoms are dearest (they are checked every time)."""
    return clause.unkeyed, len(clause.subs) + len(clause.prefixes)


def _dedupe(clauses: Iterable[Clause]) -> tuple[Clause, ...]:
    out: list[Clause] = []
    for clause in clauses:
        if clause not in out:
            out.append(clause)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Info:
    """What a node can match.

    ``exact``: every string it can match (markers included) when there are few, else None.
    ``clauses``: clauses that every match meets.
    ``null``: it can match the empty string with no marker (it says nothing about its place).
    ``lpin``/``rpin``: every other match starts/ends with a non-word character or a marker.
    """

    exact: frozenset[str] | None
    clauses: tuple[Clause, ...] = ()
    null: bool = True
    lpin: bool = False
    rpin: bool = False


def _exact(strings: frozenset[str], clauses: tuple[Clause, ...] = ()) -> _Info:
    firsts = {s[0] for s in strings if s}
    lasts = {s[-1] for s in strings if s}
    return _Info(
        exact=strings,
        clauses=clauses,
        null="" in strings,
        lpin=not any(map(_is_word_char, firsts)),
        rpin=not any(map(_is_word_char, lasts)),
    )


_ANY: Final = _Info(exact=None)  # could be anything, including nothing
_EMPTY: Final = _exact(frozenset({""}))
_DIGIT_CLAUSE: Final = Clause(
    keyed={DIGIT_KEY: ("",)}, first_keyed={}, subs=(), prefixes=(), keys=frozenset({DIGIT_KEY})
)


def _pinned_after(infos: Sequence[_Info], outside: bool) -> bool:
    """Whether whatever follows starts with a non-word character, a marker, or the outside."""
    for info in infos:
        if not info.lpin:
            return False
        if not info.null:
            return True
    return outside


def _pinned_before(infos: Sequence[_Info], outside: bool) -> bool:
    """Whether whatever precedes ends with a non-word character, a marker, or the outside."""
    for info in reversed(infos):
        if not info.rpin:
            return False
        if not info.null:
            return True
    return outside


class _Walker:
    """Turns a ``re`` parse tree into an ``_Info``; what it does not know becomes ``_ANY``.

    ``left``/``right`` say whether the surroundings of a sequence are known to be pinned
    (a non-word character or a marker), which lets word atoms reach its first and last words.
    """

    def __init__(self, parser: Any) -> None:
        self.p = parser
        self.edges = {parser.AT_BOUNDARY, parser.AT_END, parser.AT_END_STRING}
        self.starts = {parser.AT_BEGINNING, parser.AT_BEGINNING_STRING}
        self.nonword = {parser.CATEGORY_SPACE, parser.CATEGORY_NOT_WORD}
        self.digit = [(parser.CATEGORY, parser.CATEGORY_DIGIT)]
        # Groups are read once per surrounding (left, right), not once per enclosing reading.
        self.seen: dict[tuple[int, bool, bool], _Info] = {}

    def parts(self, items: Any) -> list[tuple[Any, Any]]:
        """A sequence's items, each run of literals made one string (op None)."""
        data: list[tuple[Any, Any]] = getattr(items, "data", items)  # a SubPattern's list
        literal = self.p.LITERAL
        parts: list[tuple[Any, Any]] = []
        start = 0
        for k, (op, av) in enumerate(data):
            if op is not literal:
                if start < k:
                    parts.append((None, "".join([chr(c) for _, c in data[start:k]])))
                parts.append((op, av))
                start = k + 1
        if start < len(data):
            parts.append((None, "".join([chr(c) for _, c in data[start:]])))
        return parts

    def sequence(self, items: Any, left: bool, right: bool) -> _Info:
        parts = self.parts(items)
        infos = [self.node(op, av, False, False) for op, av in parts]
        for k, (op, av) in enumerate(parts):
            # A group learns what surrounds it (its pins and nulls do not depend on that).
            if op is self.p.SUBPATTERN or op is self.p.BRANCH:
                before = _pinned_before(infos[:k], left)
                after = _pinned_after(infos[k + 1 :], right)
                if before or after:
                    infos[k] = self.node(op, av, before, after)
        clauses: list[Clause] = []
        for info in infos:
            clauses.extend(info.clauses)
        run: frozenset[str] = frozenset({""})  # exact strings of the current run of items
        start = 0  # index of the run's first item
        all_exact = True

        def flush(end: int) -> None:
            strings: Iterable[str] = run
            if _pinned_before(infos[:start], left):
                strings = [_EDGE + s for s in strings]
            if _pinned_after(infos[end:], right):
                strings = [s + _EDGE for s in strings]
            clause = _clause(strings)
            if clause is not None:
                clauses.append(clause)

        for k, info in enumerate(infos):
            if info.exact is None:
                all_exact = False
                flush(k)
                run, start = frozenset({""}), k + 1
            elif len(run) * len(info.exact) <= _MAX_EXACT:
                run = frozenset(a + b for a, b in product(run, info.exact))
            else:
                all_exact = False
                flush(k)
                run, start = info.exact, k
        if all_exact:
            return _exact(run, _dedupe(clauses))
        flush(len(infos))
        return _Info(
            exact=None,
            clauses=_dedupe(clauses),
            null=all(info.null for info in infos),
            lpin=_pinned_after(infos, True),
            rpin=_pinned_before(infos, True),
        )

    def branch(self, alternatives: Sequence[Any], left: bool, right: bool) -> _Info:
        # Most alternatives are plain text: take their strings without building a node each.
        plain: list[str | None] = []
        for alt in alternatives:
            parts = self.parts(alt)
            if not parts:
                plain.append("")
            elif len(parts) == 1 and parts[0][0] is None:
                plain.append(parts[0][1])
            else:
                plain.append(None)
        if None not in plain and len(plain) <= _MAX_EXACT:
            return _exact(frozenset(text for text in plain if text is not None))
        infos = [
            self.sequence(alt, left, right) if text is None else _exact(frozenset({text}))
            for alt, text in zip(alternatives, plain)
        ]
        union: set[str] = set()
        for info in infos:
            if info.exact is None:
                break
            union |= info.exact
        else:
            if len(union) <= _MAX_EXACT:
                return _exact(frozenset(union))
        null = any(info.null for info in infos)
        lpin = all(info.lpin for info in infos)
        rpin = all(info.rpin for info in infos)
        # Some alternative matched, so one of its clauses holds: join one clause from each.
        atoms = _Atoms()
        for info in infos:
            if info.exact is not None:
                strings = [
                    (_EDGE if left else "") + s + (_EDGE if right else "") for s in info.exact
                ]
                own = _clause(strings)
                options = [own] if own is not None else []
            else:
                options = list(info.clauses)
            if not options:
                return _Info(exact=None, null=null, lpin=lpin, rpin=rpin)
            atoms.merge(min(options, key=_cost))
        return _Info(exact=None, clauses=(atoms.build(),), null=null, lpin=lpin, rpin=rpin)

    def node(self, op: Any, av: Any, left: bool, right: bool) -> _Info:
        p = self.p
        if op is None:  # literal text, from ``sequence``
            return _exact(frozenset({av}))
        if op is p.SUBPATTERN or op is p.BRANCH:
            key = (id(av), left, right)  # the tree outlives the walker, so ids stay put
            if key not in self.seen:
                self.seen[key] = self.group(op, av, left, right)
            return self.seen[key]
        if op is p.AT:
            if av in self.edges:
                return _exact(frozenset({_EDGE}))
            if av in self.starts:
                return _exact(frozenset({_START}))
            return _EMPTY
        if op is p.ASSERT or op is p.ASSERT_NOT:
            return _EMPTY  # zero-width; what it looks at is ignored (that only loses clauses)
        if op is p.IN:
            return self.char_class(av)
        if op is p.MAX_REPEAT or op is p.MIN_REPEAT or op is p.POSSESSIVE_REPEAT:
            return self.repeat(av)
        return _ANY  # ANY, NOT_LITERAL, GROUPREF, ATOMIC_GROUP, ...

    def group(self, op: Any, av: Any, left: bool, right: bool) -> _Info:
        if op is self.p.BRANCH:
            return self.branch(av[1], left, right)
        _group, add_flags, del_flags, sub = av
        return _ANY if add_flags or del_flags else self.sequence(sub, left, right)

    def repeat(self, av: Any) -> _Info:
        low, high, sub = av
        inner = self.sequence(sub, False, False)
        if low == 0 and high == 1 and inner.exact is not None:
            return _exact(inner.exact | {""})
        if (
            low >= 1
            and low == high
            and inner.exact is not None
            and len(inner.exact) ** low <= _MAX_EXACT
        ):
            exact = frozenset("".join(parts) for parts in product(inner.exact, repeat=low))
            return _exact(exact, inner.clauses)
        clauses: list[Clause] = []
        if low >= 1:
            clauses.extend(inner.clauses)
            if inner.exact is not None:
                clause = _clause(inner.exact)
                if clause is not None:
                    clauses.append(clause)
        return _Info(
            exact=None,
            clauses=_dedupe(clauses),
            null=low == 0 or inner.null,
            lpin=inner.lpin,
            rpin=inner.rpin,
        )

    def char_class(self, items: Sequence[tuple[Any, Any]]) -> _Info:
        p = self.p
        if list(items) == self.digit:  # \d: one digit, which words_of reports as DIGIT_KEY
            return _Info(exact=None, clauses=(_DIGIT_CLAUSE,), null=False)
        chars: set[str] = set()
        nonword = True  # every character of the class is a non-word character
        expandable = True
        for op, av in items:
            if op is p.LITERAL:
                chars.add(chr(av))
                nonword = nonword and not _is_word_char(chr(av))
            elif op is p.RANGE and av[1] - av[0] < _MAX_CLASS:
                span = [chr(c) for c in range(av[0], av[1] + 1)]
                chars.update(span)
                nonword = nonword and not any(map(_is_word_char, span))
            elif op is p.CATEGORY and av in self.nonword:
                expandable = False
            else:
                return _Info(exact=None, null=False)  # NEGATE, word categories, wide ranges
        if expandable and 0 < len(chars) <= _MAX_CLASS:
            return _exact(frozenset(chars))
        return _Info(exact=None, null=False, lpin=nonword, rpin=nonword)


def _load_parser() -> Any:
    try:
        return importlib.import_module("re._parser")
    except ImportError:  # a Python without it: no pre-checks, every regex runs
        return None


_PARSER: Final = _load_parser()


def analyse(rx: re.Pattern[str]) -> tuple[tuple[Clause, ...], bool]:
    """Clauses that every match of ``rx`` meets (none when nothing safe can be said), and
    whether ``rx`` opens with ``^`` (``re`` then tries it at 0 only, which is already cheap)."""
    if _PARSER is None or rx.flags & ~re.UNICODE or any(m in rx.pattern for m in _MARKERS):
        return (), False
    try:
        tree = list(_PARSER.parse(rx.pattern, rx.flags))
        anchored = bool(tree) and tree[0] == (_PARSER.AT, _PARSER.AT_BEGINNING)
        info = _Walker(_PARSER).sequence(tree, False, False)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError, re.error):
        # An unfamiliar tree shape: stay safe and always run the regex.
        return (), False
    clauses = list(info.clauses)
    if info.exact is not None:
        clause = _clause(info.exact)
        if clause is not None:
            clauses.append(clause)
    return tuple(sorted(_dedupe(clauses), key=_cost)), anchored


def _gate_cost(clause: Clause) -> tuple[int, int, str]:
    common = len(clause.keys & _COMMON) + len(clause.first_keyed.keys() & _COMMON)
    return common, len(clause.keyed) + len(clause.first_keyed), repr(clause)


# What one key files: the regexes whose gate it alone makes true, and the regexes whose gate
# it makes true when the sentence also contains (for a first word: starts with) a string.
_Filed = tuple[frozenset[int], tuple[tuple[int, tuple[str, ...]], ...]]


def _file(
    index: dict[str, tuple[set[int], list[tuple[int, tuple[str, ...]]]]],
    key: str,
    regex: int,
    texts: tuple[str, ...],
    *,
    alone: bool,
) -> None:
    sure, checked = index.setdefault(key, (set(), []))
    if alone:
        sure.add(regex)
    else:
        checked.append((regex, texts))


def _frozen(
    index: dict[str, tuple[set[int], list[tuple[int, tuple[str, ...]]]]],
) -> dict[str, _Filed]:
    return {key: (frozenset(sure), tuple(checked)) for key, (sure, checked) in index.items()}


class CueMatcher:
    """Finds which of a set of named regexes match a sentence, skipping those that cannot.

    Each regex with a keyed clause (one without unkeyed atoms), its *gate*, is filed under the
    gate's keys, with the strings to look for; one look-up per word of the sentence (and one
    for its first word) then checks every gate at once and picks the few regexes worth trying.
    Those get their other clauses checked and then run.  Regexes without a keyed clause have
    their clauses checked on every sentence; regexes without any clause always run.
    """

    __slots__ = ("_always", "_by_first", "_by_word", "_entries", "_unkeyed")

    def __init__(self, patterns: Mapping[str, re.Pattern[str]]) -> None:
        entries: list[tuple[str, Callable[[str], object], tuple[Clause, ...]]] = []
        by_word: dict[str, tuple[set[int], list[tuple[int, tuple[str, ...]]]]] = {}
        by_first: dict[str, tuple[set[int], list[tuple[int, tuple[str, ...]]]]] = {}
        always: list[int] = []
        unkeyed: list[tuple[int, tuple[Clause, ...]]] = []
        for name, rx in patterns.items():
            index = len(entries)
            clauses, anchored = analyse(rx)
            keyed = [c for c in clauses if not c.unkeyed]
            if not keyed and anchored:
                clauses = ()  # checking the clauses would cost about as much as the regex
            if not keyed:
                entries.append((name, rx.search, ()))
                if clauses:
                    unkeyed.append((index, clauses))
                else:
                    always.append(index)
                continue
            # The gate: the keyed clause with the fewest common keys (which come up in most
            # sentences), then the fewest keys.
            gate = min(keyed, key=_gate_cost)
            for word, texts in gate.keyed.items():
                _file(by_word, word, index, texts, alone="" in texts)
            for word, texts in gate.first_keyed.items():
                _file(by_first, word, index, texts, alone=word in texts)
            # An opening ^ makes the regex about as cheap as a check: only the gate is used.
            rest = () if anchored else tuple(c for c in clauses if c is not gate)
            entries.append((name, rx.search, rest))
        self._entries = tuple(entries)
        self._by_word = _frozen(by_word)
        self._by_first = _frozen(by_first)
        self._always = frozenset(always)
        self._unkeyed = tuple(unkeyed)

    def names(self, sentence: str) -> frozenset[str]:
        """Names of the regexes that match somewhere in ``sentence`` (as ``rx.search`` does)."""
        found = _word_list(sentence)
        words = set(found)
        if _DIGIT.search(sentence):
            words.add(DIGIT_KEY)
        first = found[0] if found and sentence.startswith(found[0]) else None
        contains = sentence.__contains__
        maybe = set(self._always)
        get = self._by_word.get
        for word in words:
            filed = get(word)
            if filed is not None:
                maybe |= filed[0]
                for index, texts in filed[1]:
                    if any(map(contains, texts)):
                        maybe.add(index)
        if first is not None:
            filed = self._by_first.get(first)
            if filed is not None:
                maybe |= filed[0]
                for index, texts in filed[1]:
                    if sentence.startswith(texts):
                        maybe.add(index)
        for index, clauses in self._unkeyed:
            if all(clause.holds(sentence, words, first) for clause in clauses):
                maybe.add(index)
        hits: list[str] = []
        entries = self._entries
        for index in maybe:
            name, search, rest = entries[index]
            if rest and not all(clause.holds(sentence, words, first) for clause in rest):
                continue
            if search(sentence):
                hits.append(name)
        return frozenset(hits)
