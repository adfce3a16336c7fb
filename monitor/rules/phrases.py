"""One compiled matcher for a word/phrase list: the engine of the abuse and safeguarding rules.

The list syntax (see ``config/lists/abuse.txt``): ``word``, ``word*``
(prefix), ``some words`` (a phrase), ``!exception``, ``entry ; urgent``, and,
for lists of phrasings, ``a|b`` (alternative words), ``[a|b]`` (an optional
word) and ``+`` joining words into one choice (``i'm|i+am``):
``what's|whats your|ur snap*|insta*`` stands for eight phrases.

All entries are compiled, once, into one regular expression run over the
normalised, accent-folded text; the normaliser has already undone case,
look-alike letters, zero-width characters and leetspeak. The pattern adds the
obfuscations that change a word's shape: repeated letters ("fuuuck"), masked
letters ("f**k", "sh*t") and letters spelt out one by one ("f u c k",
"f.u.c.k"). Matching is on whole words, so "Scunthorpe", "cocktail" and
"assessment" never match.

Speed: most text matches nothing, and a regex tried at every word start costs
microseconds. So a text first goes through one Aho-Corasick automaton holding
the literals every match must contain: for each word of an entry (but the
commonest words, when an entry has others), its letters up to any apostrophe,
cut to a few runs of letters, with each single letter also doubled; and every
letter tripled ("uuu": the sign of a stretched word). Filler words ("the",
"your"), in almost every text, are no keys: an entry's are looked for in the
letters view only once its other literals are found. Only text holding, at
word starts, all the literals of some entry, or showing a sign of masking or
spelling out, reaches the regex; the list's exceptions are filtered the same
way. The automaton is a necessary condition, never a decision: the regex
decides.

The regex merges entries into a trie so that, at each word start, the engine
rejects non-matching entries by comparing one character per branch. Masks
and spelt-out letters defeat that merging, so they live in a second, slower
pattern that runs only on text showing a sign of them.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar, Protocol

import ahocorasick

from monitor.models import ActionKind, Hit, Item, Severity
from monitor.rules.normalise import NormalisedText, normalise
from monitor.rules.signal import LearnedSignal

# A letter in any script: \w minus digits and underscore.
_LETTER = r"[^\W\d_]"
_STARTS_WITH_LETTER = re.compile(_LETTER)
_NOT_BEFORE_LETTER = rf"(?!{_LETTER})"
# A whole word ends here, allowing a plural "s" or "es" first.
_WORD_END = rf"(?:e?s)?{_NOT_BEFORE_LETTER}"
# Between the words of a phrase.
_WORD_GAP = r"[\s\-_.,]++"
# Between letters spelt out one by one ("f u c k", "f.u.c.k", "f-u-c-k").
_SPELT_GAP_CHARS = r"[\s._\-*]"
_SPELT_GAP = _SPELT_GAP_CHARS + "{1,3}"
# Characters that may stand for a letter ("f**k"), one per letter.
_MASK = "[*#]"
_APOSTROPHE = "['’‘`]?"
_APOSTROPHES = re.compile("['’‘`]")
# Spelt-out letters must be the whole spelt-out run: the "a s s" in
# "A S S E S S M E N T" is not "ass". Checked just after the first letter,
# so the look-behind spans that letter too. A word of one letter ("a", "I",
# "u") may stand before a spelling-out: "what a f.u.c.k.i.n.g joke".
_NOT_AFTER_SPELT = rf"(?<!(?<!{_LETTER})(?![aiu]){_LETTER}{_SPELT_GAP_CHARS}.)"
_NOT_BEFORE_SPELT = rf"(?!{_SPELT_GAP_CHARS}{_LETTER}{_NOT_BEFORE_LETTER})"
# Signs of masking or spelling out; text without one takes the fast pattern.
# A sign may show where there is nothing (that only costs time), but every
# masked or spelt form shows one: a letter then a mask, or the last two
# letters of a spelling-out, each with a gap before it.
_SPELT_SIGN = re.compile(rf"{_SPELT_GAP_CHARS}{_LETTER}{_SPELT_GAP}{_LETTER}{_NOT_BEFORE_LETTER}")
_SEVERITY_SEPARATOR = ";"
# Words too common (on a school's page) to be worth looking for, when an
# entry has other words: they would send most text to the regex.
_COMMON_WORDS = frozenset(
    str.split(
        "a i r u me my you your ur ya the to on in at of and is are it be do go so up "
        "im ill we us our he she his her they them this that what when where who how "
        "know will going gonna have has get got can could does out now come back with "
        "for from all some any just one not no day please check anyone someone more "
        "home year after photo hot soon really school class teacher teachers kids kid "
        "child children mum dad parents parent message tell gate gates outside food son "
        "daughter days well done getting came sort notice with was were"
    )
)
# The commonest of them, in almost every comment: when an entry has another
# word, these are no keys of the automaton but looked for on demand (_Filler).
_FILLER_WORDS = frozenset(
    str.split(
        "a i r u me my you your ur the to on in at of and is are it be do so we us our "
        "he she his her they them this that for if all day days well have from done "
        "getting came come sort notice with was were"
    )
)
# How many letter runs of a word the prefilter literal keeps: enough to be
# rare, few enough that the doubled-letter variants stay a handful.
_KEY_RUNS = 6
# How rare a set of an entry's literals must be for the prefilter: a common
# word counts 1, another word 2, or 3 from _SECOND_LENGTH letters up; at
# most _MOST_LITERALS words.
_RARE_ENOUGH = 5
_SECOND_LENGTH = 4
_MOST_LITERALS = 3
# The automaton's values for "some letter is tripled" (the text may hold a
# stretched word, "fuuuck", which only the regex recognises) and for "the
# last two letters of a single-word entry of list 0, spelt out" ("f u c k");
# list 1's is _SPELT - 1, and so on.
_STRETCHED = -1
_SPELT = -2
# The most UTF-8 bytes a spelt-out gap (1 to 3 of _SPELT_GAP_CHARS) takes:
# three characters of three bytes (U+3000, the ideographic space).
_SPELT_GAP_BYTES = 9


@dataclass(frozen=True, slots=True)
class Entry:
    """One parsed list entry (one phrasing, after ``a|b`` and ``[a]`` are expanded)."""

    text: str  # the list line as written, without "!" or severity: what Hit.entry reports
    words: tuple[str, ...]  # normalised, accent-folded words
    prefix: bool
    severity: Severity


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    """One match: the span of ``NormalisedText.original``, what matched, and the entry."""

    start: int
    end: int
    normalised: str
    entry: Entry


class PhraseMatcher:
    """Finds the entries of one list in normalised text.

    ``terms`` are the list's entries (see ``monitor.lists.parse_terms``);
    those starting with ``!`` are exceptions, as are ``allow_terms`` (same
    syntax, no ``!``). A match lying inside a match of an exception is
    dropped. ``label`` names the list in error messages ("abuse list entry").
    ``prefilter=False`` runs the patterns on every text: slower, and the
    reference the prefilter is tested against (it must change no finding).

    Raises:
        ValueError: a malformed entry (at construction; ``find`` never raises).
    """

    def __init__(
        self,
        terms: Sequence[str],
        *,
        allow_terms: Sequence[str] = (),
        default_severity: Severity,
        label: str,
        prefilter: bool = True,
    ) -> None:
        blocked: list[Entry] = []
        allowed: list[Entry] = []
        for raw in terms:
            if raw.startswith("!"):
                allowed.extend(parse_entry(raw[1:], default_severity, label))
            else:
                blocked.extend(parse_entry(raw, default_severity, label))
        for raw in allow_terms:
            allowed.extend(parse_entry(raw, default_severity, label))
        self.entries: tuple[Entry, ...] = tuple(blocked)
        numbered = list(enumerate(blocked))
        self._plain = _compile_lines(numbered)
        # Masks and spelling-out apply to single words only, so the pattern
        # for them holds only those: the phrases are compiled once.
        self._obfuscated = _compile(
            [(i, e) for i, e in numbered if len(e.words) == 1], obfuscations=True
        )
        self.allowed: tuple[Entry, ...] = tuple(allowed)
        self._allow = _compile_lines(list(enumerate(allowed)))
        # Built on first use, unless share_prefilter gives them first: the
        # automaton is several megabytes, and a shared one replaces this. The
        # exceptions have a filter too: their pattern need not run on a text
        # that cannot hold one.
        self._filter: _Filter | None = None if prefilter else _PassAll()
        self._allow_filter: _Filter | None = None

    def find(self, text: NormalisedText) -> list[PhraseMatch]:
        """Every entry found in ``text``, in order, spans in ``text.original``."""
        if self._plain is None:
            return []
        if self._filter is None:
            self._filter, self._allow_filter = _build_filters([self.entries, self.allowed])[1]
        plain, spelt = self._filter.scan(text)
        # (Folding accents never adds or removes a "*" or "#".)
        if not (plain or spelt or "*" in text.text or "#" in text.text):
            return []  # the common case: no entry can match
        view = text.fold_diacritics()
        # "_" joins words in hashtags and handles ("you_twat"); as a space it
        # is a word boundary, which the pattern's cheap \b start relies on.
        s = view.text.replace("_", " ")
        found = list(self._plain.finditer(s)) if plain else []
        if self._obfuscated is not None and (spelt or _masked(s)):
            found = _leftmost_longest([*found, *self._obfuscated.finditer(s)])
        out: list[PhraseMatch] = []
        for m in found:
            if self._allow is not None and self.excepted(text, m.start(), m.end()):
                continue
            start, end = view.original_span(m.start(), m.end())
            out.append(PhraseMatch(start, end, m.group(), self.entries[_entry_index(m)]))
        return out

    def has_exception(self, text: NormalisedText) -> bool:
        """Whether ``text`` holds a match of one of the list's exceptions or allow-terms
        anywhere (a learned signal over the whole text defers to the admin's allow-terms)."""
        return bool(self._exception_spans(text))

    def excepted(self, text: NormalisedText, start: int, end: int) -> bool:
        """Whether ``[start, end)`` of ``text.fold_diacritics().text`` lies inside a match
        of one of the list's exceptions or allow-terms (the list's own matches, and those
        of matchers beside it, such as ``concerns``, that they must silence too)."""
        return any(a <= start and end <= b for a, b in self._exception_spans(text))

    def _exception_spans(self, text: NormalisedText) -> Sequence[tuple[int, int]]:
        """The spans of the exceptions' matches in the accent-folded text; worked out
        once per text, after the exceptions' prefilter says one may be there."""
        if self._allow is None:
            return ()
        if self._filter is None:
            self._filter, self._allow_filter = _build_filters([self.entries, self.allowed])[1]
        if self._allow_filter is not None and not self._allow_filter.scan(text)[0]:
            return ()  # the common case: no exception's literals in the text
        return text.cached((self, "exceptions"), self._find_exceptions)

    def _find_exceptions(self, text: NormalisedText) -> list[tuple[int, int]]:
        assert self._allow is not None
        s = text.fold_diacritics().text.replace("_", " ")
        return [a.span() for a in self._allow.finditer(s)]


class PrefilterClient(Protocol):
    """Another matcher whose keys ride in the shared automaton (the roster's names)."""

    def prefilter_keys(self, base: int) -> dict[str, int]:
        """Its keys as ``NormalisedText.letters`` shows them, with values from ``base`` up
        (below ``base + _CLIENT_SPAN``)."""
        ...

    def use_scan(
        self, scan: Callable[[NormalisedText], Iterable[tuple[int, int]]], base: int
    ) -> None:
        """Take its hits, (end in the letters view, value), from ``scan``."""
        ...


#: where the first client's values start: far above any literal number or alias;
#: each next client's start ``_CLIENT_SPAN`` higher
_CLIENT_BASE = 1 << 40
_CLIENT_SPAN = 1 << 32


def share_prefilter(
    matchers: Sequence[PhraseMatcher], *, clients: Sequence[PrefilterClient] = ()
) -> None:
    """Give ``matchers`` one prefilter automaton: one pass over a text serves them all.

    The abuse and safeguarding lists are both read for every item; their
    words in one automaton cost one scan instead of two, and the ``clients``'
    keys (the roster's names, the words a child is singled out by) ride in
    the same pass. What each finds is unchanged. Call once, when building
    the rules, before the first ``find``.
    """
    bases = [_CLIENT_BASE + i * _CLIENT_SPAN for i in range(len(clients))]
    extra: dict[str, int | set[int]] = {}
    for client, base in zip(clients, bases, strict=True):
        for key, value in client.prefilter_keys(base).items():
            _add_value(extra, key, value)
    lists = [entries for m in matchers for entries in (m.entries, m.allowed)]
    automaton, filters = _build_filters(lists, extra=extra)
    for index, matcher in enumerate(matchers):
        matcher._filter, matcher._allow_filter = filters[2 * index : 2 * index + 2]
    for client, base in zip(clients, bases, strict=True):
        # A client that needs only which keys were found (not where) takes them from
        # the values the lists' scan already collected: no second pass for positions.
        use_values = getattr(client, "use_values", None)
        if use_values is not None:
            use_values(_client_values(automaton, base), base)
        else:
            client.use_scan(_client_scan(automaton, base), base)


def _client_scan(
    automaton: _Automaton, base: int
) -> Callable[[NormalisedText], list[tuple[int, int]]]:
    """The hits of the client whose values start at ``base``."""
    return lambda text: automaton.hits_from(text, base, base + _CLIENT_SPAN)


def _client_values(
    automaton: _Automaton, base: int
) -> Callable[[NormalisedText], AbstractSet[int]]:
    """The values of the client whose values start at ``base`` found in a text."""
    high = base + _CLIENT_SPAN

    def values(text: NormalisedText) -> AbstractSet[int]:
        found = automaton.scan(text)
        if not found or max(found) < base:
            return _NONE  # the common case: no key of this client (or of one above it)
        return {v for v in found if base <= v < high}

    return values


def _add_value(keys: dict[str, int | set[int]], key: str, value: int) -> None:
    """Record ``value`` for ``key``: a key holds one value, or a set of several (rare: a
    set for each of forty thousand keys would take 8 MB while building)."""
    held = keys.setdefault(key, value)
    if isinstance(held, set):
        held.add(value)
    elif held != value:
        keys[key] = {held, value}


def _leftmost_longest(matches: list[re.Match[str]]) -> list[re.Match[str]]:
    """Matches in order, without any that overlaps an earlier (or at one start, a longer) one."""
    matches.sort(key=lambda m: (m.start(), -m.end()))
    kept: list[re.Match[str]] = []
    reach = -1
    for m in matches:
        if m.start() >= reach:
            kept.append(m)
            reach = m.end()
    return kept


def parse_entry(raw: str, default: Severity, label: str) -> list[Entry]:
    """Parse one list line into its phrasings.

    ``term``, ``term*`` or ``some words``, with ``a|b`` alternatives and
    ``[a|b]`` optional words, and an optional ``; severity``.

    Raises:
        ValueError: unknown severity, a word not starting with a letter, or a
            misplaced ``*``; the message starts with ``label``.
    """
    term, _, severity_name = raw.partition(_SEVERITY_SEPARATOR)
    term = term.strip()
    severity_name = severity_name.strip().lower()
    try:
        severity = Severity(severity_name) if severity_name else default
    except ValueError:
        raise ValueError(f"{label} {raw!r}: unknown severity {severity_name!r}") from None
    entries: list[Entry] = []
    for phrasing in _expand(term):
        prefix = phrasing.endswith("*")
        words = tuple(w for token in phrasing.removesuffix("*").split() for w in _words(token))
        if not words or any(_STARTS_WITH_LETTER.match(w) is None for w in words):
            raise ValueError(f"{label} {raw!r}: every word must start with a letter")
        if any(ch in "*#" for w in words for ch in w):
            raise ValueError(f"{label} {raw!r}: '*' is allowed only at the end")
        entries.append(Entry(text=term, words=words, prefix=prefix, severity=severity))
    if not entries:
        raise ValueError(f"{label} {raw!r}: every word must start with a letter")
    return entries


@functools.lru_cache(maxsize=8192)
def _words(token: str) -> tuple[str, ...]:
    """A list word as matched: normalised and accent-folded (maybe several words: "a.b").
    A line's phrasings repeat its words (the safeguarding list's 426 lines are 9,700
    phrasings of 1,200 words): each is normalised once."""
    return tuple(normalise(token).fold_diacritics().text.split())


def _written_slots(term: str) -> list[tuple[list[str], bool]]:
    """The slots of a list line as written: each one's options ("a|b"), and whether it may
    be left out ("[a|b]"). The one reader of the line syntax: ``_expand`` and
    ``_line_slots`` both start here."""
    slots: list[tuple[list[str], bool]] = []
    for word in term.split():
        optional = word.startswith("[") and word.endswith("]")
        slots.append((word.strip("[]").split("|"), optional))
    return slots


def _expand(term: str) -> Iterator[str]:
    """The phrasings of ``term``: each ``a|b`` slot one of its words; a ``[..]`` slot optional."""
    slots = [[*options, ""] if optional else options for options, optional in _written_slots(term)]
    if not slots:
        yield ""
        return
    for choice in itertools.product(*slots):
        phrasing = " ".join(w.replace("+", " ") for w in choice if w)
        # A "*" belongs to the whole phrasing's end; one on an inner word
        # is a syntax error, reported by the caller.
        yield phrasing


def _masked(s: str) -> bool:
    """Whether ``s`` may hold a masked word ("f**k"): a letter just before a mask. Each
    mask is looked at (they are few); a search for a letter and a mask would try every
    letter of the text."""
    for mask in "*#":
        at = s.find(mask, 1)
        while at != -1:
            if s[at - 1].isalpha():
                return True
            at = s.find(mask, at + 1)
    return False


# --- the prefilter --------------------------------------------------------------


class _Automaton:
    """The automaton of literals of one or more lists (see the module docstring), run over
    ``NormalisedText.letters``.

    Keys are written as they appear in that view (every character but a-z a
    space): a literal is " literal" or, for a whole word, " literal ",
    " literals " and " literales " (plurals). So a key is found only at a
    word start (and end), and a scan needs no Python work per hit beyond
    collecting its value. A value is a literal's number (per text and
    whole-word flag), ``_STRETCHED`` for a tripled letter, a list's spelt
    value for the end of a spelt-out entry ("c k"), or, for a key with
    several of those, an alias in ``multi``.
    """

    __slots__ = ("_aliases", "_automaton", "_multi")

    def __init__(self, keys: Mapping[str, int | set[int]], first_alias: int) -> None:
        automaton = ahocorasick.Automaton()
        self._multi: dict[int, frozenset[int]] = {}
        for key, values in keys.items():
            if isinstance(values, int):
                automaton.add_word(key, values)
            else:
                alias = first_alias + len(self._multi)
                self._multi[alias] = frozenset(values)
                automaton.add_word(key, alias)
        self._aliases = frozenset(self._multi)
        self._automaton: ahocorasick.Automaton | None = None
        if len(automaton):
            automaton.make_automaton()
            self._automaton = automaton

    def scan(self, text: NormalisedText) -> AbstractSet[int]:
        """The values found in ``text``; worked out once per text however many lists ask."""
        return text.cached(self, self._found)

    def _found(self, text: NormalisedText) -> AbstractSet[int]:
        if self._automaton is None:
            return _NONE
        # Only the values: where each hit is (``hits``) is rarely needed.
        found = set(map(_value, self._automaton.iter(text.letters())))
        if not found:
            return _NONE  # the common case for a short text
        # (Sets, not dicts, for these tests: a set against a set walks the smaller.)
        if not found.isdisjoint(self._aliases):
            for alias in found & self._aliases:
                found |= self._multi[alias]
        return found

    def hits(self, text: NormalisedText) -> Sequence[tuple[int, int]]:
        """Every hit in ``text`` as (end in the letters view, value), for the few texts
        where a position matters (a stretched word, a client's key): a second pass."""
        return text.cached((self, "hits"), self._hits)

    def _hits(self, text: NormalisedText) -> Sequence[tuple[int, int]]:
        return list(self._automaton.iter(text.letters())) if self._automaton is not None else []

    def hits_from(self, text: NormalisedText, low: int, high: int) -> list[tuple[int, int]]:
        """The hits in ``text`` whose value is from ``low`` up to ``high`` (one client's,
        see ``share_prefilter``), aliases resolved."""
        found = self.scan(text)
        if not found or max(found) < low or not any(low <= v < high for v in found):
            return []  # the common case: no key of this client in the text
        out: list[tuple[int, int]] = []
        for end, value in self.hits(text):
            if low <= value < high:
                out.append((end, value))
            elif value in self._multi:
                out.extend((end, v) for v in self._multi[value] if low <= v < high)
        return out


_NONE: AbstractSet[int] = frozenset()
# An entry's literal numbers in the automaton, rarest last, and its filler words.
_Requirement = tuple[list[int], tuple["_Filler", ...]]
_value = operator.itemgetter(1)


@dataclass(frozen=True, slots=True)
class _Filler:
    """A filler word in the letters view: most often written plainly (one substring test),
    else stretched or plural (the pattern)."""

    exact: str
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, literal: str, whole_word: bool) -> _Filler:
        shown = "".join(ch if ch in string.ascii_lowercase else " " for ch in literal)
        stretched = "".join(f"{ch}+" if ch != " " else " " for ch in shown)
        if whole_word:
            return cls(f" {shown} ", re.compile(f" {stretched}(?:e?s)? "))
        return cls(f" {shown}", re.compile(f" {stretched}"))

    def shown_in(self, letters: str) -> bool:
        return self.exact in letters or self.pattern.search(letters) is not None


