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
from monitor.rules.quoting import (
    SENTENCE_REACH,
    TEACHING,
    unquoted_in_teaching,
    without_quoted_examples,
)
from monitor.rules.signal import LearnedSignal
from monitor.rules.whereabouts import ENTRY, Whereabouts

#: list entries that name a subject rather than a disclosure: in teaching or support
#: about the subject ("our assembly on self-harm and where to get help", "never send
#: photos to someone you only know online") they are no concern, unless the writer
#: speaks of themselves in the same sentence ("send me a photo")
TOPIC_ENTRIES = frozenset(
    {
        "self harm*",
        "selfharm*|self-harm*",
        "suicid*",
        "send [me] [a|some|more] pic*|pix|photo*|selfie*|nudes|video",
        "keep it|this [a] secret",
    }
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|ive|me|my|myself|mine)\b")

#: "dm me", "pm me" and "no questions asked" alone: what a stranger says to move a
#: pupil to a private channel or take them in, and what parents say to each other
#: about a spare seat, a bag of uniform or the coats appeal
INVITE_ENTRIES = frozenset(
    {"dm me [back|now|pls|please|babe|hun|hunny|sexy]", "pm me", "no questions asked"}
)
#: an exchange between adults: something spare, sold, lent or recommended
_EXCHANGE = re.compile(
    r"\b(?:spare|tickets?|lifts?|lift[\s-]?shar\w*|car[\s-]?shar\w*|petrol|seats?|sizes?"
    r"|uniform|shoes|trousers|jumpers?|coats?|free\s+to\s+a\s+good\s+home|for\s+sale|selling"
    r"|sell|at\s+cost|recommendations?|recommend|tutors?|tutoring|lessons|babysit\w*"
    r"|childminders?|plumbers?|cleaners?|quotes?|borrow|lend|collect(?:ion)?|price|prices"
    r"|invoices?|donations?|donate|raffle|cake\s+sale|pta|committee|volunteers?|appeal"
    r"|swap|costumes?|outgrown|kit|spellings|the\s+(?:letter|form|newsletter)|products|recipes?"
    r"|free\s+(?:\w+\s+)?meals?|food\s*banks?|reunion|ex-?pupils|alumni|class\s+of\s+\d{4}"
    r"|nicked|pinched|stolen|return(?:ed)?|brolly|umbrella"
    r"|free\s+(?:to|for)\s+(?:any|anyone|everyone|all|every)"
    r"|if\s+(?:you|anyone)\s+(?:wants?|needs?)\s+(?:one|them|it|some|a|an|any))\b|£\s?\d"
)
#: what a message to a child has that one between adults has not: pet names, looks,
#: age, game money and gifts, secrecy, pictures, being alone
_TO_A_CHILD = re.compile(
    r"\b(?:babe|babes|hun|hunny|sexy|cute|pretty|gorgeous|beautiful|fit|hot|how\s+old"
    r"|your\s+age|ur\s+age|robux|v-?bucks|gift\s?cards?|skins?|free\s+stuff|secret|don'?t\s+tell"
    r"|snap\w*|insta\w*|pics?|photos?|selfies?|alone|meet|mum|dad|parents|mates|friends"
    r"|after\s+school|school\s+gate|games?|gaming|ps[45]|xbox|fortnite|roblox|minecraft"
    r"|discord|chat|talk|lonely|bored|fun|vapes?|cigs|weed|drugs|alcohol|booze|cash)\b"
)


def _between_adults(text: str) -> bool:
    """Whether ``text`` offers, asks for or recommends something between adults and
    says nothing a message to a child would ("spare seat, DM me, happy to chip in")."""
    return _EXCHANGE.search(text) is not None and _TO_A_CHILD.search(text) is None


def _speaks_of_writer(text: str, start: int, end: int) -> bool:
    """Whether the sentence holding ``text[start:end]`` speaks of the writer."""
    floor = max(0, start - SENTENCE_REACH)
    begin = max(text.rfind(stop, floor, start) for stop in ".!?\n") + 1
    begin = max(begin, floor)
    ceiling = min(len(text), end + SENTENCE_REACH)
    ends = [i for i in (text.find(stop, end, ceiling) for stop in ".!?\n") if i >= 0]
    return _FIRST_PERSON.search(text, begin, min(ends, default=ceiling)) is not None


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
        if hits and any(h.entry in TOPIC_ENTRIES or h.entry in INVITE_ENTRIES for h in hits):
            hits = _told_apart(text.original.lower(), hits)
        spans = [(start, end, ENTRY) for start, end in self.whereabouts.find(text)]
        spans += self.concerns.find(text)
        self._add_spans(text, spans, hits)
        if hits and item.is_own:
            hits = _not_a_surprise(text.original, unquoted_in_teaching(text.original, hits))
        elif hits:
            unquoted = without_quoted_examples(text.original, hits)
            if not unquoted:
                # Every finding was a quoted example: the comment retells a warning in
                # the warning's own words, which the signal would read as the thing.
                return unquoted
            hits = unquoted
        self._add_learned(text, item, hits, self._signal)
        return hits


#: the list's entries that ask a child to keep a secret from their family or teachers
SECRECY_ENTRIES = frozenset(
    {
        "don't|dont|do+not tell your|ur|ya|yr mum|mam|mom|dad|parents|teacher|teachers"
        "|anyone|anybody|family|nan",
        "don't|dont|do+not tell anyone|anybody",
        "our little secret",
        "keep it|this [a] secret",
        "keep it|this between us",
        "just between us|you+and+me",
        "no+one|noone|no-one|nobody will|would [ever] know",
    }
)
#: a surprise a class is making for a parent, or help the school offers in confidence
_SURPRISE_OR_CONFIDENCE = re.compile(
    r"\b(?:surprise|mother'?s\s+day|father'?s\s+day|mothering\s+sunday|birthday|presents?"
    r"|gifts?|cards?|secret\s+santa|in\s+confidence|confidential(?:ly)?|discreet(?:ly)?"
    r"|hardship)\b",
    re.IGNORECASE,
)


def _not_a_surprise(original: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` of the school's own post without its secrecy when it speaks of a surprise
    for a parent ("Year 2 are making Mother's Day cards, shhh, don't tell your mum!") or
    of help given in confidence ("contact Mrs Whitaker in confidence, nobody will
    know")."""
    if (
        not any(h.entry in SECRECY_ENTRIES for h in hits)
        or _SURPRISE_OR_CONFIDENCE.search(original) is None
    ):
        return hits
    return [h for h in hits if h.entry not in SECRECY_ENTRIES]


def _told_apart(original: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` without the topic entries in teaching (about the subject, not the
    writer) and the bare invitations in an exchange between adults. ``original`` is
    the item's text in lower case; each is read once, however many hits it has."""
    teaching = TEACHING.search(original) is not None
    between_adults = any(h.entry in INVITE_ENTRIES for h in hits) and _between_adults(original)
    return [
        h
        for h in hits
        if not (
            h.entry in TOPIC_ENTRIES
            and teaching
            and not _speaks_of_writer(original, h.start, h.end)
        )
        and not (h.entry in INVITE_ENTRIES and between_adults)
    ]
