"""Sending the queued emails: render each outbox row from the store's current state, then SMTP.

Rows are rendered when they are sent, not when they are queued, so an alert
says what was actually done (hidden, could not hide and why) even though it
was queued in the same transaction as its finding. A row is marked sent only
after the server accepted it; a temporary failure leaves it queued for the
next flush, a permanent one marks it failed for ``status`` to report.

Kinds of row: ``alert`` (findings to the DSL or SLT), ``health`` (a source
failing or recovered) and ``digest`` (``monitor.digest``). Alerts thread by
item: each names its item's ``mailer.thread_id`` (and a reply its parent's)
in ``In-Reply-To``/``References``. With ``email.privacy_surnames`` and a
roster, pupils' surnames in excerpts are shortened to their initial.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import structlog

from monitor import digest
from monitor.alerts import (
    AlertEntry,
    RenderedEmail,
    SurnameShortener,
    describe_action,
    render_alert,
    render_health,
)
from monitor.config import Config
from monitor.errors import ConfigError, DeliveryError
from monitor.mailer import Mailer, build_message, thread_id
from monitor.models import ItemKind, utcnow
from monitor.roster import load_roster
from monitor.store import ActionState, OutboxRow, Store, StoredFinding, describe_failure

__all__ = [
    "FlushReport",
    "alert_entry",
    "describe_action",
    "flush",
    "render_row",
    "shortener_for",
]

#: at most this many items' thread ids in one batched alert's References
_MAX_REFERENCES = 20

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class FlushReport:
    """What one flush did."""

    sent: int
    failed: int
    pending: int
    error: str | None = None
    #: the server refuses every message until the config is fixed (a refused login)
    blocked: bool = False


def shortener_for(config: Config) -> SurnameShortener | None:
    """The surname shortener the config asks for, or None.

    None when ``email.privacy_surnames`` is off or there is no roster. A
    roster that cannot be read is logged and yields None: an alert must go
    out even if the roster export is broken (``check`` reports that).
    """
    if not config.email.privacy_surnames or config.roster is None:
        return None
    try:
        pupils = load_roster(config.roster)
    except ConfigError as err:
        log.error("roster_unreadable_for_privacy", error=str(err))
        return None
    return SurnameShortener((p.first_name, p.last_name) for p in pupils)


def alert_entry(
    sf: StoredFinding,
    platform: str,
    *,
    parent_text: str | None = None,
    parent_author: str | None = None,
    shorten: SurnameShortener | None = None,
) -> AlertEntry:
    """The email's view of a stored finding (surnames shortened when ``shorten`` is given)."""
    taken, needed = describe_action(sf)
    same: Callable[[str], str] = shorten or (lambda t: t)
    return AlertEntry(
        finding_id=sf.id,
        rule=sf.finding.rule,
        severity=sf.finding.severity,
        match=same(sf.finding.match),
        item_text=same(sf.item.text),
        item_kind=sf.item.kind.value,
        source_name=sf.item.source,
        platform=platform,
        author_name=sf.item.author_name,
        permalink=sf.item.permalink,
        created_at=sf.item.created_at,
        action_taken=taken,
        needs_action=needed,
        hidden=sf.action_state == ActionState.DONE,
        parent_text=same(parent_text) if parent_text else None,
        parent_author=parent_author,
    )


def render_row(
    row: OutboxRow,
    store: Store,
    config: Config,
    *,
    now: datetime | None = None,
    shorten: SurnameShortener | None = None,
) -> RenderedEmail:
    """Render an outbox row from the store's current state (``now`` dates a digest).

    Raises:
        ValueError: the row's kind is unknown or its findings are gone.
        KeyError: the row's payload lacks a key its kind needs.
    """
    template_dir = config.email.template_dir
    if row.kind == "alert":
        return _render_alert(row, store, config, shorten)
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
            template_dir=template_dir,
        )
    if row.kind == digest.KIND:
        return digest.render_digest_row(row, store, config, now=now or utcnow(), shorten=shorten)
    raise ValueError(f"outbox row {row.id}: unknown kind {row.kind!r}")