# An entry's other literals, and its filler words.
_Condition = tuple[frozenset[int], tuple[_Filler, ...]]


_NO_NUMBERS: frozenset[int] = frozenset()
_NO_MORE: Mapping[int, tuple[_Condition, ...]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class _AnchorTest:
    """Whether some entry of one anchor may match, its anchor being found: cheapest test first.

    Most often the anchor is a common word found without its entries' other
    literals, and ``needs`` says so in one set operation.
    """

    partners: frozenset[int]  # entries needing one other literal: any of these
    # Entries needing more, by one of their other literals: a text holding
    # none of those keys costs one set operation.
    more: Mapping[int, tuple[_Condition, ...]]
    more_keys: frozenset[int]
    fillers_only: tuple[tuple[_Filler, ...], ...]  # entries needing filler words only
    # Every other literal any entry needs, or None when one needs none (only fillers).
    needs: frozenset[int] | None

    @classmethod
    def of(cls, conditions: set[_Condition]) -> _AnchorTest:
        partners: set[int] = set()
        more: dict[int, list[_Condition]] = {}
        fillers_only: set[tuple[_Filler, ...]] = set()
        for others, fillers in conditions:
            if not others:
                fillers_only.add(fillers)
            elif len(others) == 1 and not fillers:
                partners.update(others)
            else:
                more.setdefault(min(others), []).append((others, fillers))
        needs = frozenset(n for others, _ in conditions for n in others)
        # (A list has a thousand anchors or more; most have no entries of some
        # kind, and those share one empty set and mapping.)
        return cls(
            partners=frozenset(partners) or _NO_NUMBERS,
            more={key: tuple(found) for key, found in more.items()} if more else _NO_MORE,
            more_keys=frozenset(more) or _NO_NUMBERS,
            fillers_only=tuple(sorted(fillers_only, key=len)),
            needs=None if fillers_only else needs,
        )

    def passes(self, found: AbstractSet[int], text: NormalisedText) -> bool:
        if not self.partners.isdisjoint(found):
            return True
        for key in self.more_keys.intersection(found):
            for others, fillers in self.more[key]:
                if others <= found and _shown(fillers, text):
                    return True
        return any(_shown(fillers, text) for fillers in self.fillers_only)


def _shown(fillers: tuple[_Filler, ...], text: NormalisedText) -> bool:
    """Whether every one of ``fillers`` is in the letters view of ``text``."""
    letters = text.letters()
    return all(filler.shown_in(letters) for filler in fillers)


class _Filter:
    """One list's view of a (maybe shared) automaton: which literals together may match.

    An entry's literals (see ``_literals``) are an anchor, its rarest, and
    up to two others. Anchors that need no other are ``alone``; the others
    are looked up by anchor found (see ``_AnchorTest``). Filler words are
    not in the automaton: an entry's are searched for in the letters view
    once its other literals are all found.
    """

    __slots__ = ("_alone", "_always", "_anchors", "_automaton", "_lone", "_spelt",
                 "_spelt_always", "_tests")  # fmt: skip

    def __init__(
        self,
        automaton: _Automaton,
        requirements: Sequence[_Requirement],
        *,
        lone: set[str],
        always: bool,
        spelt: int,
        spelt_always: bool,
    ) -> None:
        self._automaton = automaton
        alone: set[int] = set()
        conditions: dict[int, set[_Condition]] = {}
        for required, fillers in requirements:
            anchor, others = required[-1], frozenset(required[:-1])
            if others or fillers:
                conditions.setdefault(anchor, set()).add((others, fillers))
            else:
                alone.add(anchor)
        self._alone = frozenset(alone)
        self._tests = {
            anchor: _AnchorTest.of(found)
            for anchor, found in conditions.items()
            if anchor not in alone
        }
        self._anchors = frozenset(self._tests)
        self._lone = frozenset(lone)
        # A literal the letters view cannot show (a non-ASCII letter): the
        # plain pattern always runs; a spelt entry it cannot show: the
        # general spelt-out sign decides.
        self._always = always
        self._spelt = spelt
        self._spelt_always = spelt_always

    def scan(self, text: NormalisedText) -> tuple[bool, bool]:
        """Whether the plain pattern may match ``text``, and whether a spelt-out form may."""
        found = self._automaton.scan(text)
        spelt = self._spelt in found or (self._spelt_always and _spelt(text))
        if self._always or not found:
            return self._always, spelt
        if _STRETCHED in found and self._stretched(text.letters(), self._automaton.hits(text)):
            return True, spelt
        if not self._alone.isdisjoint(found):
            return True, spelt
        for anchor in self._anchors.intersection(found):
            test = self._tests[anchor]
            # Most often a common word found alone: one set operation says so.
            if test.needs is not None and test.needs.isdisjoint(found):
                continue
            if test.passes(found, text):
                return True, spelt
        return False, spelt

    def _stretched(self, letters: str, hits: Sequence[tuple[int, int]]) -> bool:
        """Whether a tripled letter found may be a stretched word: its run has another
        letter beside it, or some literal has a lone run of it ("u", "i'll"). So "www"
        (from "www.") is not one."""
        seen = 0  # each run is looked at once: "aaaa..." has a hit per letter
        for end, value in hits:
            if value != _STRETCHED or end < seen:
                continue
            letter = letters[end]
            if letter in self._lone:
                return True
            start = end - 2
            while letters[start - 1] == letter:  # letters starts with a space
                start -= 1
            seen = end + 1
            while letters[seen] == letter:  # and ends with one
                seen += 1
            if letters[start - 1] != " " or letters[seen] != " ":
                return True
        return False


class _PassAll(_Filter):
    """No prefilter: both patterns run on every text (``PhraseMatcher(prefilter=False)``)."""

    __slots__ = ()

    def __init__(self) -> None:  # no automaton: nothing is looked up
        pass

    def scan(self, text: NormalisedText) -> tuple[bool, bool]:
        return True, True


def _build_filters(
    lists: Sequence[Sequence[Entry]], *, extra: Mapping[str, int | set[int]] | None = None
) -> tuple[_Automaton, list[_Filter]]:
    """One automaton for the entries of ``lists`` (and the ``extra`` keys, with their
    values), and each list's filter over it."""
    numbers: dict[tuple[str, bool], int] = {}
    keys: dict[str, int | set[int]] = {
        key: set(value) if isinstance(value, set) else value for key, value in (extra or {}).items()
    }

    def add(key: str, value: int) -> None:
        _add_value(keys, key, value)

    letters: set[str] = set()
    fillers: dict[tuple[str, bool], _Filler] = {}
    views: list[tuple[list[_Requirement], set[str], bool, bool]] = []
    # A list line's phrasings share their words (the safeguarding list's 426
    # lines are 9,700 phrasings of 1,200 words): each word is cut once.
    words: dict[tuple[str, bool], _WordLiteral] = {}
    for index, entries in enumerate(lists):
        requirements: list[_Requirement] = []
        lone: set[str] = set()
        seen: set[str] = set()  # the literals whose letters this list has noted
        always = False
        for entry in entries:
            required: list[int] = []
            checked: list[_Filler] = []
            literals = _literals(entry, words)
            # A filler word ("the", "your") is in almost every text, often
            # several times: as a key it would cost a hit each time. An entry
            # with a rarer literal checks its fillers only once that is found.
            rarer = any(not _filler(literal) for literal, _ in literals)
            for literal, whole_word in literals:
                if not literal.isascii():
                    always = True
                    continue
                if literal not in seen:
                    seen.add(literal)
                    letters.update(ch for ch in literal if ch in string.ascii_lowercase)
                    lone.update(_lone_runs(literal))
                if rarer and _filler(literal):
                    if (literal, whole_word) not in fillers:
                        fillers[literal, whole_word] = _Filler.of(literal, whole_word)
                    checked.append(fillers[literal, whole_word])
                    continue
                number = numbers.get((literal, whole_word), -1)
                if number < 0:
                    # A literal's keys are added once, however many entries hold it
                    # ("him", "her", "school" are in hundreds).
                    number = numbers[literal, whole_word] = len(numbers)
                    for key in _literal_keys(literal, whole_word):
                        add(key, number)
                required.append(number)
            if required:
                requirements.append((required, tuple(checked)))
        # Masks and spelling out apply to single words of three or more
        # characters (see _compile).
        spelt = [_spelt_keys(e) for e in entries if len(e.words) == 1 and len(e.words[0]) >= 3]
        for key in itertools.chain.from_iterable(k for k in spelt if k is not None):
            add(key, _SPELT - index)
        views.append((requirements, lone, always, None in spelt))
    for letter in letters:
        add(letter * 3, _STRETCHED)
    automaton = _Automaton(keys, len(numbers))
    return automaton, [
        _Filter(
            automaton,
            requirements,
            lone=lone,
            always=always,
            spelt=_SPELT - index,
            spelt_always=spelt_always,
        )
        for index, (requirements, lone, always, spelt_always) in enumerate(views)
    ]


def _spelt(text: NormalisedText) -> bool:
    """The general sign of a spelt-out word, for entries the letters view cannot show."""
    return _SPELT_SIGN.search(text.fold_diacritics().text.replace("_", " ")) is not None


def _literal_keys(literal: str, whole_word: bool) -> list[str]:
    """The automaton's keys for one literal: at a word start and, for a whole word, its end."""
    ends = (" ", "s ", "es ") if whole_word else ("",)
    return [f" {variant}{end}" for variant in _letters_variants(literal) for end in ends]


def _spelt_keys(entry: Entry) -> list[str] | None:
    """Keys for the last two letters of ``entry`` spelt out, as the letters view shows them
    (" c k "); None when it cannot show them (a non-ASCII letter)."""
    last_two = "".join(ch for ch in entry.words[0] if ch.isalpha())[-2:]
    if len(last_two) < 2 or not last_two.isascii():
        return None
    x, y = last_two[0], last_two[1]
    return [f" {x}{' ' * gap}{y} " for gap in range(1, _SPELT_GAP_BYTES + 1)]


def _letters_variants(literal: str) -> list[str]:
    """``literal`` as ``NormalisedText.letters`` may show it: each single letter once or
    twice ("fu" -> fu, ffu, fuu, ffuu), each apostrophe left out or as the spaces of one of
    the ways the pattern accepts ("'" and "`" one byte, "’" and "‘" three), and any other
    character but a-z a space.

    A letter written three times or more is caught by the stretched keys, so
    one or two is all a variant needs.
    """
    options: list[list[str]] = []
    for ch, group in itertools.groupby(literal):
        n = len(list(group))
        if ch == "'":
            options.extend([["", " ", "   "]] * n)
            continue
        shown = ch if ch in string.ascii_lowercase else " "
        options.append([shown * n, shown * (n + 1)] if n == 1 else [shown * n])
    return ["".join(choice) for choice in itertools.product(*options)]


def _lone_runs(literal: str) -> set[str]:
    """The letters of ``literal`` with a run that touches no other letter in it ("u", the
    "ll" of "i'll"): stretched, they may show no letter beside them in the letters view."""
    runs = [ch for ch, _ in itertools.groupby(literal)]
    letter = [ch in string.ascii_lowercase for ch in runs]
    return {
        ch
        for i, ch in enumerate(runs)
        if letter[i] and not (i > 0 and letter[i - 1]) and not (i + 1 < len(runs) and letter[i + 1])
    }


# A word's literal: the word cut to _KEY_RUNS runs, whether that is the
# whole word, and how rare the word is (uncommon, length).
_WordLiteral = tuple[str, bool, tuple[bool, int]]


def _literals(
    entry: Entry, memo: dict[tuple[str, bool], _WordLiteral] | None = None
) -> list[tuple[str, bool]]:
    """One to three literals every plain match of ``entry`` holds at word starts, rarest last.

    Any of an entry's words would do, so the rarest are taken: uncommon
    before common, longer before shorter, as many as make the set rare
    enough (``_RARE_ENOUGH``): several words in a text are much rarer than
    one, which keeps common-looking phrases ("get kids after school", "hope
    you die") off the regex. A literal is the word cut to ``_KEY_RUNS`` runs
    (an apostrophe is one, and may be written four ways or left out: see
    ``_letters_variants``). The flag says the literal is the whole word, so
    the text's word must end after it (or after a plural "s"/"es").
    ``memo`` keeps each word's literal across the entries of a build.
    """
    memo = {} if memo is None else memo
    out: dict[str, bool] = {}
    rarity: dict[str, tuple[bool, int]] = {}
    for i, written in enumerate(entry.words):
        key = (written, entry.prefix and i == len(entry.words) - 1)
        found = memo.get(key)
        if found is None:
            found = memo[key] = _word_literal(*key)
        literal, whole_word, rare = found
        if literal:
            out[literal] = out.get(literal, False) or whole_word
            rarity[literal] = max(rarity.get(literal, (False, 0)), rare)
    ranked = sorted(out.items(), key=lambda lw: rarity[lw[0]])
    chosen: list[tuple[str, bool]] = []
    weight = 0
    while ranked and weight < _RARE_ENOUGH and len(chosen) < _MOST_LITERALS:
        literal, whole_word = ranked.pop()
        chosen.insert(0, (literal, whole_word))
        uncommon, length = rarity[literal]
        weight += 1 if not uncommon else 2 if length < _SECOND_LENGTH else 3
    return chosen


def _word_literal(written: str, prefix: bool) -> _WordLiteral:
    """One word's literal (see ``_literals``); ``prefix``: the word is an entry's last, and
    the entry a prefix ("snap*"), so the literal is never the whole word."""
    word = _APOSTROPHES.sub("'", written)
    cut = 0
    for _, group in itertools.islice(itertools.groupby(word), _KEY_RUNS):
        cut += len(list(group))
    whole_word = cut == len(word) and not prefix
    # Rarity is judged on the whole word: "daught" is as common as "daughter".
    return word[:cut].rstrip("'"), whole_word, (not _common(word), len(word.replace("'", "")))


def _common(literal: str) -> bool:
    return literal.replace("'", "") in _COMMON_WORDS


def _filler(literal: str) -> bool:
    return literal.replace("'", "") in _FILLER_WORDS


# --- pattern building ----------------------------------------------------------
#
# Each way of writing an entry is a sequence of regex atoms ending in a
# terminal (the word-end check plus an empty named group saying which entry
# matched). The sequences go into a trie keyed by atom, and the trie becomes
# nested alternations. Atoms that are one literal letter come first wherever
# possible, because the engine skips an alternative starting with a
# non-matching literal in one comparison.


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    terminals: list[str] = field(default_factory=list)

    def add(self, atoms: Sequence[str], terminal: str) -> None:
        node = self
        for atom in atoms:
            node = node.children.setdefault(atom, _Node())
        node.terminals.append(terminal)

    def nodes(self) -> Iterator[_Node]:
        """This node and every node below it."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.children.values())

    def regex(self) -> str:
        # Continuations before endings: the longer, more specific entry wins.
        branches = [atom + child.regex() for atom, child in self.children.items()]
        branches.extend(self.terminals)
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"


def _compile(entries: Sequence[tuple[int, Entry]], *, obfuscations: bool) -> re.Pattern[str] | None:
    """One pattern matching every (numbered) entry; with ``obfuscations``, masked and spelt forms.

    A match's entry number is ``_entry_index(match)``. Returns None when
    there are no entries.
    """
    if not entries:
        return None
    root = _Node()
    for index, entry in entries:
        masks = obfuscations and len(entry.words) == 1
        terminal = _word_terminal(entry, f"e{index}_w", shared_end=not obfuscations)
        root.add(_word_atoms(entry.words, prefix=entry.prefix, masks=masks), terminal)
        if obfuscations and len(entry.words) == 1 and len(entry.words[0]) >= 3:
            root.add(_spelt_atoms(entry), _spelt_terminal(entry, f"e{index}_s"))
    # \b rather than a look-behind for "not after a letter": the engine
    # checks it far faster at every position. It differs only after a digit,
    # and the normaliser has folded the digits that stand for letters.
    # Without obfuscations every entry ends with the same word-end check, so it
    # is written once after the alternation (the engine backtracks into the
    # alternation when it fails, as it would inside each branch): a long
    # list's pattern is a quarter shorter, and so is the memory it holds.
    body = root.regex()
    source = rf"\b{body}" if obfuscations else rf"\b(?:{body}){_WORD_END}"
    # The trie (megabytes of small objects for a long list) is freed before
    # compiling, so the compiler's own scratch space reuses it: the daemon's
    # resident memory is what both need at their peak.
    del root
    return re.compile(source)


# How many first letters a line's starts share to share the rest of the line: one
# makes the pattern smallest, but then the words of each such line beginning with
# a common letter are tried separately wherever a word begins with it.
_ALIKE = 2


def _compile_lines(entries: Sequence[tuple[int, Entry]]) -> re.Pattern[str] | None:
    """One pattern matching every (numbered) entry, written plainly, built from their list
    lines: the same matches as ``_compile(entries, obfuscations=False)``, less than half
    the size.

    A line's phrasings are every choice of its words ("whats|wats your|ur snap*|insta*"
    is twelve), and as branches of one trie the later choices are written again under
    each earlier one: the safeguarding list's 426 lines are 9,698 phrasings, a pattern
    of 494,000 characters that takes over a second to compile (124,000 and a fifth of
    that, this way). Here only a line's first words go into the trie (where the engine
    dispatches on a letter); the rest of the line follows them as it is written, an
    alternation per slot, once for all the line's first words that begin alike. Among
    the lines starting with the same words, the one with more words is tried first (the
    longer, more specific entry wins, as in the trie). A match's entry number is
    ``_entry_index(match)``: the line's first phrasing's.
    """
    if not entries:
        return None
    root = _Node()
    line = ""
    for index, entry in entries:
        if entry.text == line:
            continue  # a phrasing of the line just added
        line = entry.text
        starts = list(enumerate(_line_starts(_line_slots(line))))
        # A line's starts that begin alike (their first _ALIKE letters) and have the
        # same slots after them share one copy of those slots: written after each
        # start, they were half the safeguarding list's pattern.
        for _, group in itertools.groupby(
            starts, key=lambda start: (start[1][0].words[0][:_ALIKE], len(start[1][1]))
        ):
            alike = list(group)
            number, (_, rest) = alike[0]
            tail = "".join(_slot_regex(slot) for slot in rest)
            terminal = f"{tail}(?P<e{index}_{number}>)"
            written = [_word_atoms(o.words, prefix=False, masks=False) for _, (o, _) in alike]
            ends = [_LETTER + "*+" if o.prefix and not rest else "" for _, (o, _) in alike]
            if len(alike) == 1:
                root.add(written[0], ends[0] + terminal)
                continue
            # Their shared first atoms in the trie (where the engine dispatches on a
            # letter); the rest of each a trie of its own, whose branches also start
            # with a letter, before the slots.
            shared = 0
            while all(len(w) > shared + 1 and w[shared] == written[0][shared] for w in written):
                shared += 1
            starts_trie = _Node()
            for atoms, end in zip(written, ends, strict=True):
                starts_trie.add(atoms[shared:], end)
            root.add(written[0][:shared], f"(?:{starts_trie.regex()}){terminal}")
    for node in root.nodes():
        # Lines going on from one node: those with more words first, then in the
        # list's order (the trie's choice among phrasings of the same words).
        node.terminals.sort(key=lambda terminal: terminal.count(_WORD_GAP), reverse=True)
    body = root.regex()
    del root
    return re.compile(rf"\b(?:{body}){_WORD_END}")


@dataclass(frozen=True, slots=True)
class _Option:
    """One choice of a list line's slot: its words (several where written "from+school"),
    and whether it is a prefix ("snap*")."""

    words: tuple[str, ...]
    prefix: bool


# A slot of a list line: its options, and whether it may be left out ("[a|the]").
_Slot = tuple[tuple[_Option, ...], bool]


def _line_slots(term: str) -> list[_Slot]:
    """The slots of a list line (as ``_expand`` reads them), each option's words normalised
    as ``parse_entry`` normalises a phrasing's (the line is one it parsed)."""
    slots: list[_Slot] = []
    for choices, optional in _written_slots(term):
        options: list[_Option] = []
        for option in choices:
            if not option:
                continue
            prefix = option.endswith("*")
            written = option.removesuffix("*").replace("+", " ")
            words = tuple(normalise(written).fold_diacritics().text.split())
            if words:
                options.append(_Option(words, prefix))
        if options:
            slots.append((tuple(options), optional))
    return slots


