"""The ``run`` daemon: every source polled on its own schedule, until SIGTERM.

One APScheduler 3.11 ``BackgroundScheduler`` (platform-facts §5) holds:

* ``poll:<source>`` — one interval job per enabled source on the ``default``
  pool (``[service] workers`` threads), so a slow or failing source holds
  one thread and never delays the others. ``max_instances=1``, ``coalesce``,
  a misfire grace of one interval, and jitter whose drift is compensated.
  After a failure the source's next run is pushed back exponentially
  (capped at ``service.backoff_max``) and never before a rate-limit reset
  the connector reported (``resume_at``).
* ``outbox`` — the email flush every ``service.flush_interval``; a poll that
  queued email also flushes at once, in its own thread, so an alert never
  waits for the minute. Flushes never overlap (one would send what the
  other is sending).
* ``audit``, ``purge``, ``digest:*`` — daily and cron jobs in the school's
  time zone (``email.timezone``), on their own small pool.
* ``heartbeat`` — a tick on a pool of its own. The main thread answers
  systemd's watchdog only while the ticks arrive and no job has run past
  ``service.poll_timeout``: a stalled scheduler or a hung poll (a thread
  cannot be killed) then gets the process restarted by systemd, which the
  store's crash safety makes harmless.

The main thread blocks the signals and waits for them synchronously
(``sigtimedwait``), so a handler never runs in the middle of a lock:

* SIGHUP re-reads and validates the config (word lists and the email
  password too); on success the jobs are swapped — new sources added,
  removed ones dropped, changed intervals rescheduled — and all state is
  kept; on failure the old config stays and the reason is logged.
* SIGTERM/SIGINT: no new job starts, running ones get
  ``service.shutdown_timeout`` seconds, the store is closed, exit 0. A job
  still running then is abandoned (``os._exit``): the store's ordering
  makes that as safe as a crash.

``<storage folder>/daemon.json`` (mode 0600) tells ``status`` the next run
of every job while the daemon is alive.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import logging
import os
import random
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config import Config, SourceConfig, load_config
from monitor.digest import KIND as DIGEST_KIND
from monitor.digest import next_due, queue_digest
from monitor.engine import Engine, build_engine
from monitor.errors import ConfigError
from monitor.mailer import Mailer
from monitor.models import utcnow
from monitor.outbox import flush
from monitor.poller import Poller, PollReport
from monitor.sdnotify import Notifier, watchdog_interval
from monitor.store import SourceState, Store

if TYPE_CHECKING:
    from monitor.metrics import Metrics

log = structlog.get_logger(__name__)

SIGNALS = {signal.SIGHUP, signal.SIGTERM, signal.SIGINT}
STATE_FILE = "daemon.json"
#: the heartbeat job's period, and how long without one means the scheduler stalled
HEARTBEAT_EVERY = timedelta(seconds=5)
STALL_AFTER = timedelta(seconds=30)
#: the main loop's longest sleep: watchdog pings, STATUS= and daemon.json
TICK = 5.0
#: flushes one ``flush_now`` call makes before leaving the rest to the outbox job
FLUSH_ROUNDS = 3
#: daemon.json older than this is a daemon that is gone
STATE_FRESH = timedelta(seconds=60)

Clock = Callable[[], datetime]


# -- when a source runs next -------------------------------------------------


def backoff_delay(interval: timedelta, failures: int, cap: timedelta) -> timedelta:
    """The wait before the next poll after ``failures`` failed polls in a row.

    One failure keeps the normal interval (a blip); each further one doubles
    it, up to ``cap`` (or the interval itself, if that is longer).
    """
    if failures <= 1:
        return interval
    # The exponent is bounded so the arithmetic stays small; the cap decides anyway.
    factor: int = 2 ** min(failures - 1, 20)
    return min(interval * factor, max(cap, interval))


def resume_at(state: SourceState, interval: timedelta, cap: timedelta, now: datetime) -> datetime:
    """When ``state``'s source should next be polled (``now`` if due).

    A rate limit the platform announced is honoured to the second, without
    backoff on top (the platform said when); otherwise the next poll comes an
    interval, or the backoff, after the last one. Used at start-up too, so a
    restarted daemon keeps each source's cadence instead of polling them all
    at once.
    """
    if state.rate_limited_until is not None and state.error_category == "rate_limited":
        return max(now, state.rate_limited_until)
    if state.last_poll is None:
        return now
    return max(now, state.last_poll + backoff_delay(interval, state.consecutive_failures, cap))


def poll_trigger(interval: timedelta, jitter_fraction: float) -> IntervalTrigger:
    """An interval trigger whose jittered runs average ``interval``.

    APScheduler adds ``uniform(0, jitter)`` to each run and counts the next
    from the jittered one, so the period drifts to interval + jitter/2
    (platform-facts §5); the trigger's own period is shortened by that much.
    """
    seconds = interval.total_seconds()
    jitter = seconds * jitter_fraction
    return IntervalTrigger(seconds=seconds - jitter / 2, jitter=jitter or None, timezone=UTC)


def daily_trigger(at: str, config: Config, days: str = "*") -> CronTrigger:
    """A cron trigger at local time ``at`` ("HH:MM") on ``days`` in the school's zone.

    Days are names ("mon,tue"): APScheduler 3 numbers weekdays from Monday = 0,
    unlike crontab (platform-facts §5), and names cannot be misread.
    """
    hour, minute = at.split(":")
    return CronTrigger(day_of_week=days, hour=int(hour), minute=int(minute), timezone=config.zone)


class DigestTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler is untyped
    """Fires at every digest time of ``config`` (daily and weekly), from ``monitor.digest``.

    The digest module owns the schedule (days, local times, DST); this only
    hands its answer to APScheduler, so the daemon and ``digest`` agree.
    """

    def __init__(self, config: Config) -> None:
        self.config = config

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The first digest time after the previous run (or after ``now``)."""
        due = next_due(self.config, previous_fire_time or now)
        return due.at if due else None


