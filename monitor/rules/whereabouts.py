"""Asking or telling where one particular child can be found: a safeguarding sign.

Strangers pick a child out of a school's photos and ask how to find them:
"what bus does the blonde girl in year 9 get home", "which house the kid
with the cast in 6B lives at", "the lad in that photo walks home down Mill
Lane on his own every day". No phrase list can hold these: the child is
described in words the writer chooses, between the question and its end.

Found here: one child singled out ("the", "that" or "this", up to two
words, then girl, boy, lad, lass or kid; not "the girls", not "the boy's
team"), in the same sentence as

- before it, a question about a place or a way: "which house", "what
  street", "what bus", "which way", or "where does ... live";
- or after it, a way home or being alone: "walks home", "gets home",
  "on his own", "by herself", "home alone".

Left out on purpose: parents' own children ("my son", "our lad"), children
in the plural ("what time do the kids get home from the trip?") and "lives"
on its own ("the girl who lives next door found our cat").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet

from monitor.rules.normalise import NormalisedText

# The words a child is singled out by.
_CHILD_WORDS = ("girl", "boy", "lad", "lass", "kid")
_CHILD_WORD = rf"(?:{'|'.join(_CHILD_WORDS)})"
# One child singled out: "the blonde girl", "that little lad", "the kid";
# not "the boy's team" or "the girl guides".
_CHILD = (
    rf"\b(?:the|that|this)\s+(?:[a-z'-]+\s+){{0,2}}?{_CHILD_WORD}\b"
    r"(?!['’]s\b|\s+(?:guides?|scouts?|brigade|band|group|choir|team|club|squad)\b)"
)
# Within one sentence.
_SAME_SENTENCE = r"[^.!?\n]{0,60}?"
_WHERE_QUESTION = r"\b(?:which|what)\s+(?:house|street|road|flat|estate|bus|way|route)\b"
_WHERE_LIVES = r"\bwhere\s+(?:does|do|did)\b"
_WAY_HOME = (
    r"\b(?:(?:walks?|walking|gets?|getting|goes|going|cycles?|rides?)\s+home"
    r"|on\s+(?:his|her)\s+own|by\s+(?:him|her)self|home\s+alone|walks?\s+alone)\b"
)
_WHEREABOUTS = re.compile(
    rf"{_WHERE_QUESTION}{_SAME_SENTENCE}{_CHILD}"
    rf"|{_WHERE_LIVES}{_SAME_SENTENCE}{_CHILD}{_SAME_SENTENCE}\blive\b"
    rf"|{_CHILD}{_SAME_SENTENCE}{_WAY_HOME}"
)
# Built alone, the quick test for a child word ("kids" and "salad" are not one).
_HAS_CHILD_WORD = re.compile(rf"\b{_CHILD_WORD}\b")

#: the entry a finding names
ENTRY = "one child's whereabouts (where they live, their way home)"

_Hits = Iterable[tuple[int, int]]


class Whereabouts:
    """Finds where one particular child is sought. ``find`` never raises.

    Most text names no child: whether it does is asked of the automaton the
    word lists share (``phrases.share_prefilter``, this is one of its
    clients), so it costs nothing more; built alone, it asks the text.
    """

    def __init__(self) -> None:
        self._values: Callable[[NormalisedText], AbstractSet[int]] | None = None

    def prefilter_keys(self, base: int) -> dict[str, int]:
        """The child words as ``NormalisedText.letters`` shows them, all valued ``base``."""
        return {f" {word} ": base for word in _CHILD_WORDS}

    def use_scan(self, scan: Callable[[NormalisedText], _Hits], base: int) -> None:
        """Ask ``scan`` whether a text holds a child word (``share_prefilter`` offers
        ``use_values`` first, which needs no positions)."""
        self._values = lambda text: {value for _, value in scan(text)}

    def use_values(self, values: Callable[[NormalisedText], AbstractSet[int]], base: int) -> None:
        """Ask ``values`` whether a text holds a child word (cheaper than ``use_scan``:
        where the words are is not needed, so the automaton is not run again for it)."""
        self._values = values

    def find(self, text: NormalisedText) -> list[tuple[int, int]]:
        """The spans of ``text.fold_diacritics().text`` that ask or tell where one child
        can be found."""
        if self._values is not None:
            if not self._values(text):
                return []  # most text: no child word
        elif _HAS_CHILD_WORD.search(text.text) is None:
            return []
        return [m.span() for m in _WHEREABOUTS.finditer(text.fold_diacritics().text)]
