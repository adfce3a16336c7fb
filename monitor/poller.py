"""One poll of one source: fetch -> store -> vet -> act, and health on the transitions.

This is the one place that retries (tenacity, bounded exponential backoff with
jitter) and the one place that catches the connectors' error family. One
source's trouble is recorded against that source and never stops the others;
an unexpected exception (a bug) is logged with its traceback, recorded as the
source's error, and the poll goes on with the next source.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

import connectors
from monitor.config import Config, HttpConfig, SourceConfig
from monitor.connector import Connector
from monitor.engine import Engine
from monitor.errors import (
    AuthExpired,
    ConfigError,
    PermissionMissing,
    RateLimited,
    SourceError,
)
from monitor.exif import probe_items
from monitor.mailer import new_message_id
from monitor.models import ActionKind, Cursor, Finding, Item, utcnow
from monitor.rules import SAFEGUARDING_RULES
from monitor.rules.normalise import normalise
from monitor.store import (
    ActionState,
    OutboxRequest,
    PlannedAction,
    SourceState,
    Store,
    StoredItem,
    describe_failure,
)

log = structlog.get_logger(__name__)

#: how many stored items are vetted and committed together
VET_CHUNK = 500


@dataclass(slots=True, kw_only=True)
class PollReport:
    """What one poll of one source did (for the CLI's summary and the exit code)."""

    source: str
    fetched: int = 0
    new: int = 0
    vetted: int = 0
    findings: list[tuple[StoredItem, Finding]] = field(default_factory=list)
    hidden: int = 0
    hide_failed: int = 0
    error: str | None = None
    skipped_until: datetime | None = None
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        """False when the source failed or was skipped for a rate-limit window."""
        return self.error is None and self.skipped_until is None


Clock = Callable[[], datetime]
Sleep = Callable[[float], None]


class Poller:
    """Runs polls against a store with one engine; connectors are built per poll."""

    def __init__(
        self,
        config: Config,
        store: Store,
        engine: Engine,
        *,
        clock: Clock = utcnow,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.config = config
        self.store = store
        self.engine = engine
        self.clock = clock
        self.sleep = sleep
        # source -> when the platform allows hides again (a rate limit on hiding,
        # separate from reading); kept while the daemon runs, not in the store
        self._hides_wait: dict[str, datetime] = {}

    # -- the whole poll --------------------------------------------------------

    def poll(self, source: SourceConfig) -> PollReport:
        """Poll one source end to end. Never raises (but for KeyboardInterrupt/SystemExit)."""
        started = time.monotonic()
        report = PollReport(source=source.name)
        with structlog.contextvars.bound_contextvars(source=source.name, kind=source.kind):
            try:
                self._poll(source, report)
            except sqlite3.OperationalError as err:  # locked by another program, disk full
                report.error = store_failure(err)
                log.error("store_unavailable", error=str(err))
                self._try_record_failure(source, report.error, "storage")
            except Exception as err:  # a bug must not stop the other sources
                log.exception("poll_crashed")
                report.error = f"internal error: {type(err).__name__}: {err}"
                self._try_record_failure(source, report.error, "internal")
            report.duration = time.monotonic() - started
            log.info(
                "poll_finished",
                fetched=report.fetched,
                new=report.new,
                findings=len(report.findings),
                hidden=report.hidden,
                ok=report.ok,
                duration=round(report.duration, 3),
            )
        return report

    def _poll(self, source: SourceConfig, report: PollReport) -> None:
        state = self.store.source_state(source.name, source.kind)
        now = self.clock()
        if state.rate_limited_until and state.rate_limited_until > now:
            # The platform asked us to wait: honour it, poll the others.
            report.skipped_until = state.rate_limited_until
            log.info("poll_skipped_rate_limited", until=state.rate_limited_until.isoformat())
            return
        try:
            connector = self._connector(source)
        except ConfigError as err:
            report.error = str(err)
            self._record_failure(source, report.error, "config", None, fatal=True, state=state)
            return
        try:
            if not self._fetch(source, connector, state, report):
                return
            self._vet(source, connector, report)
            self._act(source, connector, report)
        finally:
            connector.close()

    def _connector(self, source: SourceConfig) -> Connector:
        return make_connector(self.config, source)

    # -- fetch ----------------------------------------------------------------

    def _retrying(self) -> Retrying:
        return retrying(self.config.http, self.sleep)

    def _fetch(
        self, source: SourceConfig, connector: Connector, state: SourceState, report: PollReport
    ) -> bool:
        try:
            result = self._retrying()(connector.fetch, state.cursor)
        except SourceError as err:
            report.error = str(err)
            until = err.until if isinstance(err, RateLimited) else None
            if until is not None:
                report.skipped_until = until
            fatal = isinstance(err, AuthExpired) or (not err.retryable and until is None)
            self._record_failure(source, str(err), err.category, until, fatal=fatal, state=state)
            return False
        for warning in result.warnings:
            log.warning("source_warning", warning=warning)
        now = self.clock()
        recovered: list[OutboxRequest] = []
        if state.failure_reported:
            log.info("source_recovered", failing_since=_iso(state.failing_since))
            recovered.append(self._health_notice(source, "recovered", None, now))
        elif state.last_error:
            log.info("source_recovered", failing_since=_iso(state.failing_since))
        report.fetched = len(result.items)
        items = self._probe_images(source, result.items)
        report.new = self.store.save_fetch(
            source=source.name,
            kind=source.kind,
            items=items,
            cursor=result.cursor,
            now=now,
            outbox=recovered,
            notices=result.notices,
        )
        for notice in set(result.notices) - set(state.notices):
            log.warning("source_notice", notice=notice)
        return True

    def _probe_images(self, source: SourceConfig, items: Sequence[Item]) -> Sequence[Item]:
        """New items' images probed for GPS EXIF data, for the location_metadata rule.

        Only items not stored yet (a stored item is never replaced, so probing
        it again would be wasted downloads). A failed probe, or a crash in it,
        leaves the items as fetched: it must never lose one.
        """
        if not self.config.rule_for(source.name, "location_metadata").enabled:
            return items
        fresh = [
            i
            for i, item in enumerate(items)
            if item.media and self.store.stored_item(source.name, item.platform_id) is None
        ]
        if not fresh:
            return items
        try:
            probed = probe_items([items[i] for i in fresh], self.config.http)
        except Exception:  # the items matter more than their EXIF data
            log.exception("exif_probe_crashed")
            return items
        out = list(items)
        for i, item in zip(fresh, probed, strict=True):
            out[i] = item
        return out

    def _try_record_failure(self, source: SourceConfig, error: str, category: str) -> None:
        """Record a failure if the store can take it (it may be what failed)."""
        try:
            self._record_failure(source, error, category, None, fatal=False)
        except sqlite3.Error as err:
            log.error("failure_not_recorded", error=str(err))

    def _record_failure(
        self,
        source: SourceConfig,
        error: str,
        category: str,
        until: datetime | None,
        *,
        fatal: bool,
        state: SourceState | None = None,
    ) -> None:
        """Record a failure; log and email only on the transition to failing."""
        state = state or self.store.source_state(source.name, source.kind)
        now = self.clock()
        failures = state.consecutive_failures + 1
        notify: list[OutboxRequest] = []
        if state.last_error is None:
            log.error("source_failing", error=error, category=category)
        else:
            log.info("source_still_failing", error=error, failures=failures)
        threshold = self.config.health.alert_after_failures
        # Expired credentials and permanent errors will not heal on their own:
        # tell the admin at once. Network blips are told only if they persist.
        if not state.failure_reported and (fatal or failures >= threshold) and until is None:
            notify.append(self._health_notice(source, "failing", error, now))
        self.store.record_failure(
            source=source.name,
            kind=source.kind,
            error=error,
            category=category,
            now=now,
            rate_limited_until=until,
            outbox=notify,
        )

    def _health_notice(
        self, source: SourceConfig, event: str, error: str | None, now: datetime
    ) -> OutboxRequest:
        recipients = self.config.email.admin or self.config.email.slt
        return OutboxRequest(
            key=f"health:{source.name}:{event}:{now.isoformat()}",
            kind="health",
            recipients=recipients,
            message_id=new_message_id(self.config.email.sender),
            payload={
                "source": source.name,
                "kind": source.kind,
                "event": event,
                "error": error,
                "at": now.isoformat(),
            },
        )

    # -- vet ------------------------------------------------------------------

    def _vet(self, source: SourceConfig, connector: Connector, report: PollReport) -> None:
        can_hide = connector.capabilities.hide and source.hide
        self.vet_pending(source, can_hide=can_hide, report=report)

    def vet_pending(
        self, source: SourceConfig, *, can_hide: bool, report: PollReport | None = None
    ) -> PollReport:
        """Vet every stored, not yet vetted item of ``source`` and queue what must be told.

        Findings the admin has marked false positives (same rule, same text) are dropped.
        """
        report = report or PollReport(source=source.name)
        allowed = self.store.allowed()
        while batch := self.store.unvetted(source.name, limit=VET_CHUNK):
            now = self.clock()
            vetted: list[tuple[int, Sequence[Finding]]] = []
            actions: list[PlannedAction] = []
            for stored in batch:
                found = [
                    f
                    for f in self.engine.vet(stored.item)
                    if (f.rule, fingerprint(stored.item)) not in allowed
                ]
                vetted.append((stored.id, found))
                report.findings += [(stored, f) for f in found]
                if any(f.action is ActionKind.HIDE for f in found):
                    actions.append(self._plan_hide(stored, can_hide=can_hide))
            outbox = self._alerts(source, batch, vetted)
            self.store.save_vetting(findings=vetted, actions=actions, outbox=outbox, now=now)
            report.vetted += len(batch)
        return report

    @staticmethod
    def _plan_hide(stored: StoredItem, *, can_hide: bool) -> PlannedAction:
        if stored.item.is_own:
            return PlannedAction(
                item_id=stored.id,
                kind="hide",
                state=ActionState.MANUAL,
                detail="the school's own post cannot be hidden automatically",
            )
        if not can_hide:
            return PlannedAction(
                item_id=stored.id,
                kind="hide",
                state=ActionState.MANUAL,
                detail="this platform cannot hide comments through its API",
            )
        return PlannedAction(item_id=stored.id, kind="hide", state=ActionState.PENDING)

    def _alerts(
        self,
        source: SourceConfig,
        batch: Sequence[StoredItem],
        vetted: Sequence[tuple[int, Sequence[Finding]]],
    ) -> list[OutboxRequest]:
        """Safeguarding findings: one email each to the DSL. The rest: one email to SLT.

        A rule's ``recipients`` (``[rules.<id>]`` or the source's override)
        replace the DSL or SLT for its findings; the other findings still go
        in one email per set of recipients.
        """
        email = self.config.email

        def alert(
            key: str, *, urgent: bool, to: tuple[str, ...], findings: list[tuple[int, str]]
        ) -> OutboxRequest:
            return OutboxRequest(
                key=key,
                kind="alert",
                recipients=to,
                message_id=new_message_id(email.sender),
                payload={"urgent": urgent, "findings": [list(k) for k in findings]},
            )

        requests: list[OutboxRequest] = []
        batched: dict[tuple[str, ...], list[tuple[int, str]]] = {}
        for item_id, found in vetted:
            for f in found:
                if f.action is ActionKind.DIGEST:
                    continue
                chosen = self.config.rule_for(source.name, f.rule).recipients
                if f.rule in SAFEGUARDING_RULES:
                    key = f"alert:dsl:{item_id}:{f.rule}"
                    to = chosen or email.dsl
                    requests.append(alert(key, urgent=True, to=to, findings=[(item_id, f.rule)]))
                else:
                    batched.setdefault(chosen or email.slt, []).append((item_id, f.rule))
        for to, keys in batched.items():
            digest = hashlib.sha256(repr(keys).encode()).hexdigest()[:16]
            if to == email.slt:
                key = f"alert:slt:{source.name}:{digest}"
            else:
                # Other recipients get their own email, keyed apart from SLT's.
                digest = hashlib.sha256(repr((to, keys)).encode()).hexdigest()[:16]
                key = f"alert:to:{source.name}:{digest}"
            requests.append(alert(key, urgent=False, to=to, findings=keys))
        return requests

    # -- act ------------------------------------------------------------------

    def _act(self, source: SourceConfig, connector: Connector, report: PollReport) -> None:
        # A hide refused for the account's credentials or permissions (not for the
        # item) blocks every hide until an admin fixes it: the rest wait with the same
        # reason without asking the platform, and the next poll tries the oldest again.
        blocked: SourceError | None = None
        wait = self._hides_wait.get(source.name)
        if wait is not None and self.clock() < wait:
            return  # hiding is rate limited: the hides wait, pending, without a request
        for action_id, kind, stored in self.store.pending_actions(source.name):
            if kind != "hide":
                continue
            if blocked is not None:
                report.hide_failed += 1
                detail = f"not tried, as the platform refused the hide before it: {blocked}"
                self.store.finish_action(
                    action_id, state=ActionState.PENDING, detail=detail, now=self.clock()
                )
                continue
            try:
                result = self._retrying()(connector.hide, stored.item)
            except RateLimited as err:
                # Not a failure: the hide waits for the first poll after the window
                # (X allows 50 hides per 15 minutes). The alert says "not yet confirmed".
                detail = f"waiting for the platform's rate limit until {err.until:%H:%M} UTC"
                self._hides_wait[source.name] = err.until
                self.store.finish_action(
                    action_id, state=ActionState.PENDING, detail=detail, now=self.clock()
                )
                log.warning(
                    "hide_deferred", item=stored.item.platform_id, until=err.until.isoformat()
                )
                return
            except (AuthExpired, PermissionMissing) as err:
                blocked = err
                state, detail = ActionState.PENDING, str(err)
            except SourceError as err:
                state, detail = ActionState.FAILED, str(err)
            else:
                state = ActionState.DONE if result.ok else ActionState.FAILED
                detail = result.detail
            if state == ActionState.DONE:
                report.hidden += 1
                log.info("item_hidden", item=stored.item.platform_id)
            else:
                report.hide_failed += 1
                log.warning("hide_failed", item=stored.item.platform_id, detail=detail)
            self.store.finish_action(action_id, state=state, detail=detail, now=self.clock())
        self._hide_health(source, blocked, hidden=report.hidden > 0)

    def _hide_health(
        self, source: SourceConfig, blocked: SourceError | None, *, hidden: bool
    ) -> None:
        """Email the admin once when hiding is blocked (saying what to grant or renew), and
        once when a hide works again; the newest such email in the outbox records which.
        """
        if blocked is None and not hidden:
            return  # nothing was tried: nothing learnt
        told = self.store.latest_outbox("health", f"health:{source.name}:hide_")
        reported = told is not None and told.payload.get("event") == "hide_blocked"
        if (blocked is not None) == reported:
            return
        now = self.clock()
        if blocked is not None:
            log.error("hide_blocked", error=str(blocked))
            notice = self._health_notice(source, "hide_blocked", str(blocked), now)
        else:
            log.info("hide_restored")
            notice = self._health_notice(source, "hide_restored", None, now)
        self.store.queue([notice], now)


def poll_all(poller: Poller, sources: Sequence[SourceConfig], workers: int) -> list[PollReport]:
    """Poll each source once, ``workers`` at a time; the reports in ``sources``' order.

    A poll spends nearly all its time waiting for the platform, so threads
    overlap those waits (the store serialises its short transactions behind
    its lock). As in the daemon, a slow source holds one worker and delays
    no other. On Ctrl-C no further source starts and the running polls are
    waited for, so the caller never closes the store under them.
    """
    if workers <= 1 or len(sources) <= 1:
        return [poller.poll(source) for source in sources]
    pool = ThreadPoolExecutor(max_workers=min(workers, len(sources)), thread_name_prefix="poll")
    try:
        return list(pool.map(poller.poll, sources))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def store_failure(err: sqlite3.Error) -> str:
    """A state-file failure in plain words: what it means for the items, and what to do."""
    return (
        f"{describe_failure(err)}; nothing fetched since the last good poll is lost: "
        "the next poll reads it again"
    )


def fingerprint(item: Item) -> str:
    """What ``findings allow`` remembers: the item's whole normalised text.

    The whole text, not the matched words: allowing one parent's comment that
    mentions "dm me" for a club must never silence the next stranger's "dm me".
    """
    return hashlib.sha256(normalise(item.searchable_text()).text.encode("utf-8")).hexdigest()


def make_connector(config: Config, source: SourceConfig) -> Connector:
    """Build the connector for ``source``.

    Raises:
        ConfigError: unknown kind, missing platform library, or a secret that
            cannot be resolved.
    """
    cls = connectors.connector_class(source.kind)
    connector: Connector = cls(source, config.http)
    return connector


def retrying(http: HttpConfig, sleep: Sleep) -> Retrying:
    """The one retry policy: temporary errors, bounded attempts, exponential backoff with jitter."""
    return Retrying(
        stop=stop_after_attempt(http.attempts),
        wait=wait_exponential_jitter(initial=1, max=http.retry_max_wait),
        retry=retry_if_exception(lambda e: isinstance(e, SourceError) and e.retryable),
        sleep=sleep,
        reraise=True,
    )


def preview(
    config: Config, engine: Engine, source: SourceConfig, *, sleep: Sleep = time.sleep
) -> PollReport:
    """``poll --dry-run``: fetch everything the source returns now and vet it.

    Stores nothing, hides nothing, sends nothing, and ignores the stored cursor
    so the admin sees what the rules make of the source as it is now.
    Never raises (but for KeyboardInterrupt/SystemExit).
    """
    report = PollReport(source=source.name)
    with structlog.contextvars.bound_contextvars(source=source.name, kind=source.kind):
        try:
            connector = make_connector(config, source)
            try:
                result = retrying(config.http, sleep)(connector.fetch, Cursor())
            finally:
                connector.close()
        except (SourceError, ConfigError) as err:
            report.error = str(err)
            return report
        report.fetched = len(result.items)
        for item in result.items:
            stored = StoredItem(id=0, item=item, vetted=False)
            report.findings += [(stored, f) for f in engine.vet(item)]
    return report


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
