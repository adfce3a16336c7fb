"""The account audit: does each account's About page link to the ICT Acceptable Use Policy?

For every source whose platform has a profile, the connector reads it, the
profile becomes a PROFILE item (stored as evidence, one per distinct content,
and vetted like any item so ``findings`` and the digest show it), and the
``aup_link_missing`` rule decides. The result is kept per source; SLT is
alerted when a link goes missing (or is missing at the first audit), once,
not at every audit. ``social-monitor audit`` runs it once; the daemon daily.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

import connectors
from monitor.config import Config, SourceConfig
from monitor.engine import Engine, build_engine
from monitor.errors import ConfigError, SourceError
from monitor.mailer import new_message_id
from monitor.models import Item, ItemKind, Profile, utcnow
from monitor.poller import Poller, make_connector, retrying
from monitor.rules.aup_link import AupLinkRule
from monitor.rules.normalise import normalise
from monitor.store import OutboxRequest, Store

log = structlog.get_logger(__name__)

RULE = AupLinkRule.id


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditResult:
    """One account's audit: ``ok`` is None when it could not be audited (``detail`` says why)."""

    source: str
    ok: bool | None
    detail: str


def profile_item(source: str, profile: Profile, now: datetime) -> Item:
    """A profile as an item: its text is the About text and its links, one per line.

    The id hashes the content, so an edited profile is a new item and the old
    one stays as evidence of what the page said.
    """
    text = "\n".join(p for p in (profile.about, *profile.links) if p)
    digest = hashlib.sha256(f"{profile.name}\n{text}".encode()).hexdigest()[:16]
    return Item(
        source=source,
        platform_id=f"profile:{digest}",
        kind=ItemKind.PROFILE,
        text=text,
        title=profile.name,
        is_own=True,
        permalink=profile.url,
        created_at=now,
        raw={"name": profile.name, "about": profile.about, "links": list(profile.links)},
    )


def run_audit(
    config: Config,
    store: Store,
    now: datetime | None = None,
    *,
    engine: Engine | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[AuditResult]:
    """Audit every enabled source once. Never raises for one source's trouble.

    Raises:
        ConfigError: the rules' word lists cannot be read (only when ``engine`` is None).
    """
    now = now or utcnow()
    if not config.rule(RULE).enabled:
        return [
            AuditResult(source=s.name, ok=None, detail="the audit rule is disabled")
            for s in config.sources
        ]
    engine = engine or build_engine(config)
    poller = Poller(config, store, engine, sleep=sleep)
    rule = AupLinkRule(config.school.aup_url)
    return [
        _audit_one(source, config=config, store=store, poller=poller, rule=rule, now=now)
        for source in config.sources
        if source.enabled
    ]


def _audit_one(
    source: SourceConfig,
    *,
    config: Config,
    store: Store,
    poller: Poller,
    rule: AupLinkRule,
    now: datetime,
) -> AuditResult:
    with structlog.contextvars.bound_contextvars(source=source.name, job="audit"):
        try:
            if not connectors.capabilities(source.kind).read_profile:
                return AuditResult(
                    source=source.name, ok=None, detail="no About page to audit on this platform"
                )
            connector = make_connector(config, source)
            try:
                profile = retrying(config.http, poller.sleep)(connector.read_profile)
            finally:
                connector.close()
        except (SourceError, ConfigError) as err:
            log.warning("audit_failed", error=str(err))
            return AuditResult(
                source=source.name, ok=None, detail=f"could not read the profile: {err}"
            )
        if profile is None:
            return AuditResult(
                source=source.name, ok=None, detail="the platform returned no profile"
            )
        item = profile_item(source.name, profile, now)
        ok = not rule.check(normalise(item.text), item)
        store.save_items(source=source.name, kind=source.kind, items=[item], now=now)
        poller.vet_pending(source, can_hide=False)
        detail = (
            f"links to {config.school.aup_url}"
            if ok
            else f"the About page does not link to {config.school.aup_url}"
        )
        stored = store.stored_item(source.name, item.platform_id)
        alert = None
        if stored is not None:
            alert = OutboxRequest(
                key=f"audit:{source.name}:{item.platform_id}",
                kind="alert",
                recipients=config.email.slt,
                message_id=new_message_id(config.email.sender),
                payload={"urgent": False, "findings": [[stored.id, RULE]]},
            )
        previous = store.record_audit(
            source=source.name, kind=source.kind, ok=ok, detail=detail, now=now, on_missing=alert
        )
        if previous is not ok:
            log.info("audit_changed", ok=ok, previous=previous)
        return AuditResult(source=source.name, ok=ok, detail=detail)
