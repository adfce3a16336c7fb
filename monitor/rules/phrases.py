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
letter tripled ("uuu": the sign of a stretched word). Only text holding, at
word starts, all the literals of some entry, or showing a sign of masking or
spelling out, reaches the regex. The automaton is a necessary condition,
never a decision: the regex decides.

The regex merges entries into a trie so that, at each word start, the engine
rejects non-matching entries by comparing one character per branch. Masks
and spelt-out letters defeat that merging, so they live in a second, slower
pattern that runs only on text showing a sign of them.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import ahocorasick

from monitor.models import Severity
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
_APOSTROPHES = re.compile("['’‘`]")
# Spelt-out letters must be the whole spelt-out run: the "a s s" in
# "A S S E S S M E N T" is not "ass". Checked just after the first letter,
# so the look-behind spans that letter too.
_NOT_AFTER_SPELT = rf"(?<!(?<!{_LETTER}){_LETTER}{_SPELT_GAP_CHARS}.)"
_NOT_BEFORE_SPELT = rf"(?!{_SPELT_GAP_CHARS}{_LETTER}{_NOT_BEFORE_LETTER})"
# Signs of masking or spelling out; text without one takes the fast pattern.
# A sign may show where there is nothing (that only costs time), but every
# masked or spelt form shows one: a letter then a mask, or the last two
# letters of a spelling-out, each with a gap before it.
_MASK_SIGN = re.compile(rf"{_LETTER}{_MASK}")
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
        "daughter"
    )
)
# How many letter runs of a word the prefilter literal keeps: enough to be
# rare, few enough that the doubled-letter variants stay a handful.
_KEY_RUNS = 6
# The shortest word the prefilter looks for as an entry's second literal.
_SECOND_LENGTH = 4
# The automaton's value for "some letter is tripled": the text may hold a
# stretched word ("fuuuck"), which only the regex recognises.
_STRETCHED = (-1, -1, False)


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
        self._plain = _compile(numbered, obfuscations=False)
        # Masks and spelling-out apply to single words only, so the pattern
        # for them holds only those: the phrases are compiled once.
        self._obfuscated = _compile(
            [(i, e) for i, e in numbered if len(e.words) == 1], obfuscations=True
        )
        self._allow = _compile(list(enumerate(allowed)), obfuscations=False)
        self._prefilter = _prefilter(blocked)

    def find(self, text: NormalisedText) -> list[PhraseMatch]:
        """Every entry found in ``text``, in order, spans in ``text.original``."""
        if self._plain is None:
            return []
        view = text.fold_diacritics()
        # "_" joins words in hashtags and handles ("you_twat"); as a space it
        # is a word boundary, which the pattern's cheap \b start relies on.
        s = view.text.replace("_", " ")
        found = list(self._plain.finditer(s)) if self._may_match(s) else []
        if self._obfuscated is not None and _looks_obfuscated(s):
            found = _leftmost_longest([*found, *self._obfuscated.finditer(s)])
        out: list[PhraseMatch] = []
        allowed: list[tuple[int, int]] | None = None
        for m in found:
            if self._allow is not None:
                if allowed is None:
                    allowed = [a.span() for a in self._allow.finditer(s)]
                if any(a <= m.start() and m.end() <= b for a, b in allowed):
                    continue
            start, end = view.original_span(m.start(), m.end())
            out.append(PhraseMatch(start, end, m.group(), self.entries[_entry_index(m)]))
        return out

    def _may_match(self, s: str) -> bool:
        """Whether ``s`` holds, at word starts, every literal of some entry."""
        if self._prefilter is None:
            return False
        automaton, by_anchor = self._prefilter
        found: set[int] = set()
        for end, value in automaton.iter(s):
            if value is _STRETCHED:
                return True
            length, literals = value
            start = end - length + 1
            if start and s[start - 1].isalnum():
                continue
            ends_word: bool | None = None
            for number, whole_word in literals:
                if whole_word:
                    if ends_word is None:
                        ends_word = _word_ends(s, end + 1)
                    if not ends_word:
                        continue
                found.add(number)
        return any(required <= found for anchor in found for required in by_anchor.get(anchor, ()))


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


def _word_ends(s: str, at: int) -> bool:
    """Whether a whole word ends at ``at``, allowing a plural "s" or "es" first."""
    for tail in ("", "s", "es"):
        if s.startswith(tail, at):
            after = at + len(tail)
            if after >= len(s) or not s[after].isalpha():
                return True
    return False


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
        words = tuple(normalise(phrasing.removesuffix("*")).fold_diacritics().text.split())
        if not words or any(re.match(_LETTER, w) is None for w in words):
            raise ValueError(f"{label} {raw!r}: every word must start with a letter")
        if any(ch in "*#" for w in words for ch in w):
            raise ValueError(f"{label} {raw!r}: '*' is allowed only at the end")
        entries.append(Entry(text=term, words=words, prefix=prefix, severity=severity))
    if not entries:
        raise ValueError(f"{label} {raw!r}: every word must start with a letter")
    return entries


def _expand(term: str) -> Iterator[str]:
    """The phrasings of ``term``: each ``a|b`` slot one of its words; a ``[..]`` slot optional."""
    slots: list[list[str]] = []
    for word in term.split():
        optional = word.startswith("[") and word.endswith("]")
        options = word.strip("[]").split("|")
        slots.append([*options, ""] if optional else options)
    if not slots:
        yield ""
        return
    for choice in itertools.product(*slots):
        phrasing = " ".join(w.replace("+", " ") for w in choice if w)
        # A "*" belongs to the whole phrasing's end; one on an inner word
        # is a syntax error, reported by the caller.
        yield phrasing


