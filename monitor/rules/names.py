"""Finding roster pupils' full names in text: one Aho-Corasick automaton for the whole roster.

Shared by the pupil_name and photo_consent rules. Every way of writing each
pupil's full name becomes a key of one automaton, built once; a text is then
scanned once, whatever the roster's size.

The forms, all matched in any case and with or without accents (keys and text
are accent-folded):

- "First Last", with the legal first name or the known-as name;
- "Last, First" (with or without the space after the comma);
- "FirstLast" joined, as in a hashtag (#JamieSmith), a handle or a file name;
- surnames and first names made of several parts ("Smith-Jones", "O'Brien",
  "de la Cruz", "Mary-Jane") with the parts joined by a space, a hyphen, an
  apostrophe (for apostrophe names) or nothing.

In the text, "_", "-" and "." count as spaces (jamie_smith.jpg, Jamie-Smith).
A key must start and end at a word boundary, so "Jamie Smithson" is not
"Jamie Smith", while "Jamie Smith's" is. A first name alone, or a surname
alone ("the school hall"), never matches: only full names are keys.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick

from monitor.roster import Pupil
from monitor.rules.normalise import NormalisedText, normalise

# Separators inside a multi-part name, as a roster or a person writes them.
_NAME_PARTS = re.compile(r"[\s\-'’‘`.]+")
_APOSTROPHES = ("'", "’")


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
    length: int
    pupils: tuple[int, ...]
    canonical: str
    form: str


class NameMatcher:
    """Finds the full names of a roster's pupils. ``find`` never raises."""

    def __init__(self, pupils: Sequence[Pupil]) -> None:
        self.pupils: tuple[Pupil, ...] = tuple(pupils)
        keys: dict[str, _Key] = {}
        for index, pupil in enumerate(self.pupils):
            canonical = f"{_fold(pupil.first_name)} {_fold(pupil.last_name)}"
            for key, form in _keys(pupil):
                found = keys.get(key)
                if found is None:
                    keys[key] = _Key(len(key), (index,), canonical, form)
                elif index not in found.pupils:
                    # Two pupils with the same name: one match names both.
                    keys[key] = _Key(len(key), (*found.pupils, index), found.canonical, form)
        self._automaton: ahocorasick.Automaton | None = None
        if keys:
            automaton = ahocorasick.Automaton()
            for key, value in keys.items():
                automaton.add_word(key, value)
            automaton.make_automaton()
            self._automaton = automaton

    def __len__(self) -> int:
        return len(self.pupils)

    def find(self, text: NormalisedText) -> list[NameMatch]:
        """Every full name in ``text``, left to right; a name inside a longer one is dropped."""
        if self._automaton is None:
            return []
        view = text.fold_diacritics()
        s = view.text.replace("_", " ").replace("-", " ").replace(".", " ")
        found: list[tuple[int, int, _Key]] = []
        for end, key in self._automaton.iter(s):
            start = end - key.length + 1
            after = end + 1
            if start and s[start - 1].isalnum():
                continue
            if after < len(s) and s[after].isalpha():
                continue
            found.append((start, after, key))
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
            reach = after
            begin, stop = view.original_span(start, after)
            out.append(NameMatch(begin, stop, key.pupils, key.canonical, key.form))
        return out

    def find_in_name(self, file_name: str) -> list[NameMatch]:
        """Every full name in a file name ("jamie_smith-sports-day.jpg")."""
        return self.find(normalise(file_name))


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
    if any(a in folded for a in _APOSTROPHES):
        forms.update(a.join(parts) for a in _APOSTROPHES)
        # "O'Brien" is also written "O Brien" and "OBrien" (above), and a
        # hyphenated name with an apostrophe keeps its apostrophe as well.
        forms.update(
            " ".join(p.replace("'", a).replace("’", a) for p in folded.replace("-", " ").split())
            for a in _APOSTROPHES
        )
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


def _keys(pupil: Pupil) -> list[tuple[str, str]]:
    """Every key for one pupil, with the form's name."""
    lasts = _forms(pupil.last_name)
    keys: list[tuple[str, str]] = []
    for first_name in pupil.first_names:
        firsts = _forms(first_name)
        for first, last in itertools.product(firsts, lasts):
            keys.append((f"{first} {last}", "full name"))
            keys.append((f"{last}, {first}", "Last, First"))
            keys.append((f"{last},{first}", "Last, First"))
            joined = (first + last).replace(" ", "")
            keys.append((joined, "joined name"))
    return keys
