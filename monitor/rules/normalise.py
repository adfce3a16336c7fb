"""The one text normalisation every text rule reads.

People dodge filters by writing ``ｆｕｃｋ``, ``fսck`` (Armenian "u"), ``fu\u200bck``
(zero-width space) or ``sh1t``. ``normalise`` folds all of those to the plain
lower-case form once per item, and records where each normalised character
came from so a hit can still point at, and quote, what the person wrote.

Steps, in order:

1. Unicode NFKC (fullwidth, mathematical and ligature letters to plain ones),
   applied per character, or per base character plus its combining marks so
   decomposed accents still compose ("e\u0301" -> "é").
2. Case folding.
3. Default-ignorable characters removed: zero-width spaces and joiners, word
   joiner, soft hyphen, BOM, bidi controls (LRO, RLO, isolates...), variation
   selectors and invisible fillers.
4. Homoglyphs folded to Latin letters (Cyrillic "а", Greek "ο" ...), from the
   ``confusable_homoglyphs`` package's Unicode confusables data; typographic
   quotes, apostrophes and dashes folded to their ASCII forms ("’" -> "'",
   "–" -> "-"), and symbols (emoji, "©", skin tones) to a space: to every
   rule they only ever separate words, and text they leave ASCII takes the
   fast paths of every rule after this one.
5. Leetspeak folded (``0 1 3 4 5 7 $ @ ! |`` to ``o i e a s t s a i i``), but
   only inside a token that also holds a letter, so "2021", "£4.50", phone
   numbers, "3pm" and "5th" keep their digits; e-mail addresses, @mentions
   and URLs are left alone for the rules that look for them.

Diacritics are kept ("Zoë" stays "zoë"); ``fold_diacritics`` and
``NormalisedText.fold_diacritics`` give the accent-free form when a rule wants it.

Never raises on any ``str``, lone surrogates included. Plain ASCII text, the
common case, takes a fast path with no per-character Python work, and so does
text whose only non-ASCII characters are already in normal form and fold one
to one (emoji, curly quotes, dashes, accented letters): both keep the identity
offsets as a ``range`` rather than a tuple of ints.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Final, TypeVar, cast

# Combining marks that attach to the preceding character. A base character and
# its marks are normalised together so NFKC can compose them. Variation
# selectors ride along here and are then dropped as ignorable.
_COMBINING = (
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u3099\u309a\ufe00-\ufe0f\U000e0100-\U000e01ef"
)
_COMBINING_RUN = re.compile(f"[{_COMBINING}]+")
# Characters fold_diacritics changes: Latin letters with accents, and marks.
_DIACRITIC = re.compile(f"[\u00c0-\u024f\u1e00-\u1eff{_COMBINING}]")

# Default_Ignorable_Code_Point characters that are not in category Cf (which is
# taken whole from unicodedata): combining grapheme joiner, Hangul fillers,
# Mongolian free variation selectors, variation selectors. Braille blank is
# not default-ignorable but renders as nothing and is a known filter dodge.
_EXTRA_IGNORABLE = (
    "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u2800\u3164\uffa0"
    "\ufe00-\ufe0f\U000e0100-\U000e01ef"
)

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
     "$": "s", "@": "a", "!": "i", "|": "i"}
)  # fmt: skip

# A leetspeak token: a whole token of word characters and leet symbols that
# holds at least one letter and at least one leet character. Ordinals, times
# ("5th", "3pm") and year groups, teams and key stages ("Y7", "yr10", "U12s",
# "KS2", "P6", "S4") are school-notice staples, not obfuscation.
_LEET_TOKEN = re.compile(
    r"(?<![\w$@!|])"
    r"(?![0-9]+(?:st|nd|rd|th|am|pm)(?![\w$@!|]))"
    r"(?!(?:y|yr|year|u|ks|p|s)[0-9]+s?(?![\w$@!|]))"
    r"(?=[\w$@!|]*?[^\W\d_])"
    r"(?=[\w$@!|]*?[013457$@!|])"
    r"[\w$@!|]+"
)
# Where a leet token may be: a leet character beside a letter ("sh1t", "a$$",
# "b!tch"), leaving out the usual harmless cases (the "!" ending "best!", the
# "3" of "3pm", the "7" of "Y7"). Starting with a character class lets the
# engine skip ahead fast, so text with no candidate costs under a microsecond;
# only candidates get per-token Python work, and _LEET_TOKEN decides.
_LEET_HINT = re.compile(
    r"[013457$@!|]"
    r"(?:"
    r"(?<=[^\W\d_][013457$@])"
    r"(?<![^\w$@!|][yusp][013457])(?<![^\w$@!|](?:yr|ks)[013457])"
    r"|(?=[^\W\d_])(?!(?:st|nd|rd|th|am|pm)(?![\w$@!|]))"
    r"|(?<=[!|])(?=[\w$@])"
    r")"
)
_TOKEN_REST = re.compile(r"[\w$@!|]*")
_TOKEN_SYMBOLS = frozenset("_$@!|")
# Whitespace-delimited chunks that are addresses, not words: URLs, e-mail
# addresses, @mentions. Checked only for leet tokens.
# (an "@" followed by a leet symbol is no @mention: handles cannot hold one, "@$$hole")
_ADDRESS = re.compile(r"://|^www\.|^@(?![$@!|])|@[\w-]+\.\w")
# How far to look for the ends of a chunk; bounds the work on pathological
# input (1 MB with no whitespace).
_CHUNK_LOOKBACK = 256

_T = TypeVar("_T")
# For ``NormalisedText.letters``: UTF-8 bytes to themselves if an ASCII
# letter (lower-cased), else to a space.
_LETTERS_ONLY = bytes(
    (b | 0x20) if chr(b).isascii() and chr(b).isalpha() else 0x20 for b in range(256)
)


class NormalisedText:
    """A text, its normalised form, and where each normalised character came from.

    ``offsets`` has ``len(text) + 1`` entries: ``offsets[i]`` is the index in
    ``original`` of the character (or base character, for a composed
    sequence) that produced ``text[i]``; the last entry is ``len(original)``.
    Offsets never decrease.

    Immutable in use (the fields are ``Final``). The views several rules read
    (``fold_diacritics``, ``letters``) are worked out on first use and kept,
    so each item pays for them once however many rules ask. A plain slotted
    class rather than a frozen dataclass: building one is on every item's
    path, and a frozen dataclass's ``__init__`` costs three times as much.
    """

    __slots__ = (
        "_folded",
        "_letters",
        "_memo",
        "_offsets",
        "_unaccented",
        "before_leet",
        "leet_folded",
        "original",
        "text",
    )

    def __init__(
        self,
        original: str,
        text: str,
        offsets: Sequence[int] | Callable[[], Sequence[int]],
        *,
        leet_folded: bool = True,
        before_leet: str | None = None,
        unaccented: bool = False,
    ) -> None:
        self.original: Final = original
        self.text: Final = text
        # A sequence, or a function giving it: most texts never need their
        # offsets (only a hit is mapped back), so a costly table is built on
        # first use.
        self._offsets = offsets
        #: whether the leet step changed anything; False promises every digit
        #: and symbol of the folded text is still there (rules may skip
        #: putting digits back)
        self.leet_folded: Final = leet_folded
        #: when the leet step changed something, the text just before it (the
        #: same length as ``text``): where the digits were as written
        self.before_leet: Final = before_leet
        # The caches: None (or False) until first asked for.
        self._folded: NormalisedText | None = None
        self._letters: str | None = None
        #: known to have no diacritics: fold_diacritics is self
        self._unaccented = unaccented
        self._memo: dict[object, object] | None = None

    @property
    def offsets(self) -> Sequence[int]:
        """Where each character of ``text`` came from in ``original`` (see the class)."""
        offsets = self._offsets
        if callable(offsets):
            offsets = self._offsets = offsets()
        return offsets

    def __repr__(self) -> str:
        return (
            f"NormalisedText(original={self.original!r}, text={self.text!r}, "
            f"offsets={self.offsets!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NormalisedText):
            return NotImplemented
        mine = (self.original, self.text, self.offsets)
        return mine == (other.original, other.text, other.offsets)

    def __hash__(self) -> int:
        return hash((self.original, self.text, self.offsets))

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of ``text`` to the span of ``original`` it came from.

        The end is exclusive and covers the whole last source character,
        including combining marks composed into it. Out-of-range arguments are
        clamped; an empty span maps to an empty span.
        """
        n = len(self.text)
        start = min(max(start, 0), n)
        end = min(max(end, start), n)
        if start == end:
            at = self.offsets[start]
            return at, at
        begin = self.offsets[start]
        # Ending inside a character's expansion ("ﬁ" -> "fi") still covers
        # that whole character: it is text[end - 1]'s source plus one.
        stop = self.offsets[end - 1] + 1
        limit = self.offsets[end]
        mark = _COMBINING_RUN.match(self.original, stop, limit) if stop < limit else None
        if mark is not None:
            stop = mark.end()
        return begin, stop

    def fold_diacritics(self) -> NormalisedText:
        """The same text with accents removed ("zoë" -> "zoe"), offsets kept right. Cached."""
        if self._unaccented or self.text.isascii():
            return self
        if self._folded is not None:
            return self._folded
        if _DIACRITIC.search(self.text) is None:
            self._unaccented = True
            return self
        folded = fold_diacritics(self.text)
        if len(folded) == len(self.text):
            # Precomposed letters fold one to one: offsets carry over.
            view = NormalisedText(self.original, folded, lambda: self.offsets)
        else:
            # Rare: leftover combining marks were dropped; rebuild offsets.
            table = _diacritic_table()
            chars: list[str] = []
            offsets: list[int] = []
            for ch, at in zip(self.text, self.offsets, strict=False):
                out = ch.translate(table)
                chars.append(out)
                offsets.extend([at] * len(out))
            offsets.append(self.offsets[-1])
            view = NormalisedText(self.original, "".join(chars), tuple(offsets))
        view._unaccented = True  # folding is idempotent
        self._folded = view
        return view

    def cached(self, key: object, compute: Callable[[NormalisedText], _T]) -> _T:
        """``compute(self)``, worked out once per ``key`` for this text.

        For work several rules share (one automaton scan for two word
        lists); ``key`` is the object doing it, and ``compute`` must be pure.
        """
        memo = self._memo
        if memo is None:
            memo = self._memo = {}
        elif key in memo:
            return cast(_T, memo[key])
        value = compute(self)
        memo[key] = value
        return value

    def letters(self) -> str:
        """The accent-folded text with each character but the letters a-z as spaces. Cached.

        Every non-ASCII character becomes one space per byte of its UTF-8
        form, so positions do not line up with ``text``; there is a space at
        either end. Word lists look for their literals here (" word ",
        " prefix"): a key starting with a space can only be found at a word
        start, so an automaton needs no per-hit Python check.
        """
        if self._letters is None:
            padded = f" {self.fold_diacritics().text} "
            self._letters = (
                padded.encode("utf-8", "surrogatepass").translate(_LETTERS_ONLY).decode("ascii")
            )
        return self._letters


