"""``findings allow ID``: an admin's verdict that a finding was a false positive.

The finding is marked allowed, its item is unhidden where the monitor hid it
(through the platform's API), and the (rule, item text) pair is remembered so
the same text does not fire the same rule again. The whole text is what is
remembered, never the matched words alone (see ``monitor.poller.fingerprint``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

import connectors
from monitor.config import Config
from monitor.errors import ConfigError, SourceError
from monitor.models import utcnow
from monitor.poller import fingerprint, make_connector, retrying
from monitor.store import ActionState, Store

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class AllowResult:
    """What ``allow_finding`` did. ``unhide_error`` is set when unhiding failed."""

    finding_id: int
    unhidden: bool
    unhide_error: str | None = None
    permalink: str | None = None


def allow_finding(
    config: Config,
    store: Store,
    finding_id: int,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> AllowResult:
    """Mark a finding a false positive, unhide its item if it was hidden, remember it.

    Raises:
        KeyError: no finding has this id.
    """
    now = now or utcnow()
    found = store.finding(finding_id)
    if found is None:
        raise KeyError(finding_id)
    store.allow(finding_id, rule=found.finding.rule, fingerprint=fingerprint(found.item), now=now)
    log.info("finding_allowed", finding=finding_id, rule=found.finding.rule)
    if found.action_kind != "hide" or found.action_state != ActionState.DONE:
        return AllowResult(finding_id=finding_id, unhidden=False, permalink=found.item.permalink)
    try:
        source = config.source(found.item.source)
        if not connectors.capabilities(source.kind).hide:
            raise ConfigError(f"source {source.name!r} cannot unhide")
        connector = make_connector(config, source)
        try:
            result = retrying(config.http, sleep)(connector.unhide, found.item)
        finally:
            connector.close()
    except KeyError:
        error = f"source {found.item.source!r} is no longer in the config"
    except (SourceError, ConfigError) as err:
        error = str(err)
    else:
        if result.ok:
            store.set_action(
                found.item_id,
                "hide",
                state=ActionState.REVERSED,
                detail="unhidden by an admin",
                now=now,
            )
            return AllowResult(finding_id=finding_id, unhidden=True, permalink=found.item.permalink)
        error = result.detail or "the platform refused"
    log.warning("unhide_failed", finding=finding_id, error=error)
    return AllowResult(
        finding_id=finding_id, unhidden=False, unhide_error=error, permalink=found.item.permalink
    )
