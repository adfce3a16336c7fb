"""Finding roster pupils' full names in text: one Aho-Corasick automaton for the whole roster.

Shared by the pupil_name and photo_consent rules. Every way of writing each
pupil's full name becomes a key of one automaton, built once; a text is then
scanned once, whatever the roster's size.

The forms, all matched in any case and with or without accents (keys and text
are accent-folded):

- "First Last", with the legal first name or the known-as name;
- "Last, First" (with or without the space after the comma);
- "SMITH Jamie": the surname first without a comma, only when written in
  capitals (a results sheet, a register), since "Hall Rose" is otherwise words;
- "FirstLast" joined, as in a hashtag (#JamieSmith), a handle or a file name;
- surnames and first names made of several parts ("Smith-Jones", "O'Brien",
  "de la Cruz", "Mary-Jane") with the parts joined by a space, a hyphen, an
  apostrophe (for apostrophe names) or nothing.

In the text, "_", "-" and "." count as spaces (jamie_smith.jpg, Jamie-Smith).
A key must start and end at a word boundary, so "Jamie Smithson" is not
"Jamie Smith", while "Jamie Smith's" is. A first name alone, or a surname
alone ("the school hall"), never matches: only full names are keys.

Speed: the automaton runs over ``NormalisedText.letters`` (every character
but a-z a space), the view the phrase lists' prefilter already scans, so
``monitor.rules.phrases.share_prefilter`` can put the roster in the same
automaton and one pass serves both. A key's letters form (" jamie smith ")
is a necessary condition; each hit is then checked against the exact key on
the text, so the letters view never widens what matches. Keys the view
cannot show (a letter outside a-z after accent folding) have an automaton
of their own over the text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from monitor.roster import Pupil
from monitor.rules.normalise import NormalisedText, normalise

# Separators inside a multi-part name, as a roster or a person writes them.
_NAME_PARTS = re.compile(r"[\s\-'’‘`.]+")
# The normaliser folds "’" and the other typographic apostrophes to "'", so
# "'" is the only one a key needs.
_APOSTROPHE = "'"


@dataclass(frozen=True, slots=True)
class NameMatch:
    """One full name found: its span of ``NormalisedText.original`` and who it names.

    ``canonical`` is the pupil's legal "first last", folded: the same for
    every way of writing the name, so it identifies the finding.
    """

    start: int
    end: int
    pupils: tuple[int, ...]  # indexes into the roster given to NameMatcher
    canonical: str
    form: str  # "full name", "Last, First" or "joined name"


@dataclass(frozen=True, slots=True)
class _Key:
    text: str  # as the separator-spaced text shows it: "jamie smith", "smith, jamie"
    pupils: tuple[int, ...]
    canonical: str
    form: str


#: (letters-view index of a hit's last character, the hit's value)
Hits = Iterable[tuple[int, int]]


class NameMatcher:
    """Finds the full names of a roster's pupils. ``find`` never raises."""

    def __init__(self, pupils: Sequence[Pupil], *, word_names: Collection[str] = ()) -> None:
        self.pupils: tuple[Pupil, ...] = tuple(pupils)
        #: names that are also ordinary words ("rose", "may"): see ``_read_as_words``
        self._word_names = frozenset(_fold(w) for w in word_names)
        keys: dict[str, _Key] = {}
        for index, pupil in enumerate(self.pupils):
            canonical = f"{_fold(pupil.first_name)} {_fold(pupil.last_name)}"
            for written, form in _keys(pupil):
                found = keys.get(written)
                if found is None:
                    keys[written] = _Key(written, (index,), canonical, form)
                elif index not in found.pupils:
                    # Two pupils with the same name: one match names both.
                    keys[written] = _Key(written, (*found.pupils, index), found.canonical, form)
        # Each letters form (" jamie smith ") and the exact keys it stands for.
        self._by_letters: dict[str, dict[str, _Key]] = {}
        unshowable: list[_Key] = []
        for k in keys.values():
            if k.text.isascii():
                self._by_letters.setdefault(_letters_form(k.text), {})[k.text] = k
            else:
                unshowable.append(k)
        self._letters_keys = list(self._by_letters)
        self._base = 0
        # Built on first use, unless share_prefilter gives a shared scan first.
        self._scan: Callable[[NormalisedText], Hits] | None = None
        self._own: ahocorasick.Automaton | None = None
        self._unshowable: ahocorasick.Automaton | None = None
        if unshowable:
            automaton = ahocorasick.Automaton()
            for k in unshowable:
                automaton.add_word(k.text, k)
            automaton.make_automaton()
            self._unshowable = automaton

    def __len__(self) -> int:
        return len(self.pupils)

    def prefilter_keys(self, base: int) -> dict[str, int]:
        """The roster's keys as the letters view shows them, each with its value (from
        ``base`` up), for an automaton shared with other matchers."""
        return {key: base + i for i, key in enumerate(self._letters_keys)}

    def use_scan(self, scan: Callable[[NormalisedText], Hits], base: int) -> None:
        """Read hits from a shared automaton holding ``prefilter_keys(base)``: ``scan``
        gives each of those hits (and may give others, which are ignored)."""
        self._scan, self._base = scan, base

    def find(self, text: NormalisedText) -> list[NameMatch]:
        """Every full name in ``text``, left to right; a name inside a longer one is dropped."""
        if not self.pupils:
            return []
        hits = (self._scan or self._own_scan_built())(text)
        if not hits and self._unshowable is None:
            return []  # the common case: no key of the roster in the text
        view = text.fold_diacritics()
        found = self._verified(view, hits)
        if self._unshowable is not None:
            found.extend(self._unshowable_hits(view))
        if not found:
            return []
        # Longest first at each start, then drop what lies inside a kept match:
        # "Jamie Smith" inside "Jamie Smith Jones" is the longer name's.
        found.sort(key=lambda f: (f[0], -f[1]))
        out: list[NameMatch] = []
        reach = -1
        for start, after, key in found:
            if after <= reach:
                continue
            begin, stop = view.original_span(start, after)
            written = text.original[begin:stop]
            if key.form == _SURNAME_FIRST and not self._reads_surname_first(
                written, text.original, begin
            ):
                continue
            if key.form == _FULL_NAME and self._read_as_words(written, text.original):
                continue
            reach = after
            out.append(NameMatch(begin, stop, key.pupils, key.canonical, key.form))
        return out

    def _reads_surname_first(self, written: str, whole: str, begin: int) -> bool:
        """Whether a surname-first match is a name: "SMITH Jamie", as registers write it,
        or "Zhang Wei", "nguyen thanh", as families whose names put the surname first do.

        Not when a word of it is an ordinary word ("Hall Rose" is a hall and a rose),
        punctuation stands between ("Smith. Jamie") or a title comes before it ("thanks
        Mrs Jones Olivia loved it" is a teacher, then a pupil's first name). A text all
        in capitals is read as one in any case ("MAHMOOD TARIQ AND HUSSAIN YUSUF MADE
        THE COUNTY TEAM": a pupil's surname and first name are still the pupil).
        """
        if _surname_in_capitals(written):
            return True
        words = written.split()
        if any(_fold(w) in self._word_names for w in words):
            return False
        if not all(w.replace("-", "").replace("'", "").isalpha() for w in words):
            return False
        return _TITLE_BEFORE.search(whole, max(0, begin - 8), begin) is None

    def _read_as_words(self, written: str, whole: str) -> bool:
        """Whether a full name as written reads as ordinary words: "Charlotte rose to the
        occasion", "Poppy drew church windows", "I hope cook club is on".

        Its surname's last word is a word name written in lower case, after a first
        name that is capitalised, or that is a word name too in a text whose writer
        uses capitals (in a text all in lower case, "summer bell sang" is a name).
        """
        words = written.split()
        if len(words) < 2 or not self._word_names:
            return False
        first, last = words[0], words[-1]
        if not last.islower() or _fold(last) not in self._word_names:
            return False
        if first[:1].isupper():
            return True
        return _fold(first) in self._word_names and not whole.islower()

    def find_in_name(self, file_name: str) -> list[NameMatch]:
        """Every full name in a file name ("jamie_smith-sports-day.jpg")."""
        return self.find(normalise(file_name))

    def _own_scan_built(self) -> Callable[[NormalisedText], Hits]:
        """The scan of an automaton of the roster's own: no other matcher shares one."""
        automaton = ahocorasick.Automaton()
        for key, value in self.prefilter_keys(0).items():
            automaton.add_word(key, value)
        if len(automaton):
            automaton.make_automaton()
            self._own = automaton
        self._scan = self._own_scan
        return self._scan

    def _own_scan(self, text: NormalisedText) -> Hits:
        return self._own.iter(text.letters()) if self._own is not None else ()

    def _verified(self, view: NormalisedText, hits: Hits) -> list[tuple[int, int, _Key]]:
        """The hits that are a key exactly, at word boundaries, as (start, end, key) of
        ``view.text``."""
        found: list[tuple[int, int, _Key]] = []
        s = view.text
        count = len(self._letters_keys)
        to_text: Callable[[int], int] | None = None
        for end, value in hits:
            index = value - self._base
            if not 0 <= index < count:
                continue  # another matcher's value in a shared automaton
            letters = self._letters_keys[index]
            if to_text is None:
                to_text = _letters_to_text(s)
            # The key is " name ": the name is between its padding spaces.
            start, after = to_text(end - len(letters) + 2), to_text(end)
            key = self._by_letters[letters].get(_spaced(s[start:after]))
            if key is None:
                continue
            if start and s[start - 1].isalnum() and s[start - 1] not in _SPACED:
                continue
            if after < len(s) and s[after].isalpha():
                continue
            found.append((start, after, key))
        return found

    def _unshowable_hits(self, view: NormalisedText) -> list[tuple[int, int, _Key]]:
        """Hits of the keys the letters view cannot show, found in the text itself."""
        if self._unshowable is None:
            return []
        s = _spaced(view.text)
        found: list[tuple[int, int, _Key]] = []
        for end, key in self._unshowable.iter(s):
            start = end - len(key.text) + 1
            after = end + 1
            if start and s[start - 1].isalnum():
                continue
            if after < len(s) and s[after].isalpha():
                continue
            found.append((start, after, key))
        return found


