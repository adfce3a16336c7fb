"""The abuse rule: profanity, insults, threats, hate slurs and sexual content.

The policy says "any inappropriate comments on or abuse of school-sanctioned
social media should immediately be removed and reported", so a hit is hidden
(and therefore reported) by default.

The word-list syntax is described in ``config/lists/abuse.txt``; the matching
(normalised text, obfuscations, whole words, the prefilter) is
``monitor.rules.phrases``, shared with the safeguarding rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.models import ActionKind, Hit, Item, Severity
from monitor.rules.normalise import NormalisedText
from monitor.rules.phrases import PhraseMatcher


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
        self.matcher = PhraseMatcher(
            terms,
            allow_terms=allow_terms,
            default_severity=self.default_severity,
            label="abuse list entry",
        )

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """Every list entry found in ``text``, with spans of ``text.original``."""
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
            for m in self.matcher.find(text)
        ]
