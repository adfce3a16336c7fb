"""The abuse rule: profanity, insults, threats, hate slurs and sexual content.

The policy says "any inappropriate comments on or abuse of school-sanctioned
social media should immediately be removed and reported", so a hit is hidden
(and therefore reported) by default.

The word-list syntax is described in ``config/lists/abuse.txt``. All entries
are compiled, once, into one regular expression run over the normalised,
accent-folded text; the normaliser has already undone case, look-alike
letters, zero-width characters and leetspeak. The pattern adds the
obfuscations that change a word's shape: repeated letters ("fuuuck"), masked
letters ("f**k", "sh*t") and letters spelt out one by one ("f u c k",
"f.u.c.k"). Matching is on whole words, so "Scunthorpe", "cocktail" and
"assessment" never match.

Speed: the entries are merged into a trie so that, at each word start, the
regex engine rejects non-matching entries by comparing one character per
branch. Masks and spelt-out letters defeat that merging, so they live in a
second, slower pattern that runs only on the rare text showing a sign of
them (a letter next to "*" or "#", or two single letters in a row).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from monitor.models import ActionKind, Hit, Item, Severity
from monitor.rules.normalise import NormalisedText, normalise

# A letter in any script: \w minus digits and underscore.
_LETTER = r"[^\W\d_]"
_NOT_BEFORE_LETTER = rf"(?!{_LETTER})"
# Between the words of a phrase.
_WORD_GAP = r"[\s\-_.]++"
# Between letters spelt out one by one ("f u c k", "f.u.c.k", "f-u-c-k").
_SPELT_GAP_CHARS = r"[\s._\-*]"
_SPELT_GAP = _SPELT_GAP_CHARS + "{1,3}"
# Characters that may stand for a letter ("f**k"), one per letter.
_MASK = "[*#]"
_APOSTROPHE = "['’‘`]?"
# Spelt-out letters must be the whole spelt-out run: the "a s s" in
# "A S S E S S M E N T" is not "ass". Checked just after the first letter,
# so the look-behind spans that letter too.
_NOT_AFTER_SPELT = rf"(?<!(?<!{_LETTER}){_LETTER}{_SPELT_GAP_CHARS}.)"
_NOT_BEFORE_SPELT = rf"(?!{_SPELT_GAP_CHARS}{_LETTER}{_NOT_BEFORE_LETTER})"
# Signs of masking or spelling out; text without one takes the fast pattern.
# A sign may show where there is nothing (that only costs time), but every
# masked or spelt form shows one: a letter then a mask, or the last two
# letters of a spelling-out, each with a gap before it. Starting with a
# character class lets the engine skip ahead fast.
_MASK_SIGN = re.compile(rf"{_LETTER}{_MASK}")
_SPELT_SIGN = re.compile(rf"{_SPELT_GAP_CHARS}{_LETTER}{_SPELT_GAP}{_LETTER}{_NOT_BEFORE_LETTER}")
_SEVERITY_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class _Entry:
    """One parsed list entry."""

    text: str  # as written, without "!" or severity: what Hit.entry reports
    words: tuple[str, ...]  # normalised, accent-folded words
    prefix: bool
    severity: Severity


class AbuseRule:
    """Finds abusive words and phrases from a word list.

    ``terms`` are the list's entries (see ``monitor.lists.parse_terms``); those starting
    with ``!`` are exceptions, as are ``allow_terms`` (same syntax, no ``!``).
    A hit lying inside a match of an exception is dropped, so an allow-term
    equal to the matched word suppresses it, and "dick whittington"
    suppresses the "dick" in it. Raises ``ValueError`` on a malformed entry;
    ``check`` never raises.
    """

    id = "abuse"
    default_action = ActionKind.HIDE
    default_severity = Severity.HIGH

    def __init__(self, terms: Sequence[str], allow_terms: Sequence[str] = ()) -> None:
        blocked: list[_Entry] = []
        allowed: list[_Entry] = []
        for raw in terms:
            if raw.startswith("!"):
                allowed.append(_parse_entry(raw[1:], self.default_severity))
            else:
                blocked.append(_parse_entry(raw, self.default_severity))
        allowed.extend(_parse_entry(raw, self.default_severity) for raw in allow_terms)
        self._entries: tuple[_Entry, ...] = tuple(blocked)
        self._plain = _compile(blocked, obfuscations=False)
        self._obfuscated = _compile(blocked, obfuscations=True)
        self._allow = _compile(allowed, obfuscations=False)

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """Every list entry found in ``text``, with spans of ``text.original``."""
        view = text.fold_diacritics()
        # "_" joins words in hashtags and handles ("you_twat"); as a space it
        # is a word boundary, which the pattern's cheap \b start relies on.
        s = view.text.replace("_", " ")
        pattern = self._obfuscated if _looks_obfuscated(s) else self._plain
        if pattern is None:
            return []
        hits: list[Hit] = []
        allowed: list[tuple[int, int]] | None = None
        for m in pattern.finditer(s):
            if self._allow is not None:
                if allowed is None:
                    allowed = [a.span() for a in self._allow.finditer(s)]
                if any(a <= m.start() and m.end() <= b for a, b in allowed):
                    continue
            entry = self._entries[_entry_index(m)]
            start, end = view.original_span(m.start(), m.end())
            hits.append(
                Hit(
                    rule=self.id,
                    severity=entry.severity,
                    start=start,
                    end=end,
                    match=text.original[start:end],
                    normalised=m.group(),
                    entry=entry.text,
                )
            )
        return hits


def _looks_obfuscated(s: str) -> bool:
    """Whether ``s`` may hold a masked ("f**k") or spelt-out ("f u c k") word."""
    if ("*" in s or "#" in s) and _MASK_SIGN.search(s) is not None:
        return True
    return _SPELT_SIGN.search(s) is not None


def _parse_entry(raw: str, default: Severity) -> _Entry:
    """Parse ``term``, ``term*`` or ``some words``, with an optional ``; severity``."""
    term, _, severity_name = raw.partition(_SEVERITY_SEPARATOR)
    term = term.strip()
    severity_name = severity_name.strip().lower()
    try:
        severity = Severity(severity_name) if severity_name else default
    except ValueError:
        raise ValueError(f"abuse list entry {raw!r}: unknown severity {severity_name!r}") from None
    prefix = term.endswith("*")
    words = tuple(normalise(term.removesuffix("*")).fold_diacritics().text.split())
    if not words or any(re.match(_LETTER, w) is None for w in words):
        raise ValueError(f"abuse list entry {raw!r}: every word must start with a letter")
    if any(ch in "*#" for w in words for ch in w):
        raise ValueError(f"abuse list entry {raw!r}: '*' is allowed only at the end")
    return _Entry(text=term, words=words, prefix=prefix, severity=severity)


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

    def regex(self) -> str:
        # Continuations before endings: the longer, more specific entry wins.
        branches = [atom + child.regex() for atom, child in self.children.items()]
        branches.extend(self.terminals)
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"


def _compile(entries: Sequence[_Entry], *, obfuscations: bool) -> re.Pattern[str] | None:
    """One pattern matching every entry; with ``obfuscations``, masked and spelt forms too.

    Returns None when there are no entries.
    """
    if not entries:
        return None
    root = _Node()
    for index, entry in enumerate(entries):
        masks = obfuscations and len(entry.words) == 1
        root.add(_word_atoms(entry, masks=masks), _word_terminal(entry, f"e{index}_w"))
        if obfuscations and len(entry.words) == 1 and len(entry.words[0]) >= 3:
            root.add(_spelt_atoms(entry), _spelt_terminal(entry, f"e{index}_s"))
    # \b rather than a look-behind for "not after a letter": the engine
    # checks it far faster at every position. It differs only after a digit,
    # and the normaliser has folded the digits that stand for letters.
    return re.compile(r"\b" + root.regex())


def _entry_index(m: re.Match[str]) -> int:
    """The entry a match came from: its terminal group is the last one closed."""
    name = m.lastgroup or "e0_w"
    return int(name[1:].partition("_")[0])


def _word_atoms(entry: _Entry, *, masks: bool) -> list[str]:
    """The entry's words in order; letters may repeat, inner ones may be masked."""
    atoms: list[str] = []
    for i, word in enumerate(entry.words):
        if i:
            atoms.append(_WORD_GAP)
        runs = [(ch, len(list(group))) for ch, group in itertools.groupby(word)]
        for position, (ch, count) in enumerate(runs):
            if ch in "'’":
                atoms.append(_APOSTROPHE)
                continue
            letter = re.escape(ch)
            inner = 0 < position < len(runs) - 1
            if masks and inner:
                atoms.append(f"(?:{letter}{{{count},}}+|{_MASK}{{{count}}})")
            else:
                # Possessive: a run never gives characters back, since the
                # next atom starts with another character. This keeps
                # matching linear on input like "fuuuu...u".
                atoms.extend((letter, f"{letter}{{{count - 1},}}+"))
    return atoms


def _word_terminal(entry: _Entry, name: str) -> str:
    if entry.prefix:
        return f"{_LETTER}*+(?P<{name}>)"
    return f"(?:e?s)?{_NOT_BEFORE_LETTER}(?P<{name}>)"


def _spelt_atoms(entry: _Entry) -> list[str]:
    """A single word spelt out letter by letter: "f u c k", "f.u.c.k"."""
    first, *rest = [re.escape(ch) for ch in entry.words[0] if ch.isalpha()]
    atoms = [first, _NOT_AFTER_SPELT]
    for letter in rest:
        atoms.extend((_SPELT_GAP, letter))
    return atoms


def _spelt_terminal(entry: _Entry, name: str) -> str:
    more = f"(?:{_SPELT_GAP}{_LETTER}{_NOT_BEFORE_LETTER})*+" if entry.prefix else ""
    return f"{more}{_NOT_BEFORE_LETTER}{_NOT_BEFORE_SPELT}(?P<{name}>)"