def _line_starts(slots: Sequence[_Slot]) -> Iterator[tuple[_Option, Sequence[_Slot]]]:
    """Each way a line may start (a first slot's option; an optional slot may be left out),
    with the slots after it."""
    for at, (options, optional) in enumerate(slots):
        for option in options:
            yield option, slots[at + 1 :]
        if not optional:
            return


def _slot_regex(slot: _Slot) -> str:
    """A slot after the first: a word gap, then one of its options (longest first); all
    of that optional where the slot is."""
    options, optional = slot
    written = sorted(
        (
            "".join(_word_atoms(o.words, prefix=False, masks=False))
            + (_LETTER + "*+" if o.prefix else "")
            for o in options
        ),
        key=len,
        reverse=True,
    )
    choice = written[0] if len(written) == 1 else "(?:" + "|".join(written) + ")"
    return f"(?:{_WORD_GAP}{choice})?" if optional else f"{_WORD_GAP}{choice}"


def _entry_index(m: re.Match[str]) -> int:
    """The entry a match came from: its terminal group is the last one closed."""
    name = m.lastgroup or "e0_w"
    return int(name[1:].partition("_")[0])


def _word_atoms(words: Sequence[str], *, prefix: bool, masks: bool) -> list[str]:
    """An entry's ``words`` in order; letters may repeat, inner ones may be masked (and a
    ``prefix`` entry's last letter: more follow it)."""
    atoms: list[str] = []
    for i, word in enumerate(words):
        if i:
            atoms.append(_WORD_GAP)
        runs = [(ch, len(list(group))) for ch, group in itertools.groupby(word)]
        for position, (ch, count) in enumerate(runs):
            if ch in "'’":
                atoms.append(_APOSTROPHE)
                continue
            letter = re.escape(ch)
            # A prefix entry's last letter may be masked too: more letters
            # follow it in the text ("f***ing" is "fuck*" with u, c, k masked).
            last = position == len(runs) - 1
            inner = position > 0 and (not last or prefix)
            if masks and inner:
                mask = _MASK if count == 1 else f"{_MASK}{{{count}}}"
                atoms.append(f"(?:{letter}{_at_least(count)}|{mask})")
            else:
                # Possessive: a run never gives characters back, since the
                # next atom starts with another character. This keeps
                # matching linear on input like "fuuuu...u".
                atoms.extend((letter, f"{letter}{_at_least(count - 1)}"))
    return atoms


