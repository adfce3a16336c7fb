"""``aup_link_missing``: the account's About page must link to the ICT Acceptable Use Policy.

Policy: "All social media accounts created for educational purposes should
include a link in the About or Info page to the ICT Acceptable Use Policy on
the school website." The audit turns each account's profile into a PROFILE
item; this rule reads only those.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import urlsplit

from monitor.models import ActionKind, Hit, Item, ItemKind, Severity
from monitor.rules.normalise import NormalisedText

# URLs and bare domains with a path, as people write them in a bio.
_URL = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s<>\"')]*)?", re.IGNORECASE)


def link_key(url: str) -> str:
    """A URL reduced to what identifies the page: host without www., path without trailing /.

    Scheme, case of the host, query and fragment do not matter to a reader
    following the link from a bio.
    """
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    # A link at the end of a sentence keeps its full stop in the match.
    return host + parts.path.rstrip("/.,;:!?")


class AupLinkRule:
    """Finds PROFILE items whose text links nowhere to the school's AUP."""

    id: ClassVar[str] = "aup_link_missing"
    default_action: ClassVar[ActionKind] = ActionKind.DIGEST
    default_severity: ClassVar[Severity] = Severity.WARNING

    def __init__(self, aup_url: str) -> None:
        self._aup_url = aup_url
        self._key = link_key(aup_url)

    @staticmethod
    def applies(kind: ItemKind, *, has_media: bool) -> bool:
        """Only the account's profile."""
        return kind is ItemKind.PROFILE

    def check(self, text: NormalisedText, item: Item) -> Sequence[Hit]:
        """A hit (spanning the whole profile) when the AUP link is absent; never raises."""
        if item.kind is not ItemKind.PROFILE:
            return []
        if any(link_key(m.group(0)) == self._key for m in _URL.finditer(text.original)):
            return []
        return [
            Hit(
                rule=self.id,
                severity=self.default_severity,
                start=0,
                end=len(text.original),
                match="",
                normalised="",
                entry=self._aup_url,
            )
        ]
