"""The typed records that move between layers.

Data moves one way: connector -> ``Item`` -> store -> engine -> ``Finding`` ->
actions -> outbox -> email. Every record here is frozen, and every datetime is
timezone-aware UTC: a connector converts platform timestamps at its edge.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class ItemKind(enum.StrEnum):
    """What an item is on its platform."""

    POST = "post"
    COMMENT = "comment"
    REPLY = "reply"
    MEDIA = "media"
    MESSAGE = "message"
    #: an account's About/bio page, as read by the audit
    PROFILE = "profile"


class Severity(enum.StrEnum):
    """How bad a finding is, in increasing order."""

    INFO = "info"
    WARNING = "warning"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Position in the order info < warning < high < urgent."""
        return list(Severity).index(self)


class ActionKind(enum.StrEnum):
    """What the config says to do with a finding of a rule.

    ``hide`` implies ``alert``: a hidden comment is always reported, because the
    policy says abuse is "removed and reported".
    """

    HIDE = "hide"
    ALERT = "alert"
    DIGEST = "digest"


@dataclass(frozen=True, slots=True, kw_only=True)
class Media:
    """One picture, video or file attached to an item."""

    url: str
    type: str = ""
    alt_text: str = ""
    #: GPS position found in the image's EXIF data by ``monitor.exif`` ("lat,lon"),
    #: None when not probed or none was found
    location: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One post, comment, reply, media item or message, as every connector returns it.

    ``platform_id`` is unique within its source. ``raw`` is the platform's own
    payload, kept as evidence; it must be JSON-serialisable.
    """

    source: str
    platform_id: str
    kind: ItemKind
    text: str
    created_at: datetime
    parent_id: str | None = None
    author_id: str | None = None
    author_name: str | None = None
    is_own: bool = False
    media: tuple[Media, ...] = ()
    permalink: str | None = None
    title: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise ValueError(f"item {self.platform_id!r}: created_at must be timezone-aware")

    def searchable_text(self) -> str:
        """The text every rule reads: the body, then any media alt text, one per line."""
        if not self.media:
            return self.text  # most items: a comment's text as it is
        parts = [self.text, *(m.alt_text for m in self.media if m.alt_text)]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """What a rule reports: the rule, how bad, and where in the text.

    ``start``/``end`` index the original text given to the rule (the item's
    ``searchable_text()``), so the excerpt shows what the person wrote.
    ``normalised`` is the form that matched and ``entry`` the list entry.
    ``hide`` False says the rule is not sure enough to hide: the finding is
    alerted even where the rule's action is to hide (the learned signal).
    """

    rule: str
    severity: Severity
    start: int
    end: int
    match: str
    normalised: str = ""
    entry: str = ""
    hide: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A hit on a stored item, with the action the config maps its rule to."""

    rule: str
    severity: Severity
    action: ActionKind
    match: str
    start: int
    end: int
    normalised: str = ""
    entry: str = ""

    @classmethod
    def from_hit(cls, hit: Hit, action: ActionKind, severity: Severity | None = None) -> Finding:
        """Attach the configured action (and optionally a severity override) to a hit."""
        return cls(
            rule=hit.rule,
            severity=severity or hit.severity,
            action=action,
            match=hit.match,
            start=hit.start,
            end=hit.end,
            normalised=hit.normalised,
            entry=hit.entry,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Cursor:
    """Where a source's last successful fetch ended.

    Opaque to the core: each connector decides what ``position`` holds (a
    since_id, a timestamp, a JSON string). ``etag`` and ``last_modified`` carry
    HTTP conditional-request validators for connectors that use them.
    """

    position: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchResult:
    """What one fetch returned: items (possibly already seen) and the next cursor.

    ``not_modified`` says the server answered "nothing changed" (HTTP 304).
    ``warnings`` are problems the connector worked around (a malformed feed
    that still yielded entries); the core logs them. ``notices`` are standing
    limitations worth telling the admin once, not every poll ("this access
    tier cannot search replies"); ``status`` and the digest show them.
    """

    items: tuple[Item, ...]
    cursor: Cursor
    not_modified: bool = False
    warnings: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """An account's public profile, for the About-page audit."""

    name: str
    about: str = ""
    links: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HideResult:
    """The platform's answer to a hide request."""

    ok: bool
    detail: str = ""


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)