def normalise(text: str) -> NormalisedText:
    """Normalise ``text`` for matching (see the module docstring); never raises."""
    if text.isascii():
        # ASCII is already NFKC, has no ignorable or homoglyph characters, and
        # lower() is its case fold: only the leet step can change it, one
        # character for one.
        return _with_leet_folded(text, text.lower(), range(len(text) + 1))
    quick = _fold_one_to_one(text)
    if quick is not None:
        joined, where, accented = quick
        return _with_leet_folded(text, joined, where, unaccented=not accented)
    parts: list[str] = []
    offsets: list[int] = []
    for m in _segment_pattern().finditer(text):
        seg = m.group()
        start = m.start()
        if m.lastgroup == "ascii":
            parts.append(seg.lower())
            offsets.extend(range(start, m.end()))
            continue
        if m.lastgroup == "run":
            run = _fold_run(seg)
            if run is not None:
                parts.append(run)
                offsets.extend(range(start, m.end()))
                continue
            units: Sequence[str] = seg
        else:
            units = (seg,)
        at = start
        for unit in units:
            out = _fold_unit(unit)
            parts.append(out)
            offsets.extend([at] * len(out))
            at += len(unit)
    offsets.append(len(text))
    return _with_leet_folded(text, "".join(parts), tuple(offsets))


