"""The registry of connectors: one explicit mapping from a source's ``kind``.

Connector modules import their platform library at module level, so the
mapping holds import paths and ``connector_class`` imports on first use:
``--help``, ``check`` and ``test-rules`` never load tweepy, facebook-sdk or
feedparser.
"""

from __future__ import annotations

import importlib
from typing import Any

from monitor.connector import Capabilities, Connector
from monitor.errors import ConfigError

#: kind -> "module:Class"
REGISTRY: dict[str, str] = {
    "feed": "connectors.feeds:FeedConnector",
    "facebook_page": "connectors.facebook:FacebookPageConnector",
    "instagram": "connectors.instagram:InstagramConnector",
    "twitter": "connectors.twitter:TwitterConnector",
}


def connector_class(kind: str) -> type[Any]:
    """The connector class for ``kind``.

    Raises:
        ConfigError: unknown kind, or its platform library is not installed.
    """
    try:
        target = REGISTRY[kind]
    except KeyError:
        raise ConfigError(f"unknown source kind {kind!r}") from None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ConfigError(
            f"source kind {kind!r} needs the Python package {err.name!r}, which is not installed"
        ) from None
    cls: type[Any] = getattr(module, class_name)
    return cls


def capabilities(kind: str) -> Capabilities:
    """What a connector of ``kind`` can do (imports its module)."""
    caps: Capabilities = connector_class(kind).capabilities
    return caps


__all__ = ["REGISTRY", "Connector", "capabilities", "connector_class"]
