"""The private_message rule: the school's account writing in a private conversation.

The policy: "Staff should not engage with any direct messaging of students
through social media where the message is not public". Where a platform
exposes the account's private conversations, every message the account sent
in one is reported to SLT; who it was sent to is for a person to judge.
"""

from __future__ import annotations

from typing import ClassVar

from monitor.models import ActionKind, Hit, Item, ItemKind, Severity
from monitor.rules.normalise import NormalisedText


class PrivateMessageRule:
    """Flags messages sent by the account. ``check`` never raises."""

    id: ClassVar[str] = "private_message"
    default_action: ClassVar[ActionKind] = ActionKind.ALERT
    default_severity: ClassVar[Severity] = Severity.WARNING

    @staticmethod
    def applies(kind: ItemKind, *, has_media: bool) -> bool:
        """Only direct messages."""
        return kind is ItemKind.MESSAGE

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """One hit spanning the message when ``item`` is a MESSAGE the account sent."""
        if item.kind is not ItemKind.MESSAGE or not item.is_own:
            return []
        return [
            Hit(
                rule=self.id,
                severity=self.default_severity,
                start=0,
                end=len(text.original),
                match=text.original,
                # The whole normalised message: an admin's "not a problem"
                # then covers this exact message, not every message.
                normalised=text.text,
                entry="direct message sent by the account",
            )
        ]