# In the text, "_", "-" and "." count as spaces (jamie_smith.jpg, Jamie-Smith).
_SPACED = "_-."
_TO_SPACE = str.maketrans(_SPACED, " " * len(_SPACED))


def _spaced(s: str) -> str:
    return s.translate(_TO_SPACE)


def _letters_form(key: str) -> str:
    """An ASCII key as ``NormalisedText.letters`` shows it: padded, non-letters as spaces."""
    return " " + "".join(ch if "a" <= ch <= "z" else " " for ch in key) + " "


def _letters_to_text(s: str) -> Callable[[int], int]:
    """Maps an index of ``letters`` (of a view whose text is ``s``) to an index of ``s``.

    The letters view is one character per UTF-8 byte of ``s`` after a padding
    space, so for ASCII ``s`` it is one less; otherwise the bytes before it
    are decoded (hits are rare, so this is done per hit, not per text).
    """
    if s.isascii():
        return lambda i: i - 1
    encoded = s.encode("utf-8", "surrogatepass")
    return lambda i: len(encoded[: max(i - 1, 0)].decode("utf-8", "surrogatepass"))


def _fold(name: str) -> str:
    """A name as keys and text are compared: normalised, accent-folded, one space between parts."""
    return " ".join(normalise(name).fold_diacritics().text.split())


