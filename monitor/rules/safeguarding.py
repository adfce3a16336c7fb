"""The safeguarding rule: anything inappropriate involving a child, for the DSL at once.

The policy: "any inappropriate communications involving any child in any
social media ... must immediately be reported" to the designated person for
Child Protection. The phrase list (``config/lists/safeguarding.txt``) covers
contact-seeking towards pupils (moving them to a private channel, meeting,
secrecy, grooming talk), disclosures of harm, self-harm signals and threats to
children; ``Whereabouts`` finds questions and remarks about where one
particular child can be found, which no list can hold. Findings are urgent,
hidden where public, and emailed one by one to the DSL
(``SAFEGUARDING_RULES``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from monitor.models import ActionKind, Hit, Item, Severity
from monitor.rules.normalise import NormalisedText
from monitor.rules.phrases import PhraseListRule
from monitor.rules.whereabouts import ENTRY, Whereabouts


class SafeguardingRule(PhraseListRule):
    """Finds safeguarding phrases.

    Raises ``ValueError`` on a malformed entry; ``check`` never raises.
    """

    id: ClassVar[str] = "safeguarding"
    default_action: ClassVar[ActionKind] = ActionKind.HIDE
    default_severity: ClassVar[Severity] = Severity.URGENT
    label: ClassVar[str] = "safeguarding list entry"

    def __init__(self, terms: Sequence[str], allow_terms: Sequence[str] = ()) -> None:
        super().__init__(terms, allow_terms)
        #: shares the lists' automaton when the engine builds the rules
        self.whereabouts = Whereabouts()

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """The list's entries and any child's whereabouts sought, in order of position."""
        hits = super().check(text, item)
        spans = self.whereabouts.find(text)
        if not spans:
            return hits
        for start, end in spans:
            begin, stop = text.original_span(start, end)
            hits.append(
                Hit(
                    rule=self.id,
                    severity=self.default_severity,
                    start=begin,
                    end=stop,
                    match=text.original[begin:stop],
                    normalised=text.text[start:end],
                    entry=ENTRY,
                )
            )
        hits.sort(key=lambda h: h.start)
        return hits