def _render_alert(
    row: OutboxRow, store: Store, config: Config, shorten: SurnameShortener | None
) -> RenderedEmail:
    """An alert row: its findings as they stand now, threaded by item."""
    keys = [(int(i), str(r)) for i, r in row.payload["findings"]]
    found = store.findings(keys=keys)
    if not found:
        raise ValueError(f"outbox row {row.id}: its findings are no longer stored")
    kinds = {s.name: s.kind for s in config.sources}
    sender = config.email.sender
    entries: list[AlertEntry] = []
    threads: list[str] = []
    for sf in found:
        item = sf.item
        parent = None
        if item.parent_id and item.kind in (ItemKind.REPLY, ItemKind.COMMENT):
            parent = store.stored_item(item.source, item.parent_id)
        if parent is not None:
            # The parent's thread first: a reply's alert joins the conversation
            # about the post or comment it answers.
            threads.append(thread_id(sender, item.source, parent.item.platform_id))
        threads.append(thread_id(sender, item.source, item.platform_id))
        entries.append(
            alert_entry(
                sf,
                kinds.get(item.source, "unknown"),
                parent_text=parent.item.text if parent else None,
                parent_author=parent.item.author_name if parent else None,
                shorten=shorten,
            )
        )
    rendered = render_alert(
        entries,
        school_name=config.school.name,
        zone=config.zone,
        urgent=bool(row.payload.get("urgent")),
        template_dir=config.email.template_dir,
    )
    references = tuple(dict.fromkeys(threads))[:_MAX_REFERENCES]
    # In-Reply-To names one message: only an alert about one item has one.
    items = {sf.item_id for sf in found}
    return replace(
        rendered,
        in_reply_to=references[-1] if len(items) == 1 else None,
        references=references,
    )


def _fallback(row: OutboxRow, config: Config) -> RenderedEmail:
    # An alert must never be lost to a formatting bug: send the bare facts.
    text = (
        f"{config.school.name}: social-monitor has an alert it could not format "
        f"(outbox {row.id}, {row.kind}).\nRun `social-monitor findings` on the server "
        "to read it, and report this to the IT admin."
    )
    if row.kind == digest.KIND:
        # Even broken, a digest's subject keeps the word that marks it routine.
        return RenderedEmail(
            subject=f"{config.school.name}: digest (could not be formatted)",
            text=text.replace("an alert", "a digest"),
            html="",
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

    Stops at the first temporary failure (the server is down or deferring),
    or when the state file cannot record a result (locked by another program,
    disk full): the rest stay queued for the next flush, in order.
    """
    sent = failed = 0
    rows = store.outbox()
    if not rows:
        return FlushReport(sent=0, failed=0, pending=0)
    error: str | None = None
    shorten = shortener_for(config)
    for index, row in enumerate(rows):
        try:
            rendered = render_row(row, store, config, now=clock(), shorten=shorten)
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
            in_reply_to=rendered.in_reply_to,
            references=rendered.references,
            images=rendered.images,
        )
        try:
            try:
                mailer.send(message)
            except DeliveryError as err:
                error = str(err)
                if err.temporary or err.server_wide:
                    # The server, not this message: keep it (and the rest) for the next flush.
                    store.mark_attempt_failed(row.id, error, permanent=False)
                    log.warning(
                        "email_deferred", outbox=row.id, error=error, queued=len(rows) - index
                    )
                    return FlushReport(
                        sent=sent,
                        failed=failed,
                        pending=len(rows) - index,
                        error=error,
                        blocked=not err.temporary,
                    )
                store.mark_attempt_failed(row.id, error, permanent=True)
                log.error("email_failed", outbox=row.id, error=error)
                failed += 1
                continue
            store.mark_sent(row.id, clock())
        except sqlite3.OperationalError as err:
            # The state file is locked by another program (or the disk is full), perhaps
            # just after the server accepted the message: nothing can be recorded, so stop
            # here. The row stays pending and goes again with the next flush, under the
            # Message-ID fixed when it was queued, which mail clients show once.
            log.error("email_not_recorded", outbox=row.id, error=str(err))
            return FlushReport(
                sent=sent, failed=failed, pending=len(rows) - index, error=_unrecorded(err)
            )
        log.info("email_sent", outbox=row.id, kind=row.kind, recipients=len(row.recipients))
        sent += 1
    return FlushReport(sent=sent, failed=failed, pending=0, error=error)


def _unrecorded(err: sqlite3.OperationalError) -> str:
    """Why a flush stopped at the state file, in plain words."""
    return (
        f"{describe_failure(err)}; the email stays queued for the next flush (one the mail "
        "server already accepted goes again with the same Message-ID, which mail clients "
        "show once)"
    )