def _at_least(count: int) -> str:
    """A possessive repeat of at least ``count``, written short: the pattern of a long
    list holds tens of thousands, and parsing its text is most of compiling it."""
    if count == 0:
        return "*+"
    if count == 1:
        return "++"
    return f"{{{count},}}+"


def _word_terminal(entry: Entry, name: str, *, shared_end: bool = False) -> str:
    """The end of an entry's branch: the rest of a prefix entry's word, or a plural and
    the word's end; with ``shared_end``, the word-end check is left to the pattern's
    shared ``_WORD_END`` (a prefix entry's possessive letters always pass it)."""
    if entry.prefix:
        return f"{_LETTER}*+(?P<{name}>)"
    if shared_end:
        return f"(?P<{name}>)"
    return f"{_WORD_END}(?P<{name}>)"


def _spelt_atoms(entry: Entry) -> list[str]:
    """A single word spelt out letter by letter: "f u c k", "f.u.c.k"."""
    first, *rest = [re.escape(ch) for ch in entry.words[0] if ch.isalpha()]
    atoms = [first, _NOT_AFTER_SPELT]
    for letter in rest:
        atoms.extend((_SPELT_GAP, letter))
    return atoms


def _spelt_terminal(entry: Entry, name: str) -> str:
    more = f"(?:{_SPELT_GAP}{_LETTER}{_NOT_BEFORE_LETTER})*+" if entry.prefix else ""
    return f"{more}{_NOT_BEFORE_LETTER}{_NOT_BEFORE_SPELT}(?P<{name}>)"


