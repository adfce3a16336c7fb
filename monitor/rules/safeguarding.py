"""The safeguarding rule: anything inappropriate involving a child, for the DSL at once.

The policy: "any inappropriate communications involving any child in any
social media ... must immediately be reported" to the designated person for
Child Protection. The phrase list (``config/lists/safeguarding.txt``) covers
contact-seeking towards pupils (moving them to a private channel, meeting,
secrecy, grooming talk), disclosures of harm, self-harm signals and threats to
children. Findings are urgent, hidden where public, and emailed one by one to
the DSL (``SAFEGUARDING_RULES``).
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.models import ActionKind, Hit, Item, Severity
from monitor.rules.normalise import NormalisedText
from monitor.rules.phrases import PhraseMatcher


class SafeguardingRule:
    """Finds safeguarding phrases.

    Raises ``ValueError`` on a malformed entry; ``check`` never raises.
    """

    id = "safeguarding"
    default_action = ActionKind.HIDE
    default_severity = Severity.URGENT

    def __init__(self, terms: Sequence[str], allow_terms: Sequence[str] = ()) -> None:
        self.matcher = PhraseMatcher(
            terms,
            allow_terms=allow_terms,
            default_severity=self.default_severity,
            label="safeguarding list entry",
        )

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """Every list phrase found in ``text``, with spans of ``text.original``."""
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