def _with_leet_folded(
    original: str,
    joined: str,
    offsets: Sequence[int] | Callable[[], Sequence[int]],
    *,
    unaccented: bool = False,
) -> NormalisedText:
    """The last step of every path: ``joined`` (normalised but for leetspeak) with its
    leet folded, and, when that changed something, ``joined`` kept as ``before_leet``."""
    folded = _fold_leet(joined)
    if folded is joined:
        return NormalisedText(original, folded, offsets, leet_folded=False, unaccented=unaccented)
    return NormalisedText(original, folded, offsets, before_leet=joined, unaccented=unaccented)


def fold_diacritics(s: str) -> str:
    """``s`` with accents removed from Latin letters ("Zoë Núñez" -> "Zoe Nunez").

    Precomposed letters map one to one; stray combining marks are deleted, so
    the result is shorter only when ``s`` has combining marks.
    """
    if s.isascii() or _DIACRITIC.search(s) is None:
        return s
    return s.translate(_diacritic_table())


# --- leetspeak -----------------------------------------------------------


def _fold_leet(text: str) -> str:
    """Fold leet characters in tokens that also hold letters; same length out.

    Returns ``text`` itself when nothing folds (``normalise`` relies on it).
    """
    pieces: list[str] = []
    done = 0  # text[:done] is settled
    hint = _LEET_HINT.search(text)
    while hint is not None:
        start = hint.start()
        while start > done and _is_token_char(text[start - 1]):
            start -= 1
        token = _LEET_TOKEN.match(text, start)
        end = token.end() if token is not None else _token_end(text, hint.end())
        if token is not None and not _in_address(text, start, end):
            pieces.append(text[done:start])
            pieces.append(_fold_leet_token(token.group()))
            done = end
        hint = _LEET_HINT.search(text, max(end, hint.end()))
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _token_end(text: str, pos: int) -> int:
    rest = _TOKEN_REST.match(text, pos)
    return rest.end() if rest is not None else pos


