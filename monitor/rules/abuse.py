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

from collections.abc import Sequence
from typing import ClassVar

from monitor.models import ActionKind, Hit, Item, Severity
from monitor.rules.concerns import Concerns
from monitor.rules.normalise import NormalisedText
from monitor.rules.phrases import PhraseListRule
from monitor.rules.signal import LearnedSignal

#: emoji that are a rude gesture on their own (the normaliser reads emoji as spaces)
GESTURES = ("\U0001f595",)  # 🖕, the middle finger, in any skin tone
GESTURE_ENTRY = "rude gesture (emoji)"


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
        """The list's entries, a rude gesture, any threat; else the learned signal's."""
        hits = super().check(text, item)
        gestures = [
            (at, gesture) for gesture in GESTURES if (at := text.original.find(gesture)) >= 0
        ]
        for at, gesture in gestures:
            hits.append(
                Hit(
                    rule=self.id,
                    severity=self.default_severity,
                    start=at,
                    end=at + len(gesture),
                    match=gesture,
                    normalised=gesture,
                    entry=GESTURE_ENTRY,
                )
            )
        if gestures:
            hits.sort(key=lambda h: h.start)
        if self._concerns is not None:
            self._add_spans(text, self._concerns.find(text, abuse_only=True), hits)
        self._add_learned(text, item, hits, self._signal)
        return hits