def _looks_obfuscated(s: str) -> bool:
    """Whether ``s`` may hold a masked ("f**k") or spelt-out ("f u c k") word."""
    if ("*" in s or "#" in s) and _MASK_SIGN.search(s) is not None:
        return True
    return _SPELT_SIGN.search(s) is not None


# --- the prefilter --------------------------------------------------------------


_Prefilter = tuple[ahocorasick.Automaton, dict[int, list[frozenset[int]]]]


def _prefilter(entries: Sequence[Entry]) -> _Prefilter | None:
    """The automaton of literals (see the module docstring) and, per anchor
    literal, the literal sets of the entries anchored there.

    A literal is numbered per (text, must end a word). A key's value is
    (key length, its literals): the length finds the key's start from its
    end, and a literal that is a whole word must end one too ("ass" is looked
    at in "asses", not in "assembly"). The tripled letters have the value
    ``_STRETCHED``. None when there are no entries.
    """
    if not entries:
        return None
    numbers: dict[tuple[str, bool], int] = {}
    keys: dict[str, set[tuple[int, bool]]] = {}
    by_anchor: dict[int, set[frozenset[int]]] = {}
    for entry in entries:
        required: list[int] = []
        for literal, whole_word in _literals(entry):
            number = numbers.setdefault((literal, whole_word), len(numbers))
            for key in _doubled_variants(literal):
                keys.setdefault(key, set()).add((number, whole_word))
            required.append(number)
        # The last literal is the entry's rarest (see _literals): the anchor
        # under which the whole set is checked.
        by_anchor.setdefault(required[-1], set()).add(frozenset(required))
    automaton = ahocorasick.Automaton()
    for key, literals in keys.items():
        automaton.add_word(key, (len(key), tuple(sorted(literals))))
    letters = set(string.ascii_lowercase)
    letters.update(ch for entry in entries for w in entry.words for ch in w if ch.isalpha())
    for letter in letters:
        automaton.add_word(letter * 3, _STRETCHED)
    automaton.make_automaton()
    return automaton, {anchor: list(sets) for anchor, sets in by_anchor.items()}


def _literals(entry: Entry) -> list[tuple[str, bool]]:
    """One or two literals every plain match of ``entry`` holds at word starts, rarest last.

    Any of an entry's words would do, so the rarest are taken: uncommon
    before common, longer before shorter. Two words in a text are much rarer
    than one, which keeps common-looking phrases off the regex. A literal is
    the word cut to ``_KEY_RUNS`` runs (an apostrophe is one, and may be
    written four ways or left out: see ``_doubled_variants``). The flag says
    the literal is the whole word, so the text's word must end after it (or
    after a plural "s"/"es").
    """
    out: dict[str, bool] = {}
    for i, written in enumerate(entry.words):
        word = _APOSTROPHES.sub("'", written)
        cut = 0
        for _, group in itertools.islice(itertools.groupby(word), _KEY_RUNS):
            cut += len(list(group))
        is_last = i == len(entry.words) - 1
        whole_word = cut == len(word) and not (is_last and entry.prefix)
        literal = word[:cut].rstrip("'")
        if literal:
            out[literal] = out.get(literal, False) or whole_word
    ranked = sorted(out.items(), key=lambda lw: (not _common(lw[0]), len(lw[0].replace("'", ""))))
    rarest, second = ranked[-1][0], ranked[-2][0] if len(ranked) > 1 else ""
    if second and _common(rarest):
        return ranked[-2:]  # all common: two of them are still far rarer than one
    # A short second word ("on", "me") would be found in most text, and every
    # literal found costs a step: it is not worth looking for.
    if len(second) >= _SECOND_LENGTH:
        return ranked[-2:]
    return ranked[-1:]


def _common(literal: str) -> bool:
    return literal.replace("'", "") in _COMMON_WORDS


def _doubled_variants(literal: str) -> list[str]:
    """``literal`` with each single letter written once or twice ("fu" -> fu, ffu, fuu, ffuu),
    and each apostrophe written any of the ways the pattern accepts, or left out.

    A letter written three times or more is caught by the tripled-letter
    keys, so one or two is all a variant needs.
    """
    runs = [(ch, len(list(group))) for ch, group in itertools.groupby(literal)]
    options = [
        ["", "'", "’", "‘", "`"] if ch == "'" else [ch * n, ch * (n + 1)] if n == 1 else [ch * n]
        for ch, n in runs
    ]
    return ["".join(choice) for choice in itertools.product(*options)]


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


def _word_atoms(entry: Entry, *, masks: bool) -> list[str]:
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
            # A prefix entry's last letter may be masked too: more letters
            # follow it in the text ("f***ing" is "fuck*" with u, c, k masked).
            last = position == len(runs) - 1
            inner = position > 0 and (not last or entry.prefix)
            if masks and inner:
                atoms.append(f"(?:{letter}{{{count},}}+|{_MASK}{{{count}}})")
            else:
                # Possessive: a run never gives characters back, since the
                # next atom starts with another character. This keeps
                # matching linear on input like "fuuuu...u".
                atoms.extend((letter, f"{letter}{{{count - 1},}}+"))
    return atoms


def _word_terminal(entry: Entry, name: str) -> str:
    if entry.prefix:
        return f"{_LETTER}*+(?P<{name}>)"
    return f"(?:e?s)?{_NOT_BEFORE_LETTER}(?P<{name}>)"


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
