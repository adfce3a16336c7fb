"""The safeguarding rule: anything inappropriate involving a child, for the DSL at once.

The policy: "any inappropriate communications involving any child in any
social media ... must immediately be reported" to the designated person for
Child Protection. Four matchers feed it:

- the phrase list (``config/lists/safeguarding.txt``): contact-seeking
  towards pupils (moving them to a private channel, meeting, secrecy,
  grooming talk), disclosures of harm, self-harm signals and threats to
  children, each as its phrasings;
- ``Whereabouts``: questions and remarks about where one particular child
  can be found;
- ``Concerns``: the concerns that show as two signs together rather than a
  phrase (a weapon and an intent, an injury and a cover story, a gift and a
  request for an address...), which generalise to wordings no list holds;
- the learned signal (``rules/signal.py``), only when the others found
  nothing: its findings are alerted, never hidden.

Findings are urgent, hidden where public, and emailed one by one to the DSL
(``SAFEGUARDING_RULES``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from monitor.models import ActionKind, Hit, Item, Severity
from monitor.rules.concerns import Concerns
from monitor.rules.normalise import NormalisedText
from monitor.rules.phrases import PhraseListRule
from monitor.rules.signal import LearnedSignal
from monitor.rules.whereabouts import ENTRY, Whereabouts

#: list entries that name a subject rather than a disclosure: in teaching or support
#: about the subject ("our assembly on self-harm and where to get help") they are no
#: concern, unless the writer speaks of themselves in the same sentence
TOPIC_ENTRIES = frozenset({"self harm*", "selfharm*|self-harm*", "suicid*"})
_TEACHING = re.compile(
    r"\b(?:awareness|assembly|assemblies|lessons?|sessions?|workshops?|pshe|rshe?|wellbeing"
    r"|mental\s+health|get\s+help|support\s+worker|childline|samaritans|young\s?minds|nspcc"
    r"|signs\s+of|learn(?:ed|t|ing)?\s+about|talked\s+about|information|leaflets?|training)\b"
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|ive|me|my|myself|mine)\b")


def _taught(text: str, start: int, end: int) -> bool:
    """Whether ``text`` teaches or supports around ``[start, end)`` and the sentence
    holding it does not speak of the writer."""
    if _TEACHING.search(text) is None:
        return False
    begin = max(text.rfind(stop, 0, start) for stop in ".!?\n") + 1
    ends = [i for i in (text.find(stop, end) for stop in ".!?\n") if i >= 0]
    return _FIRST_PERSON.search(text, begin, min(ends, default=len(text))) is None


class SafeguardingRule(PhraseListRule):
    """Finds safeguarding phrases, a child's whereabouts sought, and two-sign concerns.

    ``concerns`` is shared with the abuse rule (threats are both); by default
    the rule has its own. The list's exceptions and the admin's allow-terms
    silence all three. Raises ``ValueError`` on a malformed entry; ``check``
    never raises.
    """

    id: ClassVar[str] = "safeguarding"
    default_action: ClassVar[ActionKind] = ActionKind.HIDE
    default_severity: ClassVar[Severity] = Severity.URGENT
    label: ClassVar[str] = "safeguarding list entry"

    def __init__(
        self,
        terms: Sequence[str],
        allow_terms: Sequence[str] = (),
        *,
        concerns: Concerns | None = None,
        signal: LearnedSignal | None = None,
    ) -> None:
        super().__init__(terms, allow_terms)
        #: these two share the lists' automaton when the engine builds the rules
        self.whereabouts = Whereabouts()
        self.concerns = concerns if concerns is not None else Concerns()
        self._signal = signal

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """The list's entries, any child's whereabouts sought and any concern, in order."""
        hits = super().check(text, item)
        if hits and any(h.entry in TOPIC_ENTRIES for h in hits):
            original = text.original.lower()
            hits = [
                h
                for h in hits
                if h.entry not in TOPIC_ENTRIES or not _taught(original, h.start, h.end)
            ]
        spans = [(start, end, ENTRY) for start, end in self.whereabouts.find(text)]
        spans += self.concerns.find(text)
        self._add_spans(text, spans, hits)
        self._add_learned(text, item, hits, self._signal)
        return hits