def _forms(name: str) -> set[str]:
    """The ways a (possibly multi-part) name is written, folded."""
    folded = _fold(name)
    parts = [p for p in _NAME_PARTS.split(folded) if p]
    if not parts:
        return set()
    forms = {folded.replace("-", " ").replace(".", " "), *_joinings(parts)}
    if _APOSTROPHE in folded:
        forms.add(_APOSTROPHE.join(parts))
        # "O'Brien" is also written "O Brien" and "OBrien" (above), and a
        # hyphenated name with an apostrophe keeps its apostrophe as well.
        forms.add(" ".join(folded.replace("-", " ").split()))
    return {" ".join(f.split()) for f in forms if f.strip()}


def _joinings(parts: list[str]) -> set[str]:
    """The parts joined by a space or by nothing at each gap ("de la cruz", "dela cruz",
    "delacruz"...), for names of up to four parts; longer names are joined both plain ways.
    """
    if len(parts) > 4:
        return {" ".join(parts), "".join(parts)}
    out: set[str] = set()
    for gaps in itertools.product((" ", ""), repeat=len(parts) - 1):
        out.add(parts[0] + "".join(g + p for g, p in zip(gaps, parts[1:], strict=True)))
    return out


#: "SMITH Jamie" or "Zhang Wei": the surname first (``NameMatcher._reads_surname_first``)
_SURNAME_FIRST = "SURNAME First"
#: a title just before a surname makes it a member of staff's
_TITLE_BEFORE = re.compile(r"\b(?:mr|mrs|miss|ms|mx|dr|sir|prof)\.?\s+$", re.IGNORECASE)


_FULL_NAME = "full name"


def _surname_in_capitals(written: str) -> bool:
    """Whether ``written`` ("SMITH Jamie", "RHYS-EVANS Dylan") has every word but the last
    in capitals and the last not."""
    words = written.split()
    surname = " ".join(words[:-1])
    return len(words) > 1 and surname.isupper() and not words[-1].isupper()


def _keys(pupil: Pupil) -> list[tuple[str, str]]:
    """Every key for one pupil, with the form's name."""
    lasts = _forms(pupil.last_name)
    keys: list[tuple[str, str]] = []
    for first_name in pupil.first_names:
        firsts = _forms(first_name)
        for first, last in itertools.product(firsts, lasts):
            keys.append((f"{first} {last}", _FULL_NAME))
            keys.append((f"{last}, {first}", "Last, First"))
            keys.append((f"{last},{first}", "Last, First"))
            keys.append((f"{last} {first}", _SURNAME_FIRST))
            joined = (first + last).replace(" ", "")
            keys.append((joined, "joined name"))
    return keys
