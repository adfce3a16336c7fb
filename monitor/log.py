"""Logging: structlog on stderr, JSON lines for journald, a readable console on a TTY.

stdout carries only a command's own output, so ``--json`` stays parseable.
Libraries' stdlib logging (urllib3, tweepy, apscheduler) goes through the same
processors, so the redaction below covers their records too.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

# Keys whose values are secrets wherever they appear in an event.
_SECRET_KEYS = re.compile(
    r"(access_token|authorization|password|passwd|secret|bearer|api_key|token)", re.IGNORECASE
)
# Secrets inside strings: query parameters (facebook-sdk puts the token in the
# URL), Authorization headers, and Graph tokens (EAA...).
_SECRET_IN_TEXT = re.compile(
    r"((?:access_token|token|key|secret|password|signature)=)[^&\s'\"]+"
    r"|((?:Bearer|Basic|OAuth)\s+)[A-Za-z0-9._~+/=%-]+"
    r"|\bEAA[A-Za-z0-9]{20,}",
    re.IGNORECASE,
)
REDACTED = "[redacted]"
# A password in a URL's userinfo: https://user:password@host/
_USERINFO = re.compile(r"(://[^/\s:@]+:)[^@\s/]+@")

# Loggers whose DEBUG output carries credentials (tweepy logs the Bearer
# header, urllib3 logs URLs with access_token): never below INFO.
_NOISY = ("tweepy", "urllib3", "requests_oauthlib", "oauthlib", "apscheduler", "mail.log")


def scrub(text: str) -> str:
    """``text`` with anything that looks like a credential replaced."""

    def repl(m: re.Match[str]) -> str:
        prefix = m.group(1) or m.group(2) or ""
        return prefix + REDACTED

    return _USERINFO.sub(rf"\g<1>{REDACTED}@", _SECRET_IN_TEXT.sub(repl, text))


def redact(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor masking secret-named keys and credential-shaped text."""
    for key, value in list(event_dict.items()):
        if _SECRET_KEYS.search(key) and key != "event":
            event_dict[key] = REDACTED
        elif isinstance(value, str):
            event_dict[key] = scrub(value)
    return event_dict


def configure(
    *, level: int = logging.INFO, stream: TextIO | None = None, json: bool | None = None
) -> None:
    """Set up structlog and stdlib logging once for the process.

    ``json`` defaults to "stderr is not a TTY" (journald gets JSON lines).
    Tracebacks are rendered without local variables: they would hold tokens.
    """
    stream = stream or sys.stderr
    if json is None:
        json = not stream.isatty()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    renderer: Any
    if json:
        renderer = structlog.processors.JSONRenderer()
        exc: list[Any] = [structlog.processors.format_exc_info]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        exc = []
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *exc,
            # format_exc_info renders the traceback into a string; scrub it too.
            redact,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(
            max(level, logging.INFO if name != "mail.log" else logging.WARNING)
        )
