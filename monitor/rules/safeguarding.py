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
_TEACHING = re.compile(
    r"\b(?:awareness|assembly|assemblies|lessons?|sessions?|workshops?|pshe|rshe?|wellbeing"
    r"|mental\s+health|get\s+help|support\s+worker|childline|samaritans|young\s?minds|nspcc"
    r"|signs\s+of|learn(?:ed|t|ing)?\s+about|talked\s+about|information|info|leaflets?|training"
    r"|camhs|webinars?|talks?\s+(?:on|about)|dsl|designated\s+safeguarding|safeguarding\s+lead"
    r"|safer\s+internet|e-?safety|online\s+safety|(?:staying|keeping|stay|keep)\s+safe"
    r"|talk\s+to\s+your\s+child(?:ren)?|the\s+children\s+learn(?:ed|t))\b"
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


#: how far either side of a hit its sentence is looked for (a 1 MB text without a
#: full stop must not be read once per hit)
_SENTENCE_REACH = 300


def _speaks_of_writer(text: str, start: int, end: int) -> bool:
    """Whether the sentence holding ``text[start:end]`` speaks of the writer."""
    floor = max(0, start - _SENTENCE_REACH)
    begin = max(text.rfind(stop, floor, start) for stop in ".!?\n") + 1
    begin = max(begin, floor)
    ceiling = min(len(text), end + _SENTENCE_REACH)
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
            hits = _unquoted(text.original, hits)
        elif hits:
            hits = _without_quoted_examples(text.original, hits)
        self._add_learned(text, item, hits, self._signal)
        return hits


def _told_apart(original: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` without the topic entries in teaching (about the subject, not the
    writer) and the bare invitations in an exchange between adults. ``original`` is
    the item's text in lower case; each is read once, however many hits it has."""
    teaching = _TEACHING.search(original) is not None
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


def _unquoted(original: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` of the school's own post without those that start in a quotation while
    teaching: an e-safety post warns parents about anyone who asks a child to "add me
    on Snap". Staff who breach the policy do not put their own words in quotation
    marks."""
    if _TEACHING.search(original.lower()) is None:
        return hits
    # A concern's span runs on past the quotation ("add me on Snap", ... gift cards):
    # where a hit starts is what says whether the school is quoting.
    return [h for h in hits if not _in_quotes(original, h.start, h.start + 1)]


#: a quotation given as an example of what to watch for ("if anyone online says", "things
#: like", "as an example of what a groomer says", a poster or a leaflet)
_AN_EXAMPLE = re.compile(
    r"\b(?:if\s+(?:anyone|someone|somebody|a\s+stranger|they)|things\s+like|such\s+as"
    r"|(?:as\s+)?an\s+example|for\s+example|e\.g|posters?|leaflets?"
    r"|what\s+(?:a\s+)?groomers?\s+(?:say|says|use|write))\b",
    re.IGNORECASE,
)
#: ... and what says it was said to a child ("a man online told her", "someone keeps
#: messaging my daughter", "he sent him")
_SAID_TO_A_CHILD = re.compile(
    r"\b(?:said|says|saying|told|tells|telling|messaged|messages|messaging|sent|sends|sending"
    r"|asked|asks|asking|wrote|writes|texted|texts|texting)\s+(?:to\s+)?(?:her|him|them"
    r"|my\s+(?:son|daughter|child|boy|girl|kid|lad|little\s+one))\b"
    r"|\b(?:a|some|this|that|the)\s+(?:man|woman|guy|bloke|lad|boy|girl|person|stranger"
    r"|account|someone|adult)\s+(?:online\s+)?(?:said|told|messaged|sent|asked|wrote|keeps"
    r"|kept|has\s+been)\b|\b(?:someone|somebody)\s+(?:online\s+)?(?:said|told"
    r"|messaged|sent|asked|wrote|keeps|kept|has\s+been)\b",
    re.IGNORECASE,
)


def _without_quoted_examples(original: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` of a visitor's comment without those that start in a quotation given as
    an example ("my daughter's teacher taught them that if anyone online says 'this is
    our little secret' they tell a grown-up"): a parent retelling the school's e-safety
    lesson. A quotation said to a child is kept ("a man online told her 'don't tell your
    mum'"), and so is anything unquoted."""
    if _AN_EXAMPLE.search(original) is None or _SAID_TO_A_CHILD.search(original) is not None:
        return hits
    return [h for h in hits if not _in_quotes(original, h.start, h.start + 1)]


#: a single quotation mark that opens (not an apostrophe: none in a word's middle or
#: end) and one that closes (none before a letter: "don't", "kids' kit" are words)
_SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s(\[:]))['\u2018](?=\w)")
_SINGLE_CLOSE = re.compile(r"(?<=[\w.!?,])['\u2019](?![a-z])")


def _in_quotes(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies between quotation marks on one line, double or
    single (looked for within ``_SENTENCE_REACH`` either side: a long text is not read
    once per hit)."""
    floor = max(0, start - _SENTENCE_REACH)
    line_start = max(text.rfind("\n", floor, start) + 1, floor)
    ceiling = min(len(text), end + _SENTENCE_REACH)
    line_end = text.find("\n", end, ceiling)
    line_end = ceiling if line_end < 0 else line_end
    before, after = text[line_start:start], text[end:line_end]
    straight = before.count('"') % 2 == 1 and '"' in after
    curly = before.rfind("\u201c") > before.rfind("\u201d") and "\u201d" in after
    return straight or curly or _in_single_quotes(text, line_start, start, line_end)


def _in_single_quotes(text: str, line_start: int, start: int, line_end: int) -> bool:
    """Whether the last single quotation mark opened on the line before ``start`` is
    closed after it ("says 'don't tell your parents' or..."). An apostrophe is neither:
    one inside the quotation ("don't") is passed over."""
    # (read up to the hit's first letter: an opening mark is one a letter follows)
    opened = [m.start() for m in _SINGLE_OPEN.finditer(text, line_start, start + 1)]
    if not opened:
        return False
    if _SINGLE_CLOSE.search(text, opened[-1] + 1, start) is not None:
        return False  # closed again before the hit
    return _SINGLE_CLOSE.search(text, start, line_end) is not None