# -- the daemon ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Runtime:
    """Everything built from one config; a reload swaps it whole, so a job sees one config."""

    config: Config
    engine: Engine
    poller: Poller
    mailer: Mailer


@dataclass(frozen=True, slots=True, kw_only=True)
class JobInfo:
    """One scheduled job, for ``status``."""

    id: str
    next_run: datetime | None
    running_since: datetime | None = None


class Service:
    """The daemon's scheduler, jobs, reload, health and shutdown.

    ``start`` and the job methods are what tests drive; ``serve`` is the
    process's main loop (signals, watchdog) and only runs in the main thread.
    """

    def __init__(
        self,
        config_path: Path,
        config: Config,
        store: Store,
        *,
        notifier: Notifier | None = None,
        clock: Clock = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Build the jobs' world from ``config``.

        Raises:
            ConfigError: the word lists or the email password cannot be read.
        """
        self.config_path = config_path
        self.store = store
        self.notifier = notifier or Notifier()
        self.clock = clock
        self.monotonic = monotonic
        self._stopping = threading.Event()
        self._runtime = self._build(config)
        self._lock = threading.Condition()
        self._running: dict[str, float] = {}
        self._flushing = False
        self._flush_again = False
        self._last_beat = monotonic()
        self._last_outcome: dict[str, bool] = {}
        self._stalled_reported = False
        self._started = utcnow()
        #: only with ``[metrics] enabled`` (a change needs a restart): the idle
        #: daemon does not carry prometheus-client otherwise (0.7 MB)
        self.metrics: Metrics | None = None
        if config.metrics.enabled:
            from monitor.metrics import Metrics, SourceRef  # noqa: PLC0415

            def sources() -> list[SourceRef]:
                return [SourceRef(s.name, s.kind) for s in self._enabled_sources()]

            self.metrics = Metrics(store, sources, clock=clock)
        service = config.service
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={
                "default": ThreadPoolExecutor(service.workers),
                "housekeeping": ThreadPoolExecutor(3),
                "heartbeat": ThreadPoolExecutor(1),
            },
            # Explicit defaults: APScheduler's own grace is 1 s, which drops a
            # run that starts a little late (platform-facts §5).
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )

    @property
    def config(self) -> Config:
        """The config in force."""
        return self._runtime.config

    # -- building ------------------------------------------------------------

    def _build(self, config: Config) -> Runtime:
        engine = build_engine(config)
        _release_freed_memory()
        poller = Poller(config, self.store, engine, clock=self.clock, sleep=self._sleep)
        return Runtime(config=config, engine=engine, poller=poller, mailer=Mailer(config.email))

    def _sleep(self, seconds: float) -> None:
        # Retry waits inside a poll end early at shutdown, so it stays bounded.
        self._stopping.wait(seconds)

    def _enabled_sources(self) -> list[SourceConfig]:
        return [s for s in self.config.sources if s.enabled]

    # -- lifecycle -------------------------------------------------------------

    def start(self, *, paused: bool = False) -> None:
        """Schedule every job and start the scheduler (``paused``: jobs wait, for tests).

        Raises:
            OSError: the metrics endpoint cannot bind its address.
        """
        metrics = self.config.metrics
        if self.metrics is not None:
            port = self.metrics.serve(metrics.host, metrics.port)
            log.info("metrics_listening", host=metrics.host, port=port)
        self.scheduler.start(paused=paused)
        self.scheduler.add_job(
            self.heartbeat,
            IntervalTrigger(seconds=HEARTBEAT_EVERY.total_seconds(), timezone=UTC),
            id="heartbeat",
            executor="heartbeat",
            misfire_grace_time=None,
        )
        self._sync_jobs(None, self.config)
        log.info(
            "service_started",
            sources=len(self._enabled_sources()),
            workers=self.config.service.workers,
            config=str(self.config_path),
        )

    def stop(self, timeout: float | None = None) -> bool:
        """Take no new job, wait up to ``timeout`` for running ones; True if none is left.

        The store is closed only when every job has finished; otherwise a
        job still holds it and the caller must end the process.
        """
        timeout = self.config.service.shutdown_timeout if timeout is None else timeout
        self._stopping.set()
        with contextlib.suppress(Exception):  # already stopped
            self.scheduler.shutdown(wait=False)
        deadline = self.monotonic() + timeout
        with self._lock:
            while self._running and (left := deadline - self.monotonic()) > 0:
                self._lock.wait(left)
            abandoned = sorted(self._running)
        if self.metrics is not None:
            self.metrics.close()
        self._remove_state_file()
        if abandoned:
            log.error("shutdown_timeout", abandoned=abandoned, waited=timeout)
            return False
        self.store.close()
        log.info("service_stopped")
        return True

    # -- jobs --------------------------------------------------------------------

    def _run(self, job_id: str, work: Callable[[], None]) -> None:
        """Run one job: skipped once stopping, tracked for shutdown and watchdog; never raises."""
        if self._stopping.is_set():
            return
        with self._lock:
            self._running[job_id] = self.monotonic()
        # Worker threads do not see the main thread's context (platform-facts §6).
        structlog.contextvars.clear_contextvars()
        try:
            with structlog.contextvars.bound_contextvars(job=job_id):
                work()
        except Exception:  # a bug in one job must not stop the daemon
            log.exception("job_failed", job=job_id)
        finally:
            with self._lock:
                self._running.pop(job_id, None)
                self._lock.notify_all()

    def poll_source(self, name: str) -> None:
        """The ``poll:<name>`` job: poll, count, back off if it failed, send what it queued."""
        self._run(f"poll:{name}", lambda: self._poll(name))

    def _poll(self, name: str) -> None:
        runtime = self._runtime
        try:
            source = runtime.config.source(name)
        except KeyError:  # removed by a reload after this run was queued
            return
        report = runtime.poller.poll(source)
        if self.metrics is not None:
            self.metrics.observe_poll(report)
        self._last_outcome[name] = report.ok
        self._back_off(source, report)
        # Only email never tried yet (what this poll queued, say): rows the
        # server deferred wait for the outbox job, so an SMTP outage is not
        # hammered by every poll.
        if any(row.attempts == 0 for row in self.store.outbox()):
            self.flush_now()

    def _back_off(self, source: SourceConfig, report: PollReport) -> None:
        """After a failed or skipped poll, push the next run back (never forward)."""
        if report.ok:
            return  # the interval trigger already has the next run
        state = self.store.source_state(source.name, source.kind)
        now = self.clock()
        due = resume_at(state, source.interval, self.config.service.backoff_max, now)
        job_id = f"poll:{source.name}"
        job = self.scheduler.get_job(job_id)
        if job is None or (job.next_run_time is not None and job.next_run_time >= due):
            return
        with contextlib.suppress(JobLookupError):  # removed by a reload meanwhile
            self.scheduler.modify_job(job_id, next_run_time=due)
        log.info(
            "poll_backing_off",
            failures=state.consecutive_failures,
            next_poll=due.isoformat(),
            rate_limited=state.rate_limited_until is not None,
        )

    def flush_now(self) -> None:
        """Send what is queued, in this thread. Flushes never overlap: one asked for while
        another runs makes that one go round again, so nothing waits for the next minute."""
        with self._lock:
            if self._flushing:
                self._flush_again = True
                return
            self._flushing = True
            self._flush_again = False
        try:
            # A few rounds at most: with the server down and alerts still
            # arriving, this thread would otherwise never get back to polling.
            for _round in range(FLUSH_ROUNDS):
                runtime = self._runtime
                report = flush(self.store, runtime.config, runtime.mailer, clock=self.clock)
                if report.sent or report.failed or report.error:
                    log.info(
                        "outbox_flushed",
                        sent=report.sent,
                        failed=report.failed,
                        pending=report.pending,
                    )
                with self._lock:
                    if not self._flush_again:
                        return
                    self._flush_again = False
            log.info("outbox_flush_deferred", reason="more email queued; the outbox job sends it")
        finally:
            with self._lock:
                self._flushing = False

    def flush_job(self) -> None:
        """The ``outbox`` job."""
        self._run("outbox", self.flush_now)

    def audit(self) -> None:
        """The daily ``audit`` job: every account's About page (``monitor.audit``)."""

        def work() -> None:
            from monitor.audit import run_audit  # noqa: PLC0415 - platform code on first use

            runtime = self._runtime
            results = run_audit(
                runtime.config, self.store, self.clock(), engine=runtime.engine, sleep=self._sleep
            )
            log.info("audit_finished", accounts=len(results))
            self.flush_now()

        self._run("audit", work)

    def digest(self) -> None:
        """The ``digest`` job: queue the digest(s) whose time has come, and send them.

        ``queue_digest`` queues each scheduled slot once (an outbox key per
        slot), so a second run, or one after a restart, queues nothing new.
        """

        def work() -> None:
            runtime, now = self._runtime, self.clock()
            queued = [
                w for w in (False, True) if queue_digest(runtime.config, self.store, now, weekly=w)
            ]
            if queued:
                log.info("digest_queued", weekly=True in queued, daily=False in queued)
                self.flush_now()

        self._run("digest", work)

    def purge(self) -> None:
        """The daily ``purge`` job: findings and evidence past ``storage.retention_days``."""

        def work() -> None:
            days = self.config.storage.retention_days
            report = self.store.purge(self.clock() - timedelta(days=days))
            log.info(
                "retention_purged",
                retention_days=days,
                items=report.items,
                findings=report.findings,
                emails=report.emails,
            )

        self._run("purge", work)

    def heartbeat(self) -> None:
        """The ``heartbeat`` job: proves the scheduler still dispatches jobs."""
        with self._lock:
            self._last_beat = self.monotonic()

    # -- scheduling ----------------------------------------------------------

    def _sync_jobs(self, old: Config | None, new: Config) -> dict[str, list[str]]:
        """Make the scheduled jobs match ``new``; returns the sources added, changed, removed."""
        wanted = {s.name: s for s in new.sources if s.enabled}
        scheduled = {
            job.id.removeprefix("poll:")
            for job in self.scheduler.get_jobs()
            if job.id[:5] == "poll:"
        }
        changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
        for name in sorted(scheduled - wanted.keys()):
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(f"poll:{name}")
            changes["removed"].append(name)
        now = self.clock()
        cap = new.service.backoff_max
        jitter_changed = old is not None and old.service.jitter != new.service.jitter
        for name, source in wanted.items():
            before = _find(old, name)
            if name not in scheduled:
                state = self.store.source_state(name, source.kind)
                # Spread the first polls so a start (or restart) is no thundering herd.
                spread = random.uniform(0, min(source.interval.total_seconds(), 30) * 0.5)
                first = resume_at(state, source.interval, cap, now) + timedelta(seconds=spread)
                self._add_poll(source, new, first)
                changes["added"].append(name)
                continue
            if jitter_changed or (before is not None and before.interval != source.interval):
                # A new trigger; the next run stays, or comes sooner for a shorter interval.
                job = self.scheduler.get_job(f"poll:{name}")
                soonest = now + source.interval
                first = job.next_run_time if job and job.next_run_time else soonest
                self._add_poll(source, new, min(first, soonest))
            if before is not None and before != source:
                # Other keys (url, hide...) are read from the config at each run.
                changes["changed"].append(name)
        self._schedule_housekeeping(new)
        return changes

    def _add_poll(self, source: SourceConfig, config: Config, first: datetime) -> None:
        self.scheduler.add_job(
            self.poll_source,
            poll_trigger(source.interval, config.service.jitter),
            args=[source.name],
            id=f"poll:{source.name}",
            name=f"poll {source.name}",
            replace_existing=True,
            next_run_time=first,
            # A run later than one interval would be followed at once by the
            # next; later than that it is dropped (coalesced), never doubled.
            misfire_grace_time=max(int(source.interval.total_seconds()), 1),
        )

    def _schedule_housekeeping(self, config: Config) -> None:
        service = config.service
        self.scheduler.add_job(
            self.flush_job,
            IntervalTrigger(seconds=service.flush_interval.total_seconds(), timezone=UTC),
            id="outbox",
            executor="housekeeping",
            replace_existing=True,
            next_run_time=self.clock(),  # whatever a previous run left queued goes at once
        )
        # Daily jobs: a run the machine slept through still happens within hours.
        daily_grace = 6 * 3600
        self.scheduler.add_job(
            self.audit,
            daily_trigger(service.audit_at, config),
            id="audit",
            executor="housekeeping",
            replace_existing=True,
            misfire_grace_time=daily_grace,
        )
        self.scheduler.add_job(
            self.purge,
            daily_trigger(service.purge_at, config),
            id="purge",
            executor="housekeeping",
            replace_existing=True,
            misfire_grace_time=daily_grace,
        )
        trigger = DigestTrigger(config)
        if trigger.get_next_fire_time(None, self.clock()) is None:  # no digest configured
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job("digest")
            return
        # A daemon that was down at a digest time sends it when it is back;
        # a first start sends none (no digest yet: nothing was missed).
        caught_up = self.store.latest_outbox(DIGEST_KIND, "") is not None
        self.scheduler.add_job(
            self.digest,
            trigger,
            id="digest",
            executor="housekeeping",
            replace_existing=True,
            misfire_grace_time=daily_grace,
            **(
                {"next_run_time": self.clock()}
                if caught_up and self.scheduler.get_job("digest") is None
                else {}
            ),
        )

    def jobs(self) -> list[JobInfo]:
        """Every scheduled job and its next run, soonest first."""
        with self._lock:
            running = dict(self._running)
        now_mono, now = self.monotonic(), utcnow()
        infos = [
            JobInfo(
                id=job.id,
                next_run=job.next_run_time,
                running_since=(
                    now - timedelta(seconds=now_mono - running[job.id])
                    if job.id in running
                    else None
                ),
            )
            for job in self.scheduler.get_jobs()
        ]
        far = datetime.max.replace(tzinfo=UTC)
        return sorted(infos, key=lambda j: (j.next_run or far, j.id))

    # -- reload ----------------------------------------------------------------

    def reload(self) -> bool:
        """Re-read the config; swap the jobs on success, keep the old config on failure."""
        self.notifier.reloading()
        old = self.config
        try:
            new = load_config(self.config_path)
            if new.storage.path != old.storage.path:
                raise ConfigError(
                    f"storage.path changed from {old.storage.path} to {new.storage.path}: "
                    "restart the service to move the database"
                )
            runtime = self._build(new)
        except ConfigError as err:
            log.error("reload_failed", error=str(err), kept=str(self.config_path))
            self.notifier.ready(f"reload failed, old config kept: {err}")
            return False
        except Exception:
            log.exception("reload_failed")
            self.notifier.ready("reload failed, old config kept")
            return False
        self._runtime = runtime
        changes = self._sync_jobs(old, new)
        for key in ("workers", "metrics"):
            before = old.service.workers if key == "workers" else old.metrics
            after = new.service.workers if key == "workers" else new.metrics
            if before != after:
                log.warning("reload_needs_restart", key=key)
        log.info("reload_finished", **changes)
        self.notifier.ready(self.status_line())
        return True

    # -- health ------------------------------------------------------------------

    def alive(self) -> bool:
        """True while the scheduler ticks and no job has run past ``service.poll_timeout``."""
        now = self.monotonic()
        limit = self.config.service.poll_timeout.total_seconds()
        with self._lock:
            silent = now - self._last_beat
            hung = sorted(j for j, since in self._running.items() if now - since > limit)
        healthy = silent <= STALL_AFTER.total_seconds() and not hung
        if not healthy and not self._stalled_reported:
            # Once: systemd's watchdog restarts the process if it is set.
            log.error("service_stalled", seconds_since_heartbeat=round(silent), hung_jobs=hung)
        self._stalled_reported = not healthy
        return healthy

    def status_line(self) -> str:
        """One line for ``systemctl status``: sources, failures, queued email."""
        names = [s.name for s in self._enabled_sources()]
        failing = [n for n in names if self._last_outcome.get(n) is False]
        queued = len(self.store.outbox())
        line = f"{len(names)} sources"
        line += f", {len(failing)} failing ({', '.join(failing[:3])})" if failing else ", all ok"
        return line + f"; {queued} emails queued"

    def write_state_file(self) -> None:
        """Write ``daemon.json`` beside the database (mode 0600, atomically)."""
        state = {
            "pid": os.getpid(),
            "started_at": self._started.isoformat(),
            "updated_at": utcnow().isoformat(),
            "config": str(self.config_path),
            "jobs": [
                {
                    "id": j.id,
                    "next_run": j.next_run.isoformat() if j.next_run else None,
                    "running_since": j.running_since.isoformat() if j.running_since else None,
                }
                for j in self.jobs()
            ],
        }
        folder = self.config.storage.path.parent
        fd, tmp = tempfile.mkstemp(prefix=".daemon.", dir=folder)  # created 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(state, out, indent=1)
            Path(tmp).replace(folder / STATE_FILE)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _remove_state_file(self) -> None:
        (self.config.storage.path.parent / STATE_FILE).unlink(missing_ok=True)

    # -- the main loop ---------------------------------------------------------

    def serve(self) -> bool:
        """Answer signals and the watchdog until SIGTERM/SIGINT; then ``stop``.

        Must run in the main thread with ``SIGNALS`` blocked in every thread
        (``run_service`` blocks them before any thread starts). Returns what
        ``stop`` returns.
        """
        watchdog = watchdog_interval()
        tick = min(TICK, watchdog.total_seconds() / 3) if watchdog else TICK
        self.notifier.ready(self.status_line())
        log.info("service_ready", watchdog=watchdog.total_seconds() if watchdog else None)
        last_status = ""
        while True:
            self._tick(watchdog is not None)
            status = self.status_line()
            if status != last_status:
                self.notifier.status(status)
                last_status = status
            received = signal.sigtimedwait(SIGNALS, tick)
            if received is None:
                continue
            if received.si_signo == signal.SIGHUP:
                log.info("reload_requested")
                self.reload()
                last_status = ""
                continue
            log.info("stop_requested", signal=signal.Signals(received.si_signo).name)
            break
        self.notifier.stopping()
        return self.stop()

    def _tick(self, watchdog: bool) -> None:
        if self.alive() and watchdog:
            self.notifier.watchdog()
        try:
            self.write_state_file()
        except OSError as err:  # status loses the next runs; the daemon goes on
            log.warning("state_file_failed", error=str(err))


def _find(config: Config | None, name: str) -> SourceConfig | None:
    if config is None:
        return None
    try:
        return config.source(name)
    except KeyError:
        return None


# -- for the CLI ----------------------------------------------------------------


def run_service(config_path: Path, config: Config) -> int:
    """``social-monitor run``: the daemon, until SIGTERM. Returns the exit code.

    Raises:
        ConfigError: the word lists or the email password cannot be read (exit 2).
    """
    # Blocked before any thread exists, so every thread inherits the mask and
    # only the main loop's sigtimedwait ever sees these signals.
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    # "Running job" and "executed successfully" for every poll would bury the
    # journal; the jobs log what they did, and APScheduler's warnings stay.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    try:
        store = Store(config.storage.path)
    except (OSError, sqlite3.Error) as err:
        log.error("store_open_failed", path=str(config.storage.path), error=str(err))
        return 1
    try:
        service = Service(config_path, config, store)
        service.start()
    except ConfigError:
        store.close()
        raise
    except OSError as err:
        log.error("service_start_failed", error=str(err))
        store.close()
        return 1
    if service.serve():
        return 0
    # A job is still running past the shutdown bound: its thread cannot be
    # stopped and would hold the interpreter's exit. The store's orderings
    # make ending now as safe as a crash.
    sys.stderr.flush()
    os._exit(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class DaemonState:
    """What ``daemon.json`` says: the running daemon's pid and next run per job."""

    pid: int
    started_at: datetime
    updated_at: datetime
    jobs: list[JobInfo]


def read_state(db_path: Path, now: datetime | None = None) -> DaemonState | None:
    """The running daemon's state from beside ``db_path``; None if absent, unreadable or stale."""
    now = now or utcnow()
    try:
        data: dict[str, Any] = json.loads((db_path.parent / STATE_FILE).read_text("utf-8"))
        updated = datetime.fromisoformat(data["updated_at"])
        if now - updated > STATE_FRESH:
            return None
        return DaemonState(
            pid=int(data["pid"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            updated_at=updated,
            jobs=[
                JobInfo(
                    id=str(j["id"]),
                    next_run=_opt_dt(j.get("next_run")),
                    running_since=_opt_dt(j.get("running_since")),
                )
                for j in data["jobs"]
            ],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _opt_dt(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _release_freed_memory() -> None:
    """Give back to the system the memory building the rules used and freed.

    Compiling the word lists' patterns takes several times the memory they
    keep. Freed, most of it stays in the C allocator's heap and would count
    against the daemon's resident memory for as long as it runs: glibc's
    ``malloc_trim`` returns it. Where there is no such call (musl,
    macOS) nothing is done.
    """
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