class PhraseListRule:
    """A rule that is one phrase list: hits are the list's entries found in the text.

    Subclasses name the rule (``id``, ``default_action``, ``default_severity``)
    and ``label`` its entries for error messages. The constructor raises
    ``ValueError`` on a malformed entry; ``check`` never raises.
    """

    id: ClassVar[str]
    default_action: ClassVar[ActionKind]
    default_severity: ClassVar[Severity]
    label: ClassVar[str]

    def __init__(self, terms: Sequence[str], allow_terms: Sequence[str] = ()) -> None:
        self.matcher = PhraseMatcher(
            terms,
            allow_terms=allow_terms,
            default_severity=self.default_severity,
            label=self.label,
        )

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """Every list entry found in ``text``, with spans of ``text.original``."""
        found = self.matcher.find(text)
        if not found:
            return []  # most text: no list entry
        return [
            Hit(
                rule=self.id,
                severity=m.entry.severity,
                start=m.start,
                end=m.end,
                match=text.original[m.start : m.end],
                normalised=m.normalised,
                entry=m.entry.text,
            )
            for m in found
        ]

    def _add_spans(
        self, text: NormalisedText, spans: Iterable[tuple[int, int, str]], hits: list[Hit]
    ) -> None:
        """Add to ``hits`` what a matcher beside the list found: ``spans`` of
        ``text.fold_diacritics().text`` with their entries, but those the list's
        exceptions or allow-terms cover; ``hits`` stay in order of position."""
        view = text.fold_diacritics()
        added = False
        for start, end, entry in spans:
            if self.matcher.excepted(text, start, end):
                continue
            begin, stop = view.original_span(start, end)
            hits.append(
                Hit(
                    rule=self.id,
                    severity=self.default_severity,
                    start=begin,
                    end=stop,
                    match=text.original[begin:stop],
                    normalised=view.text[start:end],
                    entry=entry,
                )
            )
            added = True
        if added:
            hits.sort(key=lambda h: h.start)

    def _add_learned(
        self, text: NormalisedText, item: Item, hits: list[Hit], signal: LearnedSignal | None
    ) -> None:
        """When nothing else was found, add the learned signal's finding if it has one:
        never where the list's exceptions or the admin's allow-terms are in the text,
        and never on the school's own posts.

        The signal learned how visitors write; the school's own posts are where it
        teaches about grooming, self-harm and bullying in those visitors' words
        (about 3,700 labelled items held no own post that was abuse or a
        safeguarding concern, and most of the signal's false alarms on own posts
        were lessons). The lists and the concerns still vet every own post."""
        if hits or signal is None or item.is_own:
            return
        learned = signal.hit(text, self.id, self.default_severity)
        # (the exceptions only for a finding: the score is worked out once for both
        # rules, and most texts have none)
        if learned is not None and not self.matcher.has_exception(text):
            hits.append(learned)
