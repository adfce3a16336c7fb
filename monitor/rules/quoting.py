"""Quotations in a message: what the school or a parent quotes is not what they say.

An e-safety post warns parents about anyone who asks a child to "add me on Snap"; a
parent retells the lesson ("if anyone online says 'this is our little secret', tell a
grown-up"). The lists find the quoted words all the same; these functions tell a
quotation given as teaching or as an example from the same words said to a child.
Pure: text and hits in, hits out.
"""

from __future__ import annotations

import re

from monitor.models import Hit

#: words of teaching and support about a subject ("our assembly on self-harm and where
#: to get help", "the e-safety leaflet")
TEACHING = re.compile(
    r"\b(?:awareness|assembly|assemblies|lessons?|sessions?|workshops?|pshe|rshe?|wellbeing"
    r"|mental\s+health|get\s+help|support\s+worker|childline|samaritans|young\s?minds|nspcc"
    r"|signs\s+of|learn(?:ed|t|ing)?\s+about|talked\s+about|information|info|leaflets?|training"
    r"|camhs|webinars?|talks?\s+(?:on|about)|dsl|designated\s+safeguarding|safeguarding\s+lead"
    r"|safer\s+internet|e-?safety|online\s+safety|(?:staying|keeping|stay|keep)\s+safe"
    r"|talk\s+to\s+your\s+child(?:ren)?|the\s+children\s+learn(?:ed|t)"
    # a warning about messages going round ("we've been made aware of messages ...
    # screenshot, block and report to CEOP")
    r"|ceop|been\s+made\s+aware|block\s+and\s+report|report\s+(?:it|them)\s+to"
    # who to tell, and what staff never do ("tell a trusted adult", "school staff will
    # never ask pupils to message them privately")
    r"|trusted\s+adults?|safeguarding\s+team|will\s+never\s+ask)\b"
)

#: how far either side of a hit its sentence is looked for (a 1 MB text without a
#: full stop must not be read once per hit)
SENTENCE_REACH = 300


def unquoted_in_teaching(original: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` of the school's own post without those that start in a quotation while
    teaching: an e-safety post warns parents about anyone who asks a child to "add me
    on Snap". Staff who breach the policy do not put their own words in quotation
    marks."""
    if TEACHING.search(original.lower()) is None:
        return hits
    # A concern's span runs on past the quotation ("add me on Snap", ... gift cards):
    # where a hit starts is what says whether the school is quoting.
    return [h for h in hits if not in_quotes(original, h.start, h.start + 1)]


#: a quotation given as an example of what to watch for ("if anyone online says", "things
#: like", "as an example of what a groomer says", a poster or a leaflet, a warning about
#: a fake account)
_AN_EXAMPLE = re.compile(
    r"\b(?:if\s+(?:anyone|someone|somebody|a\s+stranger|they)|things\s+like|such\s+as"
    r"|(?:as\s+)?an\s+example|for\s+example|e\.g|posters?|leaflets?"
    r"|what\s+(?:a\s+)?groomers?\s+(?:say|says|use|write)|psa|warning|beware|scam"
    r"|fake\s+(?:account|profile|page)"
    # retold from a talk: "the officer said", "groomers say '...'", "repeated what they
    # say word for word", "the one phrase to listen out for"
    r"|the\s+(?:police\s+)?(?:officer|pcso|speaker|trainer|presenter)\s+(?:said|says|told\s+us)"
    r"|groomers?\s+(?:say|said|use|used|write|tell)|word\s+for\s+word"
    # "they never say 'I'm a stranger', they say 'you're so grown up'"
    r"|they\s+(?:never\s+|always\s+|often\s+|usually\s+)?say"
    r"|(?:listen|look|watch)\s+out\s+for"
    # "lines like '...' are red flags", a message going round that is a hoax
    r"|(?:lines|phrases|messages|words)\s+like|red\s+flags?|hoax"
    # "told never to reply to those 'DM me for easy money' posts"
    r"|never\s+(?:to\s+)?(?:reply|respond|answer))\b|\bthose\s+(?=['\"\u2018\u201c])",
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


def without_quoted_examples(original: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` of a visitor's comment without those that start in a quotation given as
    an example ("my daughter's teacher taught them that if anyone online says 'this is
    our little secret' they tell a grown-up"): a parent retelling the school's e-safety
    lesson. A quotation said to a child is kept ("a man online told her 'don't tell your
    mum'"), and so is anything unquoted."""
    if _AN_EXAMPLE.search(original) is None or _SAID_TO_A_CHILD.search(original) is not None:
        return hits
    return [h for h in hits if not in_quotes(original, h.start, h.start + 1)]


#: a single quotation mark that opens (not an apostrophe: none in a word's middle or
#: end) and one that closes (none before a letter: "don't", "kids' kit" are words)
_SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s(\[:]))['\u2018](?=\w)")
_SINGLE_CLOSE = re.compile(r"(?<=[\w.!?,])['\u2019](?![a-z])")


def in_quotes(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies between quotation marks on one line, double or
    single (looked for within ``SENTENCE_REACH`` either side: a long text is not read
    once per hit)."""
    floor = max(0, start - SENTENCE_REACH)
    line_start = max(text.rfind("\n", floor, start) + 1, floor)
    ceiling = min(len(text), end + SENTENCE_REACH)
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
