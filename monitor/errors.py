"""The small family of errors the core understands.

Connectors translate their library's exceptions into these at their edge
(``raise TemporaryError(...) from err``); the core never imports or catches a
platform library's exceptions. Messages are written for the school's IT admin:
they say what is wrong and, where it helps, what to do. They never contain a
secret.
"""

from __future__ import annotations

from datetime import datetime


class MonitorError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(MonitorError):
    """The configuration, roster or a word list is invalid (exit code 2)."""


class SourceError(MonitorError):
    """A source could not be read or acted on.

    ``retryable`` says whether trying again within the same poll may help.
    """

    retryable = False
    #: a short label for ``status`` and logs
    category = "error"


class TemporaryError(SourceError):
    """A network failure, timeout or server error: retry with backoff, then next poll."""

    retryable = True
    category = "temporary"


class PermanentError(SourceError):
    """The request can never succeed as it is (bad id, removed permission, bad payload)."""

    category = "permanent"


class PermissionMissing(PermanentError):
    """The credentials work but lack a permission this call needs: an admin must grant it.

    Unlike other permanent errors it says nothing about the item: a hide refused
    for it waits, and is tried again once the permission is back.
    """

    category = "permission"


class AuthExpired(SourceError):
    """The credentials were refused or have expired: an admin must renew them."""

    category = "auth"


class RateLimited(SourceError):
    """The platform asked us to wait until ``until`` (UTC) before calling again."""

    category = "rate_limited"

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class DeliveryError(MonitorError):
    """An email could not be delivered. ``temporary`` errors are retried later.

    ``server_wide``: the connection or login failed, not this message (a
    refused password, a TLS mismatch): every message would fail the same way
    until the config or the server is fixed, so none is given up for it.
    """

    def __init__(self, message: str, *, temporary: bool, server_wide: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.server_wide = server_wide
