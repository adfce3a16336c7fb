"""Sending the queued emails: render each outbox row from the store's current state, then SMTP.

Rows are rendered when they are sent, not when they are queued, so an alert
says what was actually done (hidden, could not hide and why) even though it
was queued in the same transaction as its finding. A row is marked sent only
after the server accepted it; a temporary failure leaves it queued for the
next flush, a permanent one marks it failed for ``status`` to report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from monitor.alerts import AlertEntry, RenderedEmail, render_alert, render_health
from monitor.config import Config
from monitor.errors import DeliveryError
from monitor.mailer import Mailer, build_message
from monitor.models import ActionKind, utcnow
from monitor.store import ActionState, OutboxRow, Store, StoredFinding

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class FlushReport:
    """What one flush did."""

    sent: int
    failed: int
    pending: int
    error: str | None = None


def describe_action(sf: StoredFinding) -> tuple[str, str | None]:
    """What the system did about a finding's item, and what a person must still do."""
    link = sf.item.permalink or "the post"
    if sf.finding.action is not ActionKind.HIDE or sf.action_state is None:
        return "Nothing was changed on the platform.", None
    if sf.action_state == ActionState.DONE:
        return "Hidden automatically (not deleted: the evidence is kept).", None
    if sf.action_state == ActionState.PENDING:
        return "Hiding has been requested but not yet confirmed.", f"Check it is hidden: {link}"
    if sf.action_state == ActionState.FAILED:
        return f"Could not hide: {sf.action_detail}.", f"Remove it by hand: {link}"
    if sf.item.is_own:
        return (
            "Not hidden: this is the school's own post.",
            f"Edit or remove the post by hand: {link}",
        )
    return (
        f"Not hidden: {sf.action_detail or 'the platform has no way to hide it'}.",
        f"Remove it by hand: {link}",
    )


def alert_entry(sf: StoredFinding, platform: str) -> AlertEntry:
    """The email's view of a stored finding."""
    taken, needed = describe_action(sf)
    return AlertEntry(
        finding_id=sf.id,
        rule=sf.finding.rule,
        severity=sf.finding.severity,
        match=sf.finding.match,
        item_text=sf.item.text,
        item_kind=sf.item.kind.value,
        source_name=sf.item.source,
        platform=platform,
        author_name=sf.item.author_name,
        permalink=sf.item.permalink,
        created_at=sf.item.created_at,
        action_taken=taken,
        needs_action=needed,
        hidden=sf.action_state == ActionState.DONE,
    )


def render_row(row: OutboxRow, store: Store, config: Config) -> RenderedEmail:
    """Render an outbox row from the store's current state.

    Raises:
        ValueError: the row's kind is unknown or its findings are gone.
    """
    if row.kind == "alert":
        keys = [(int(i), str(r)) for i, r in row.payload["findings"]]
        found = store.findings(keys=keys)
        if not found:
            raise ValueError(f"outbox row {row.id}: its findings are no longer stored")
        kinds = {s.name: s.kind for s in config.sources}
        entries = [alert_entry(sf, kinds.get(sf.item.source, "unknown")) for sf in found]
        return render_alert(
            entries,
            school_name=config.school.name,
            zone=config.zone,
            urgent=bool(row.payload.get("urgent")),
        )
    if row.kind == "health":
        p = row.payload
        return render_health(
            source=str(p["source"]),
            kind=str(p["kind"]),
            event=str(p["event"]),
            error=p.get("error"),
            at=datetime.fromisoformat(str(p["at"])),
            school_name=config.school.name,
            zone=config.zone,
        )
    raise ValueError(f"outbox row {row.id}: unknown kind {row.kind!r}")


def _fallback(row: OutboxRow, config: Config) -> RenderedEmail:
    # An alert must never be lost to a formatting bug: send the bare facts.
    text = (
        f"{config.school.name}: social-monitor has an alert it could not format "
        f"(outbox {row.id}, {row.kind}).\nRun `social-monitor findings` on the server "
        "to read it, and report this to the IT admin."
    )
    prefix = "[URGENT safeguarding] " if row.payload.get("urgent") else ""
    return RenderedEmail(subject=f"{prefix}{config.school.name}: alert", text=text, html="")


def flush(
    store: Store,
    config: Config,
    mailer: Mailer,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> FlushReport:
    """Send every pending outbox row. Never raises for delivery problems.

    Stops at the first temporary failure (the server is down or deferring):
    the rest stay queued for the next flush, in order.
    """
    sent = failed = 0
    rows = store.outbox()
    error: str | None = None
    for index, row in enumerate(rows):
        try:
            rendered = render_row(row, store, config)
        except Exception:
            log.exception("email_render_failed", outbox=row.id)
            rendered = _fallback(row, config)
        message = build_message(
            sender=config.email.sender,
            to=row.recipients,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=row.message_id,
            date=clock(),
        )
        try:
            mailer.send(message)
        except DeliveryError as err:
            error = str(err)
            if err.temporary:
                store.mark_attempt_failed(row.id, error, permanent=False)
                log.warning("email_deferred", outbox=row.id, error=error, queued=len(rows) - index)
                return FlushReport(sent=sent, failed=failed, pending=len(rows) - index, error=error)
            store.mark_attempt_failed(row.id, error, permanent=True)
            log.error("email_failed", outbox=row.id, error=error)
            failed += 1
            continue
        store.mark_sent(row.id, clock())
        log.info("email_sent", outbox=row.id, kind=row.kind, recipients=len(row.recipients))
        sent += 1
    return FlushReport(sent=sent, failed=failed, pending=0, error=error)
