"""The one small interface every platform connector implements.

A connector is built from its source's validated config. It fetches what is
new since a cursor, hides an item where the platform allows it, and reads the
account's profile for the About-page audit, and unhides what an admin
allows. It makes one attempt per call and
raises only ``monitor.errors.SourceError`` subclasses: retries live in the
poller, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from monitor.models import Cursor, FetchResult, HideResult, Item, Profile


@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    """What a platform lets us do, declared as data so the engine can read it.

    ``hide``: flagged comments by others can be hidden through the API.
    ``read_private_messages``: the account's private conversations are readable.
    ``read_profile``: the account's About/bio can be read for the AUP audit.
    """

    hide: bool = False
    read_private_messages: bool = False
    read_profile: bool = False


class Connector(Protocol):
    """A source of items on one platform account or feed."""

    capabilities: ClassVar[Capabilities]

    def fetch(self, cursor: Cursor) -> FetchResult:
        """Return what is new since ``cursor`` (items may repeat; the store dedupes).

        Raises:
            TemporaryError: network failure, timeout, 5xx.
            RateLimited: the platform asked to wait; ``until`` says how long.
            AuthExpired: credentials refused or expired.
            PermanentError: the request cannot succeed as configured.
        """
        ...

    def hide(self, item: Item) -> HideResult:
        """Hide ``item`` on the platform (never delete). Only called when ``capabilities.hide``.

        Raises the same family as ``fetch``.
        """
        ...

    def unhide(self, item: Item) -> HideResult:
        """Reverse a hide (``findings allow``). Only called when ``capabilities.hide``.

        Raises the same family as ``fetch``.
        """
        ...

    def read_profile(self) -> Profile | None:
        """Return the account's public profile, or None when the platform has none.

        Raises the same family as ``fetch``.
        """
        ...

    def close(self) -> None:
        """Release network resources."""
        ...
