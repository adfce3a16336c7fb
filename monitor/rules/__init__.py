"""The vetting rules: pure checks drawn from the school's social media policy.

A rule is built once from its word lists (already read from disk by
``monitor.lists``) and then only checks: a normalised text and its item in,
hits out, no I/O, no globals. The engine normalises each item once and hands
the same ``NormalisedText`` to every rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol

from monitor.models import ActionKind, Hit, Item, Severity

if TYPE_CHECKING:
    from monitor.rules.normalise import NormalisedText

#: every rule id the config may name under [rules.<id>]
RULE_IDS: frozenset[str] = frozenset(
    {
        "abuse",
        "aup_link_missing",
        "safeguarding",
        "pupil_name",
        "personal_info",
        "unsafe_link",
        "unknown_link",
        "photo_consent",
        "location_metadata",
        "private_message",
    }
)

#: rules whose findings go to the designated safeguarding lead, never batched
SAFEGUARDING_RULES: frozenset[str] = frozenset({"safeguarding"})


class Rule(Protocol):
    """One policy check.

    A rule that can find something only in some items (media, messages,
    profiles) may also have ``applies(kind: ItemKind, *, has_media: bool) ->
    bool``: the engine then does not call ``check`` for items it says no to.
    ``check`` must still answer correctly for any item.
    """

    id: ClassVar[str]
    default_action: ClassVar[ActionKind]
    default_severity: ClassVar[Severity]

    def check(self, text: NormalisedText, item: Item) -> Sequence[Hit]:
        """Return every hit in ``text`` (the normalised ``item.searchable_text()``).

        Must not raise on any text; the engine still guards against it.
        """
        ...
