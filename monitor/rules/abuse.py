"""The abuse rule: profanity, insults, threats, hate slurs and sexual content.

The policy says "any inappropriate comments on or abuse of school-sanctioned
social media should immediately be removed and reported", so a hit is hidden
(and therefore reported) by default.

The word-list syntax is described in ``config/lists/abuse.txt``; the matching
(normalised text, obfuscations, whole words, the prefilter) is
``monitor.rules.phrases``, shared with the safeguarding rule.
"""

from __future__ import annotations

from typing import ClassVar

from monitor.models import ActionKind, Severity
from monitor.rules.phrases import PhraseListRule


class AbuseRule(PhraseListRule):
    """Finds abusive words and phrases from a word list.

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
