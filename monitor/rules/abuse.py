"""The abuse rule: profanity, insults, threats, hate slurs and sexual content.

The policy says "any inappropriate comments on or abuse of school-sanctioned
social media should immediately be removed and reported", so a hit is hidden
(and therefore reported) by default.

The word-list syntax is described in ``config/lists/abuse.txt``; the matching
(normalised text, obfuscations, whole words, the prefilter) is
``monitor.rules.phrases``, shared with the safeguarding rule. Threats that
show as two signs together ("bringin a knife tmrw") are the safeguarding
rule's ``Concerns``; given them, this rule reports those as abuse too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from monitor.models import ActionKind, Hit, Item, Severity
from monitor.rules.concerns import Concerns
from monitor.rules.normalise import NormalisedText
from monitor.rules.phrases import PhraseListRule
from monitor.rules.quoting import unquoted_in_teaching
from monitor.rules.signal import LearnedSignal

#: emoji that are a rude gesture on their own (the normaliser reads emoji as spaces):
#: 🖕, the middle finger; 🔔🔚, "bell end"; 🍆💦 and 😏🍆, sexual innuendo (an aubergine
#: alone is a vegetable)
GESTURES = (
    "\U0001f595",
    "\U0001f514\U0001f51a",
    "\U0001f346\U0001f4a6",
    "\U0001f60f\U0001f346",
)
GESTURE_ENTRY = "rude gesture (emoji)"
#: hate symbols written in brackets and digits, which the lists do not see: the "echo"
#: round a word or a name ("(((globalist)))") and 1488 (the "fourteen words" and "heil
#: Hitler"); not a 1488 in a longer number, a price, a time or a year ("in 1488", "1488 AD")
_HATE_SYMBOL = re.compile(
    r"\({3}\s*[^()\n]{1,40}?\s*\){3}"
    r"|(?<![\w£$€.,:/-])(?<!\bin )(?<!\byear )(?<!\bsince )(?<!\bfrom )(?<!\bby )"
    r"14\s?[/-]?\s?88(?![\w.,:/-]|\s?(?:ad|ce|bc)\b)"
    r"|\b14\s*words\b",
    re.IGNORECASE,
)
HATE_SYMBOL_ENTRY = "hate symbol (an echo or 1488)"
#: a title, then a capitalised word: a member of staff's surname ("Mrs Cockburn")
_TITLED = re.compile(r"\b(?:mr|mrs|miss|ms|mx|dr|sir|prof|rev)\.?\s+\Z", re.IGNORECASE)


class AbuseRule(PhraseListRule):
    """Finds abusive words and phrases from a word list, and threats among ``concerns``.

    ``terms`` are the list's entries (see ``monitor.lists.parse_terms``); those starting
    with ``!`` are exceptions, as are ``allow_terms`` (same syntax, no ``!``).
    A hit lying inside a match of an exception is dropped, so an allow-term
    equal to the matched word suppresses it, and "dick whittington"
    suppresses the "dick" in it. Raises ``ValueError`` on a malformed entry;
    ``check`` never raises.
    """

    id: ClassVar[str] = "abuse"
    default_action: ClassVar[ActionKind] = ActionKind.HIDE
    default_severity: ClassVar[Severity] = Severity.HIGH
    label: ClassVar[str] = "abuse list entry"

    def __init__(
        self,
        terms: Sequence[str],
        allow_terms: Sequence[str] = (),
        *,
        concerns: Concerns | None = None,
        signal: LearnedSignal | None = None,
    ) -> None:
        super().__init__(terms, allow_terms)
        self._concerns = concerns
        self._signal = signal

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """The list's entries (not a staff surname that begins with one), a rude gesture
        or hate symbol, any threat, but what the school's own post quotes while teaching;
        else the learned signal's."""
        hits = [h for h in super().check(text, item) if not _a_surname(text.original, h)]
        signs = _signs(text.original)
        for start, end, entry in signs:
            hits.append(
                Hit(
                    rule=self.id,
                    severity=self.default_severity,
                    start=start,
                    end=end,
                    match=text.original[start:end],
                    normalised=text.original[start:end],
                    entry=entry,
                )
            )
        if signs:
            hits.sort(key=lambda h: h.start)
        if self._concerns is not None:
            self._add_spans(text, self._concerns.find(text, abuse_only=True), hits)
        if hits and item.is_own:
            # an e-safety evening's notice quoting "'send nudes' requests"
            hits = unquoted_in_teaching(text.original, hits)
        self._add_learned(text, item, hits, self._signal)
        return hits


def _signs(original: str) -> list[tuple[int, int, str]]:
    """The rude gestures and hate symbols in ``original``, as (start, end, entry): what
    the normaliser reads as spaces, so the lists never see it."""
    found = [
        (at, at + len(gesture), GESTURE_ENTRY)
        for gesture in GESTURES
        if (at := original.find(gesture)) >= 0
    ]
    # (the two substrings are the cheap test: most text has neither)
    if "14" in original or "(((" in original:
        found.extend(
            (m.start(), m.end(), HATE_SYMBOL_ENTRY) for m in _HATE_SYMBOL.finditer(original)
        )
    return found


def _a_surname(original: str, hit: Hit) -> bool:
    """Whether ``hit`` is a word that only begins with a prefix entry ("wank*" in
    "Wankhede"), written capitalised after a title: a member of staff's surname ("Mr
    Wankhede's dhol workshop", "Mrs Cockburn"), not an insult."""
    written = original[hit.start : hit.end]
    stem = hit.entry.removesuffix("*")
    return (
        hit.entry.endswith("*")
        and " " not in hit.entry
        and len(written) > len(stem) + 2  # more than a plural or "-er"
        and written[:1].isupper()
        and written[1:].islower()
        and _TITLED.search(original, max(0, hit.start - 8), hit.start) is not None
    )