def _is_token_char(ch: str) -> bool:
    return ch.isalnum() or ch in _TOKEN_SYMBOLS


def _in_address(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is part of a URL, e-mail address or @mention."""
    floor = max(0, start - _CHUNK_LOOKBACK)
    while start > floor and not text[start - 1].isspace():
        start -= 1
    ceiling = min(len(text), end + _CHUNK_LOOKBACK)
    while end < ceiling and not text[end].isspace():
        end += 1
    return _ADDRESS.search(text[start:end]) is not None


def _fold_leet_token(token: str) -> str:
    # Trailing "!" and "|" are punctuation ("hi!!"), not letters.
    core = token.rstrip("!|")
    return core.translate(_LEET) + token[len(core) :]


# --- non-ASCII ---------------------------------------------------------


def _fold_one_to_one(
    text: str,
) -> tuple[str, Sequence[int] | Callable[[], Sequence[int]], bool] | None:
    """Fold ``text`` in one go when every character maps to one character or to nothing.

    Most non-ASCII comments are ASCII plus emoji, curly quotes and accented
    letters: already NFKC, no combining marks, and case folding keeps the
    length. Invisible characters (the zero-width joiner inside emoji
    sequences, the variation selector after "❤") fold to nothing, so they
    are cut out first. Those texts fold with a few C-level passes instead
    of a Python loop. Returns the folded text, its offsets and whether it
    holds a letter with a diacritic, or None (the caller takes the
    character-by-character path).
    """
    # The distinct non-ASCII characters are few even in long text, so they
    # are looked at one by one in Python (each verdict cached); a regex
    # class of every ignorable or homoglyph character would be far slower.
    survey = _survey(text)
    if survey is None:
        return None
    dropped, swaps, to_ascii, recased, accented = survey
    offsets: Sequence[int] | Callable[[], Sequence[int]] = range(len(text) + 1)
    if dropped:
        offsets = functools.partial(_kept_offsets, text, dropped)
        for ch in dropped:
            text = text.replace(ch, "")
    # Per character all is well; together, characters may still compose.
    if not unicodedata.is_normalized("NFKC", text):
        return None
    if to_ascii is not None:
        # Everything folds to ASCII (emoji, curly quotes, look-alike letters):
        # replaced in the text as written, whose lower() is then its case fold.
        for ch, target in to_ascii:
            text = text.replace(ch, target)
        return text.lower(), offsets, False
    folded = text.casefold()
    if len(folded) != len(text):
        return None
    # When case folding changed a character, the folded text is checked
    # again; otherwise it is NFKC as the text was (no ASCII letter composes
    # with what follows it but a combining mark, and those took the slow path).
    if recased and not unicodedata.is_normalized("NFKC", folded):
        return None
    # str.replace per look-alike letter: there are a handful, and
    # translating the whole text through the big table costs far more.
    for folded_ch, target in swaps:
        folded = folded.replace(folded_ch, target)
    return folded, offsets, accented


_Pairs = tuple[tuple[str, str], ...]
_Survey = tuple[frozenset[str], _Pairs, _Pairs | None, bool, bool]


def _survey(text: str) -> _Survey | None:
    """What the one-to-one path does to each distinct non-ASCII character of ``text``.

    None if it cannot take one. Otherwise the characters to drop; the
    (case-folded character, replacement) pairs; if every kept character
    folds to an ASCII one, the (character as written, ASCII form) pairs,
    else None; whether case folding changes any; whether any is accented.
    """
    return _survey_of(frozenset(_NON_ASCII.findall(text)))


# Comments reuse a few sets of characters (a heart, a curly apostrophe, a
# laughing face), so a survey is worked out once per set.
@functools.lru_cache(maxsize=4096)
def _survey_of(chars: frozenset[str]) -> _Survey | None:
    dropped: list[str] = []
    swaps: list[tuple[str, str]] = []
    to_ascii: list[tuple[str, str]] | None = []
    recased = accented = False
    for ch in chars:
        verdict = _char_verdict(ch)
        if verdict is None:
            return None
        folded_ch, target, diacritic = verdict
        if not folded_ch:
            dropped.append(ch)
            continue
        recased = recased or folded_ch != ch
        accented = accented or diacritic
        if target != folded_ch:
            swaps.append((folded_ch, target))
        if to_ascii is not None:
            to_ascii = [*to_ascii, (ch, target)] if target.isascii() else None
    ascii_pairs = tuple(to_ascii) if to_ascii is not None else None
    return frozenset(dropped), tuple(swaps), ascii_pairs, recased, accented


@functools.lru_cache(maxsize=65536)
def _char_verdict(ch: str) -> tuple[str, str, bool] | None:
    """How the one-to-one path folds the non-ASCII character ``ch``.

    ``("", "", False)``: it is ignorable, and dropped. None: the path cannot
    take it (a combining mark, a lone surrogate, a character NFKC or case
    folding turns into another length). Otherwise its case-folded form,
    what that becomes after the homoglyph table, and whether that is a
    letter ``fold_diacritics`` changes.
    """
    if ch in _droppable_chars():
        return "", "", False
    if ch in _unusual_chars():
        return None
    folded = ch.casefold()
    if len(folded) != 1 or not unicodedata.is_normalized("NFKC", ch):
        return None
    if folded != ch and not unicodedata.is_normalized("NFKC", folded):
        return None
    target = _fold_table().get(ord(folded), folded)
    return folded, target, _DIACRITIC.match(target) is not None


def _kept_offsets(text: str, dropped: frozenset[str]) -> tuple[int, ...]:
    """Where each character of ``text`` without ``dropped`` was, and ``len(text)`` last."""
    kept = [at for at, ch in enumerate(text) if ch not in dropped]
    kept.append(len(text))
    return tuple(kept)


@functools.cache
def _droppable_chars() -> frozenset[str]:
    """The unusual characters that normalise to nothing wherever they are: the ignorables.

    Variation selectors are combining marks too, but compose with nothing,
    so dropping them before NFKC gives what folding them with their base does.
    """
    chars: set[str] = set()
    for lo, hi in [*_cf_ranges(), *_class_ranges(_EXTRA_IGNORABLE)]:
        chars.update(map(chr, range(lo, hi + 1)))
    return frozenset(chars)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@functools.cache
def _unusual_chars() -> frozenset[str]:
    """Characters the one-to-one path cannot take: ignorables, marks, surrogates."""
    chars: set[str] = set()
    for lo, hi in [*_cf_ranges(), *_class_ranges(_COMBINING + _EXTRA_IGNORABLE), (0xD800, 0xDFFF)]:
        chars.update(map(chr, range(lo, hi + 1)))
    return frozenset(chars)


def _class_ranges(body: str) -> list[tuple[int, int]]:
    """The code point ranges of a regex class body of literal characters and ``a-b`` ranges."""
    ranges: list[tuple[int, int]] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            ranges.append((ord(body[i]), ord(body[i + 2])))
            i += 3
        else:
            ranges.append((ord(body[i]), ord(body[i])))
            i += 1
    return ranges


@functools.cache
def _cf_ranges() -> tuple[tuple[int, int], ...]:
    """The code point ranges of category Cf (format characters: invisible)."""
    return _category_ranges()["Cf"]


#: the code point ranges (first, last + 1) that may hold a character of a category
#: normalisation treats specially: planes 0 to 3, and the tags and variation
#: selectors at the start of plane 14. The rest is unassigned or private use (a test
#: checks it for the running Python's Unicode).
SCANNED_RANGES = ((0, 0x40000), (0xE0000, 0xE1000))


@functools.cache
def _category_ranges() -> dict[str, tuple[tuple[int, int], ...]]:
    """The code point ranges of the categories normalisation treats specially: Cf
    (format characters, invisible), So and Sk (symbols: emoji, "©", skin tones).
    One pass over every code point that may hold one (SCANNED_RANGES) for all three."""
    ranges: dict[str, list[tuple[int, int]]] = {"Cf": [], "So": [], "Sk": []}
    # The scan is a fifth of the rules' build: skipping the planes that hold none of
    # these (most of the code points) saves most of it.
    for first, stop in SCANNED_RANGES:
        current, run_start = "", first
        for cp in range(first, stop + 1):
            category = unicodedata.category(chr(cp)) if cp < stop else ""
            if category == current:
                continue
            if current in ranges:
                ranges[current].append((run_start, cp - 1))
            current, run_start = category, cp
    return {name: tuple(found) for name, found in ranges.items()}


@functools.cache
def _ignorable_class() -> str:
    """A regex character-class body of every default-ignorable character."""
    return "".join(_class_range(lo, hi) for lo, hi in _cf_ranges()) + _EXTRA_IGNORABLE


def _class_range(lo: int, hi: int) -> str:
    return re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"


@functools.cache
def _segment_pattern() -> re.Pattern[str]:
    """Splits text into ASCII runs, non-ASCII runs, and single units.

    A run never ends on a character followed by a combining mark, so a base
    character and its marks always reach ``_fold_unit`` together.
    """
    ign = _ignorable_class()
    return re.compile(
        rf"(?P<ascii>[\x00-\x7f]+)(?![{_COMBINING}])"
        rf"|(?P<run>[^\x00-\x7f{_COMBINING}{ign}]+)(?![{_COMBINING}])"
        rf"|(?P<unit>.[{_COMBINING}]*)",
        re.DOTALL,
    )


@functools.cache
def _ignorable_pattern() -> re.Pattern[str]:
    return re.compile(f"[{_ignorable_class()}]+")


def _fold_run(run: str) -> str | None:
    """Fold a run of non-ASCII, non-ignorable characters in one go, if one to one.

    Returns None when NFKC or case folding would change the length or the
    alignment, so the caller falls back to character by character.
    """
    if not unicodedata.is_normalized("NFKC", run):
        return None
    folded = run.casefold()
    # casefold never shortens, so equal length means one character each.
    if len(folded) != len(run) or not unicodedata.is_normalized("NFKC", folded):
        return None
    return folded.translate(_fold_table())


# Parenthesised letters ("⒮⒣⒤⒯") to plain ones before NFKC, which would make
# them "(s)(h)(i)(t)".
_PARENTHESISED = {0x249C + i: chr(ord("a") + i) for i in range(26)}


@functools.lru_cache(maxsize=65536)
def _fold_unit(unit: str) -> str:
    """Normalise one character, or one base character with its combining marks."""
    s = unicodedata.normalize("NFKC", unit.translate(_PARENTHESISED))
    s = unicodedata.normalize("NFKC", s.casefold())
    s = _ignorable_pattern().sub("", s)
    return s.translate(_fold_table())


# Typographic punctuation phones and word processors put in for the ASCII one.
_TYPOGRAPHIC = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark, the usual apostrophe
    "\u02bc": "'",  # modifier letter apostrophe
    "\u201c": '"',
    "\u201d": '"',
    "\u2010": "-",  # hyphen
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2212": "-",  # minus sign
}


# The small capital letters, as the "small caps" text generators write them.
_SMALL_CAPITALS = dict(
    zip(
        "\u1d00\u0299\u1d04\u1d05\u1d07\ua730\u0262\u029c\u026a\u1d0a\u1d0b\u029f\u1d0d"
        "\u0274\u1d0f\u1d18\u01eb\u0280\ua731\u1d1b\u1d1c\u1d20\u1d21\u028f\u1d22",
        "abcdefghijklmnopqrstuvwyz",
        strict=True,
    )
)


@functools.cache
def _fold_table() -> dict[int, str]:
    """Step 4's one table: homoglyphs to letters, typographic punctuation to ASCII,
    symbols to a space. Applied after case folding and NFKC, so a symbol NFKC
    turns into letters ("™" -> "tm") is not here."""
    table = dict(_homoglyph_table())
    for category in ("So", "Sk"):
        for lo, hi in _category_ranges()[category]:
            table.update(dict.fromkeys(range(lo, hi + 1), " "))
    table.update({ord(ch): ascii_form for ch, ascii_form in _TYPOGRAPHIC.items()})
    # Negative circled and negative squared letters ("🅵🆄🅲🅺") are symbols to
    # Unicode, with no NFKC form, but people spell words in them; the plain
    # circled and squared ones ("ⓕ", "🄵") NFKC folds already.
    for first in (0x1F150, 0x1F170):
        table.update({first + i: chr(ord("a") + i) for i in range(26)})
    # Regional indicators spell letters too ("🇫 🇺 🇨 🇰"); a flag is two of
    # them, and reads as its country code ("🇬🇧" -> "gb").
    table.update({0x1F1E6 + i: chr(ord("a") + i) for i in range(26)})
    # Small capitals ("ꜱʟᴀɢ") are lower-case letters to Unicode, with no NFKC
    # form and most not in the confusables data.
    table.update({ord(ch): ascii_form for ch, ascii_form in _SMALL_CAPITALS.items()})
    return table


@functools.cache
def _homoglyph_table() -> dict[int, str]:
    """Map non-ASCII letters that look like one ASCII letter to that letter.

    Built from the confusables data (Unicode's confusables.txt): each entry is
    a character and the characters it can be mistaken for. Only letters are
    mapped, so other scripts' digits and symbols keep their meaning. An upper
    case mapping ("В" -> "B") also maps the lower case form ("в" -> "b"),
    since text is case folded before this table is applied.
    """
    # The package's own loader, not its ``confusables`` module: that module
    # keeps the whole parsed data (several megabytes) for the life of the
    # process, and only these 1,200 letters are wanted.
    from confusable_homoglyphs.utils import load  # noqa: PLC0415

    confusables_data: dict[str, list[dict[str, str]]] = load("confusables.json")

    table: dict[int, str] = {}
    derived: dict[int, str] = {}
    for char, homoglyphs in confusables_data.items():
        if len(char) != 1 or char.isascii() or not unicodedata.category(char).startswith("L"):
            continue
        targets = {
            h["c"].lower()
            for h in homoglyphs
            if len(h["c"]) == 1 and h["c"].isascii() and h["c"].isalpha()
        }
        if len(targets) != 1:
            continue
        target = targets.pop()
        table[ord(char)] = target
        lower = char.casefold()
        if len(lower) == 1 and not lower.isascii():
            derived.setdefault(ord(lower), target)
    for cp, target in derived.items():
        table.setdefault(cp, target)
    return table


@functools.cache
def _diacritic_table() -> dict[int, str | None]:
    """Latin letters with accents to their base letter; combining marks deleted."""
    table: dict[int, str | None] = {}
    for cp in (*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)):
        decomposed = unicodedata.normalize("NFD", chr(cp))
        base = decomposed[0]
        if len(decomposed) > 1 and base.isascii() and base.isalpha():
            table[cp] = base
    # Letters whose accent is part of the letter (no decomposition), written
    # without it on English keyboards: Łukasz -> Lukasz, Søren -> Soren.
    for letter, base in zip("łŁøØđĐħĦıŧŦŀĿ", "lLoOdDhHitTlL", strict=True):
        table[ord(letter)] = base
    for m in _COMBINING_RUN.finditer("".join(map(chr, range(0x0300, 0x10000)))):
        table.update(dict.fromkeys(map(ord, m.group())))
    return table
