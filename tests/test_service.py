"""The ``run`` daemon: schedule, backoff, reload, shutdown, retention, and the real process.

The scheduler is driven by hand where it can be: the service is started
paused, jobs are called as the scheduler would call them, and time is a fake
clock. The process tests start ``social-monitor run`` against the local feed
and SMTP servers with one-second intervals and wait for what can be observed
(a request, an email, a datagram, an exit) with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
import structlog

import connectors
from connectors.feeds import FeedConnector
from monitor.config import load_config
from monitor.connector import Capabilities
from monitor.errors import RateLimited, TemporaryError
from monitor.models import Cursor, FetchResult, HideResult, Item, ItemKind, Profile
from monitor.sandbox.feed_server import FeedServer, wordpress_comments_feed
from monitor.sandbox.smtp_server import SmtpServer
from monitor.sdnotify import Notifier
from monitor.service import (
    STALL_AFTER,
    DigestTrigger,
    Service,
    backoff_delay,
    poll_trigger,
    read_state,
    resume_at,
)
from monitor.store import ActionState, OutboxRequest, SourceState, Store
from tests.conftest import MINIMAL
from tests.scripted import SCRIPT, START, FakeClock

ABUSIVE = "this school is a f*cking joke"
BENIGN = "Lovely photos from the trip, thank you!"
SCRIPT_PATH = Path(sys.executable).with_name("social-monitor")
# The tests' base config with the digest off: these tests count emails.
BASE = MINIMAL.replace("timeout = 5\n", "timeout = 5\ndigest = []\n")


def source_toml(name: str, url: str = "https://blog.test/feed", **keys: str) -> str:
    extra = "".join(f'{k} = "{v}"\n' for k, v in keys.items())
    return f'[[sources]]\nname = "{name}"\nkind = "feed"\nurl = "{url}"\n{extra}'


def comment(pid: str, text: str) -> Item:
    return Item(
        source="blog",
        platform_id=pid,
        kind=ItemKind.COMMENT,
        text=text,
        created_at=START,
        permalink=f"https://blog.test/#comment-{pid}",
    )


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- when a source runs next ----------------------------------------------------


def state(**kw: Any) -> SourceState:
    fields: dict[str, Any] = {
        "name": "blog",
        "kind": "feed",
        "cursor": Cursor(),
        "last_poll": None,
        "last_success": None,
        "last_error": None,
        "error_category": None,
        "consecutive_failures": 0,
        "failing_since": None,
        "rate_limited_until": None,
        "failure_reported": False,
        "items_seen": 0,
    }
    return SourceState(**(fields | kw))


FIVE = timedelta(minutes=5)
HOUR = timedelta(hours=1)


class TestBackoff:
    @pytest.mark.parametrize(
        ("interval", "failures", "expected"),
        [
            (FIVE, 0, FIVE),
            (FIVE, 1, FIVE),  # one failure is a blip: the normal interval
            (FIVE, 2, 2 * FIVE),
            (FIVE, 3, 4 * FIVE),
            (FIVE, 4, 8 * FIVE),
            (FIVE, 5, HOUR),  # 16 x 5 min is capped
            (FIVE, 500, HOUR),
            (2 * HOUR, 3, 2 * HOUR),  # the cap never shortens a long interval
        ],
    )
    def test_doubles_per_failure_up_to_the_cap(
        self, interval: timedelta, failures: int, expected: timedelta
    ) -> None:
        """The wait doubles with each failure after the first, capped at backoff_max."""
        assert backoff_delay(interval, failures, HOUR) == expected

    @pytest.mark.parametrize(
        ("kw", "expected"),
        [
            ({}, START),
            ({"last_poll": START - timedelta(minutes=1)}, START + timedelta(minutes=4)),
            ({"last_poll": START - HOUR}, START),
            (
                {"last_poll": START, "consecutive_failures": 3, "last_error": "x"},
                START + 4 * FIVE,
            ),
            (
                {
                    "last_poll": START,
                    "consecutive_failures": 9,
                    "error_category": "rate_limited",
                    "rate_limited_until": START + timedelta(seconds=42),
                },
                START + timedelta(seconds=42),  # the platform said when: no backoff on top
            ),
            (
                {
                    "error_category": "rate_limited",
                    "rate_limited_until": START - timedelta(seconds=1),
                },
                START,
            ),
        ],
        ids=["never-polled", "cadence-kept", "overdue", "failing", "rate-limited", "reset-passed"],
    )
    def test_resume_at(self, kw: dict[str, Any], expected: datetime) -> None:
        """The next poll from what the store knows: cadence, backoff, rate-limit reset."""
        assert resume_at(state(**kw), FIVE, HOUR, START) == expected

    def test_jitter_drift_is_compensated(self) -> None:
        """The trigger's period is shortened by half the jitter, so runs average the interval."""
        trigger = poll_trigger(FIVE, 0.1)
        assert trigger.interval_length == 300 - 15
        assert trigger.jitter == 30
        assert trigger.interval_length + trigger.jitter / 2 == FIVE.total_seconds()


class TestDigestTrigger:
    def test_follows_the_digest_schedule(self, write_config: Callable[..., Path]) -> None:
        """Weekday mornings at the configured local time; Friday's next is Monday's."""
        config = load_config(write_config())  # default: 07:30 Monday to Friday
        trigger = DigestTrigger(config)
        monday = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # London is on UTC in November
        first = trigger.get_next_fire_time(None, monday)
        assert first == datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
        friday = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)
        assert trigger.get_next_fire_time(friday, friday) == datetime(
            2026, 11, 30, 7, 30, tzinfo=UTC
        )

    def test_none_when_the_digest_is_off(self, write_config: Callable[..., Path]) -> None:
        """``digest = []`` schedules no digest job."""
        config = load_config(write_config(base=BASE))
        assert DigestTrigger(config).get_next_fire_time(None, START) is None


# -- the service in this process -------------------------------------------------


@pytest.fixture(autouse=True)
def _scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process services poll through the scripted connector (process tests use real feeds)."""
    SCRIPT.__init__()  # type: ignore[misc]
    monkeypatch.setitem(connectors.REGISTRY, "feed", "tests.scripted:ScriptedConnector")


@pytest.fixture(name="smtp")
def fixture_smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@dataclass
class World:
    """A started (paused) service with its fake clocks."""

    service: Service
    clock: FakeClock
    mono: FakeMonotonic
    path: Path

    def rewrite(self, extra: str) -> None:
        """Replace the config file's sources with ``extra`` (as an admin edits it)."""
        text = self.path.read_text()
        head = text.split("[[sources]]")[0]
        self.path.write_text(head + extra)

    def next_run(self, job_id: str) -> datetime:
        job = self.service.scheduler.get_job(job_id)
        assert job is not None, job_id
        assert job.next_run_time is not None
        run: datetime = job.next_run_time
        return run


@pytest.fixture(name="world")
def fixture_world(
    write_config: Callable[..., Path], smtp: SmtpServer
) -> Iterator[Callable[..., World]]:
    made: list[Service] = []

    def make(extra: str = source_toml("blog"), base: str = BASE) -> World:
        path = write_config(extra, smtp_port=smtp.port, base=base)
        config = load_config(path)
        clock, mono = FakeClock(), FakeMonotonic()
        service = Service(
            path, config, Store(config.storage.path), notifier=Notifier(""), clock=clock,
            monotonic=mono,
        )  # fmt: skip
        service.start(paused=True)
        made.append(service)
        return World(service=service, clock=clock, mono=mono, path=path)

    yield make
    for service in made:
        service.stop(timeout=5)


def poll_job_ids(service: Service) -> set[str]:
    return {j.id for j in service.jobs() if j.id.startswith("poll:")}


class TestSchedule:
    def test_one_job_per_enabled_source_and_the_housekeeping(
        self, world: Callable[..., World]
    ) -> None:
        """Each enabled source has its poll job; the outbox, audit, purge and heartbeat too."""
        w = world(source_toml("blog") + source_toml("news"))
        ids = {j.id for j in w.service.jobs()}
        assert ids == {"poll:blog", "poll:news", "outbox", "audit", "purge", "heartbeat"}

    def test_digest_job_when_configured(self, world: Callable[..., World]) -> None:
        """With ``email.digest`` times set, one digest job follows monitor.digest's schedule."""
        w = world()
        w.path.write_text(w.path.read_text().replace("digest = []", 'digest = ["07:30"]'))
        assert w.service.reload()
        job = w.service.scheduler.get_job("digest")
        assert isinstance(job.trigger, DigestTrigger)

    def test_disabled_source_has_no_job(self, world: Callable[..., World]) -> None:
        """``enabled = false`` keeps a source in the config without polling it."""
        w = world(source_toml("blog") + '[[sources]]\nname = "old"\nkind = "feed"\n'
                  'url = "https://old.test/f"\nenabled = false\n')  # fmt: skip
        assert poll_job_ids(w.service) == {"poll:blog"}

    def test_a_missed_digest_is_sent_when_the_daemon_is_back(
        self, world: Callable[..., World], write_config: Callable[..., Path]
    ) -> None:
        """Digests were sent before: the digest job runs at start to catch up a missed one."""
        path = write_config(source_toml("blog"), base=MINIMAL)
        with Store(load_config(path).storage.path) as store:
            earlier = OutboxRequest(
                key="digest:daily:slot:x",
                kind="digest",
                message_id="<d@t>",
                recipients=("slt@test.sch.uk",),
                payload={"end": START.isoformat()},
            )
            store.queue([earlier], START)
        w = world(base=MINIMAL)
        assert w.next_run("digest") == w.clock.now

    def test_a_first_start_sends_no_digest_at_once(self, world: Callable[..., World]) -> None:
        """A new install waits for the first digest time (nothing was missed)."""
        w = world(base=MINIMAL)
        assert w.next_run("digest") > datetime.now(UTC)

    def test_poll_jobs_are_explicit(self, world: Callable[..., World]) -> None:
        """max_instances 1, coalesce, a grace of one interval, on the source pool."""
        w = world(source_toml("blog", interval="2m"))
        job = w.service.scheduler.get_job("poll:blog")
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 120)
        assert job.executor == "default"
        housekeeping = {j.id: j for j in w.service.scheduler.get_jobs()}
        assert housekeeping["outbox"].executor == "housekeeping"
        assert housekeeping["heartbeat"].executor == "heartbeat"
        assert housekeeping["audit"].misfire_grace_time == 6 * 3600

    def test_a_restart_keeps_the_backoff_of_a_failing_source(
        self, world: Callable[..., World], write_config: Callable[..., Path]
    ) -> None:
        """The first run after a start honours what the store says (failures, rate limits)."""
        path = write_config(source_toml("blog"), base=BASE)
        with Store(load_config(path).storage.path) as store:
            for _ in range(3):
                store.record_failure(
                    source="blog", kind="feed", error="down", category="temporary", now=START
                )
        w = world()
        first = w.next_run("poll:blog")
        assert START + 4 * FIVE <= first <= START + 4 * FIVE + timedelta(seconds=15)


class TestPollJob:
    def test_alert_is_sent_right_after_the_poll(
        self, world: Callable[..., World], smtp: SmtpServer
    ) -> None:
        """An abusive comment is vetted, stored and emailed in the poll's own run."""
        w = world()
        SCRIPT.fetches = [[comment("1", ABUSIVE), comment("2", BENIGN)]]
        w.service.poll_source("blog")
        assert len(smtp.messages) == 1
        assert smtp.messages[0]["To"] == "slt@test.sch.uk"
        assert SCRIPT.hidden == ["1"]
        assert w.service.store.outbox() == []

    def test_deferred_email_waits_for_the_outbox_job(
        self, world: Callable[..., World], smtp: SmtpServer
    ) -> None:
        """With the mail server down, later polls do not hammer it; the outbox job retries."""
        w = world()
        smtp.stop()
        SCRIPT.fetches = [[comment("1", ABUSIVE)]]
        w.service.poll_source("blog")
        smtp.start()
        w.service.poll_source("blog")
        assert smtp.messages == []
        w.service.flush_job()
        assert len(smtp.messages) == 1

    def test_failures_back_off_exponentially(self, world: Callable[..., World]) -> None:
        """Each failed poll pushes the next run further: 5, 10, 20 minutes."""
        w = world()
        SCRIPT.fetches = [TemporaryError("timeout")] * 3
        for expected in (FIVE, 2 * FIVE, 4 * FIVE):
            w.service.poll_source("blog")
            assert w.next_run("poll:blog") == w.clock.now + expected
            w.clock.now += expected

    def test_rate_limit_reset_is_honoured(self, world: Callable[..., World]) -> None:
        """A rate-limited source next runs exactly when the platform said it may."""
        w = world()
        until = START + timedelta(minutes=15)
        SCRIPT.fetches = [RateLimited("429", until=until)]
        w.service.poll_source("blog")
        assert w.next_run("poll:blog") == until

    def test_one_source_failing_does_not_move_the_others(self, world: Callable[..., World]) -> None:
        """Backoff is per source: the healthy source keeps its schedule."""
        w = world(source_toml("blog") + source_toml("news"))
        news = w.next_run("poll:news")
        SCRIPT.fetches = [TemporaryError("down")] * 3
        for _ in range(3):
            w.service.poll_source("blog")
            w.clock.now += HOUR
        assert w.next_run("poll:news") == news
        assert w.next_run("poll:blog") > news

    def test_success_leaves_the_schedule_alone(self, world: Callable[..., World]) -> None:
        """A healthy poll never moves its own next run (the trigger has it)."""
        w = world()
        before = w.next_run("poll:blog")
        w.service.poll_source("blog")
        assert w.next_run("poll:blog") == before

    def test_a_poll_removed_by_a_reload_does_nothing(self, world: Callable[..., World]) -> None:
        """A run queued before its source was removed finds no source and returns."""
        w = world()
        w.service.poll_source("gone")
        assert SCRIPT.fetch_calls == 0


class TestReload:
    def test_added_changed_and_removed_sources(self, world: Callable[..., World]) -> None:
        """New sources get jobs, removed ones lose them, a new interval a new trigger."""
        w = world(source_toml("blog") + source_toml("news"))
        w.rewrite(source_toml("blog", interval="10m") + source_toml("photos"))
        assert w.service.reload()
        assert poll_job_ids(w.service) == {"poll:blog", "poll:photos"}
        blog = w.service.scheduler.get_job("poll:blog")
        assert blog.trigger.interval_length == 600 - 30
        assert w.service.config.source("blog").interval == timedelta(minutes=10)

    def test_state_is_kept(self, world: Callable[..., World]) -> None:
        """The store and its cursors stay: nothing already seen is vetted again."""
        w = world()
        SCRIPT.fetches = [[comment("1", ABUSIVE)], [comment("1", ABUSIVE)]]
        w.service.poll_source("blog")
        w.rewrite(source_toml("blog") + source_toml("news"))
        assert w.service.reload()
        w.service.poll_source("blog")
        assert len(w.service.store.findings()) == 1

    @pytest.mark.parametrize(
        ("broken", "reason"),
        [
            ("[[sources]]\nname = 'x'\nkind = 'feed'\n", "url"),
            ("this is not toml [", "TOML"),
            ("[rules.abuse]\nextra_terms_files = ['/nonexistent/terms.txt']\n", "terms"),
        ],
        ids=["invalid-key", "not-toml", "unreadable-word-list"],
    )
    def test_broken_config_keeps_the_old_one(
        self,
        world: Callable[..., World],
        broken: str,
        reason: str,
    ) -> None:
        """A config that does not validate is logged and the daemon goes on as it was."""
        w = world(source_toml("blog"))
        w.rewrite(source_toml("blog") + source_toml("news") + broken)
        with structlog.testing.capture_logs() as logs:
            assert not w.service.reload()
        assert poll_job_ids(w.service) == {"poll:blog"}
        assert [s.name for s in w.service.config.sources] == ["blog"]
        (failed,) = [e for e in logs if e["event"] == "reload_failed"]
        assert reason in failed["error"]

    def test_moving_the_database_needs_a_restart(self, world: Callable[..., World]) -> None:
        """storage.path cannot change under a running daemon."""
        w = world()
        w.path.write_text(w.path.read_text().replace("state/monitor.db", "other/monitor.db"))
        assert not w.service.reload()
        assert w.service.config.storage.path.parent.name == "state"


class TestHealth:
    def test_watchdog_needs_the_heartbeat(self, world: Callable[..., World]) -> None:
        """No heartbeat for STALL_AFTER: not alive, so systemd's watchdog fires."""
        w = world()
        w.service.heartbeat()
        assert w.service.alive()
        w.mono.now += STALL_AFTER.total_seconds() + 1
        assert not w.service.alive()
        w.service.heartbeat()
        assert w.service.alive()

    def test_a_hung_poll_stops_the_watchdog(self, world: Callable[..., World]) -> None:
        """A job running past poll_timeout cannot be killed: the process must restart."""
        w = world()
        with Blocking.fetching() as release:
            t = threading.Thread(target=w.service.poll_source, args=("blog",))
            t.start()
            wait_until(lambda: "poll:blog" in w.service._running, "the poll starts")
            w.mono.now += 29 * 60
            w.service.heartbeat()
            assert w.service.alive()
            w.mono.now += 2 * 60
            w.service.heartbeat()
            assert not w.service.alive()
            release.set()
            t.join(5)

    def test_status_line(self, world: Callable[..., World]) -> None:
        """One line for systemctl status: sources, failing ones, queued email."""
        w = world(source_toml("blog") + source_toml("news"))
        assert w.service.status_line() == "2 sources, all ok; 0 emails queued"
        SCRIPT.fetches = [TemporaryError("down")]
        w.service.poll_source("blog")
        assert w.service.status_line() == "2 sources, 1 failing (blog); 0 emails queued"

    def test_state_file_for_status(self, world: Callable[..., World]) -> None:
        """daemon.json (0600) gives each job's next run while fresh, nothing once stale."""
        w = world()
        w.service.write_state_file()
        path = w.service.config.storage.path.parent / "daemon.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        found = read_state(w.service.config.storage.path)
        assert found is not None
        assert found.pid == os.getpid()
        assert {j.id for j in found.jobs} >= {"poll:blog", "outbox"}
        later = datetime.now(UTC) + timedelta(minutes=5)
        assert read_state(w.service.config.storage.path, later) is None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class TestMetricsEndpoint:
    def test_serves_the_daemons_polls(self, world: Callable[..., World]) -> None:
        """With [metrics] enabled, /metrics counts the polls the daemon ran."""
        port = free_port()
        w = world(base=BASE + f"\n[metrics]\nenabled = true\nport = {port}\n")
        SCRIPT.fetches = [[comment("1", BENIGN)]]
        w.service.poll_source("blog")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
        assert 'social_monitor_polls_total{outcome="ok",source="blog"} 1.0' in text
        assert 'social_monitor_items_total{source="blog"} 1.0' in text

    def test_off_by_default_without_prometheus_client(self) -> None:
        """The idle daemon does not carry prometheus-client unless the endpoint is on."""
        code = "import sys, monitor.service; print('prometheus_client' in sys.modules)"
        loaded = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert loaded == "False"


class Blocking:
    """A connector whose fetch waits until the test releases it (a slow platform)."""

    capabilities: ClassVar[Capabilities] = Capabilities()
    release = threading.Event()

    def __init__(self, source: object, http: object) -> None:
        pass

    @classmethod
    def fetching(cls) -> _Releaser:
        cls.release = threading.Event()
        connectors.REGISTRY["feed"] = "tests.test_service:Blocking"
        return _Releaser(cls.release)

    def fetch(self, cursor: Cursor) -> FetchResult:
        self.release.wait(10)
        return FetchResult(items=(), cursor=cursor)

    def hide(self, item: Item) -> HideResult:
        return HideResult(ok=False)

    def read_profile(self) -> Profile | None:
        return None

    def close(self) -> None:
        pass


@dataclass
class _Releaser:
    event: threading.Event

    def __enter__(self) -> threading.Event:
        return self.event

    def __exit__(self, *exc: object) -> None:
        self.event.set()


def wait_until(condition: Callable[[], object], what: str, timeout: float = 20) -> None:
    """Wait for an observable condition, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting until {what}")
        time.sleep(0.02)


class TestShutdown:
    def test_running_job_finishes_then_the_store_closes(self, world: Callable[..., World]) -> None:
        """stop waits for a running poll, then closes the store and reports a clean stop."""
        w = world()
        with Blocking.fetching() as release:
            t = threading.Thread(target=w.service.poll_source, args=("blog",))
            t.start()
            wait_until(lambda: "poll:blog" in w.service._running, "the poll starts")
            threading.Timer(0.2, release.set).start()
            assert w.service.stop(timeout=10)
        t.join(5)
        with pytest.raises(sqlite3.ProgrammingError):
            w.service.store.outbox()

    def test_a_job_past_the_bound_is_abandoned(self, world: Callable[..., World]) -> None:
        """A poll still running at the deadline is reported; the caller ends the process."""
        w = world()
        with Blocking.fetching():
            t = threading.Thread(target=w.service.poll_source, args=("blog",))
            t.start()
            wait_until(lambda: "poll:blog" in w.service._running, "the poll starts")
            assert not w.service.stop(timeout=0)
        t.join(5)

    def test_no_job_starts_once_stopping(self, world: Callable[..., World]) -> None:
        """After stop, a queued run returns without polling."""
        w = world()
        w.service.stop(timeout=1)
        w.service.poll_source("blog")
        assert SCRIPT.fetch_calls == 0


class TestRetentionPurge:
    @pytest.fixture(name="store")
    def fixture_store(self, tmp_path: Path) -> Iterator[Store]:
        with Store(tmp_path / "monitor.db") as store:
            yield store

    def fetch_and_vet(self, store: Store, pid: str, text: str, at: datetime) -> int:
        store.save_fetch(source="blog", kind="feed", items=[comment(pid, text)],
                         cursor=Cursor(position=pid), now=at)  # fmt: skip
        stored = next(s for s in store.unvetted("blog") if s.item.platform_id == pid)
        from monitor.models import ActionKind, Finding, Severity  # noqa: PLC0415

        found = Finding(
            rule="abuse", severity=Severity.HIGH, action=ActionKind.HIDE, match="f*cking",
            start=17, end=24,
        )  # fmt: skip
        store.save_vetting(findings=[(stored.id, [found])], actions=[], outbox=[], now=at)
        return stored.id

    def test_old_evidence_goes_ids_stay(self, store: Store) -> None:
        """Past retention: findings deleted, text blanked, the id kept so it is never re-vetted."""
        old = self.fetch_and_vet(store, "1", ABUSIVE, START - timedelta(days=400))
        self.fetch_and_vet(store, "2", ABUSIVE, START)
        report = store.purge(START - timedelta(days=365))
        assert (report.items, report.findings) == (1, 1)
        assert [f.item.platform_id for f in store.findings()] == ["2"]
        row = store._db.execute("SELECT * FROM items WHERE id=?", (old,)).fetchone()
        assert (row["text"], row["raw"], row["author_name"], row["permalink"]) == (
            "",
            "{}",
            None,
            None,
        )
        assert row["vetted_at"] is not None
        new = store.save_fetch(source="blog", kind="feed", items=[comment("1", ABUSIVE)],
                               cursor=Cursor(), now=START)  # fmt: skip
        assert new == 0
        assert store.unvetted("blog") == []

    def test_repeating_is_harmless(self, store: Store) -> None:
        """A second purge finds nothing more to do."""
        self.fetch_and_vet(store, "1", ABUSIVE, START - timedelta(days=400))
        store.purge(START)
        again = store.purge(START)
        assert (again.items, again.findings, again.emails) == (0, 0, 0)

    def test_unfinished_work_is_kept(self, store: Store) -> None:
        """Items not yet vetted, with a pending hide, or in an unsent alert are kept whole."""
        long_ago = START - timedelta(days=400)
        store.save_fetch(source="blog", kind="feed", items=[comment("u", ABUSIVE)],
                         cursor=Cursor(), now=long_ago)  # fmt: skip
        (unvetted,) = store.unvetted("blog")
        pending = self.fetch_and_vet(store, "p", ABUSIVE, long_ago)
        store.set_action(pending, "hide", state=ActionState.PENDING, detail="", now=long_ago)
        queued = self.fetch_and_vet(store, "q", ABUSIVE, long_ago)
        store.queue(
            [OutboxRequest(key="alert:q", kind="alert", recipients=("slt@test.sch.uk",),
                           message_id="<q@test>", payload={"findings": [[queued, "abuse"]]})],
            long_ago,
        )  # fmt: skip
        assert store.purge(START).items == 0
        assert {f.item_id for f in store.findings()} == {pending, queued}
        assert store.unvetted("blog")[0].id == unvetted.id

    def test_old_sent_emails_go(self, store: Store) -> None:
        """Sent emails past retention are deleted; pending ones never are."""
        long_ago = START - timedelta(days=400)
        for key in ("sent", "pending"):
            store.queue([OutboxRequest(key=key, kind="health", recipients=("a@test.sch.uk",),
                                       message_id=f"<{key}@t>", payload={})], long_ago)  # fmt: skip
        store.mark_sent(store.outbox()[0].id, long_ago)
        assert store.purge(START).emails == 1
        assert [r.key for r in store.outbox(None)] == ["pending"]

    def test_purge_job_uses_retention_days(
        self, world: Callable[..., World], write_config: Callable[..., Path]
    ) -> None:
        """The daily job purges what is older than storage.retention_days."""
        w = world()
        store = w.service.store
        self.fetch_and_vet(store, "1", ABUSIVE, START - timedelta(days=366))
        self.fetch_and_vet(store, "2", ABUSIVE, START - timedelta(days=364))
        w.service.purge()
        assert [f.item.platform_id for f in store.findings()] == ["2"]


# -- the real process ------------------------------------------------------------


def feed(*texts: str, start: int = 0) -> bytes:
    now = datetime.now(UTC)
    return wordpress_comments_feed(
        [
            (f"Parent {i}", t, "Trip", 41, 300 + i, now - timedelta(minutes=60 - i))
            for i, t in enumerate(texts, start=start)
        ]
    )


@pytest.fixture(name="feeds")
def fixture_feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


class HidingFeed(FeedConnector):
    """The feed connector with a hide: each hide is appended to ``$HIDE_LOG``.

    Feeds cannot hide, and the platforms that can are other issues' work;
    this stands in for them in the daemon process (see ``HIDING``).
    """

    capabilities: ClassVar[Capabilities] = Capabilities(hide=True)

    def hide(self, item: Item) -> HideResult:
        time.sleep(0.02)  # a platform's round trip, so a kill can land mid-way
        with Path(os.environ["HIDE_LOG"]).open("a") as log:
            log.write(item.platform_id + "\n")
            log.flush()
            os.fsync(log.fileno())
        return HideResult(ok=True, detail="hidden")


#: runs the CLI with feeds served by HidingFeed (the repository root is the cwd)
HIDING = [
    sys.executable,
    "-c",
    "import sys, connectors; connectors.REGISTRY['feed'] = 'tests.test_service:HidingFeed'; "
    "from monitor.cli import main; sys.exit(main(sys.argv[1:]))",
]
ROOT = Path(__file__).resolve().parent.parent


class Daemon:
    """``social-monitor run`` as a child process, its JSON log in a file."""

    def __init__(
        self, config: Path, env: dict[str, str] | None = None, command: Sequence[str] = ()
    ) -> None:
        self.log_path = config.parent / f"daemon-{time.monotonic_ns()}.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [*(command or [str(SCRIPT_PATH)]), "--config", str(config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
        )

    def events(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log_path.read_text().splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def logged(self, event: str) -> bool:
        return any(e.get("event") == event for e in self.events())

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def stop(self, timeout: float = 30) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()


@pytest.fixture(name="daemons")
def fixture_daemons() -> Iterator[list[Daemon]]:
    started: list[Daemon] = []
    yield started
    for d in started:
        d.close()


@pytest.fixture(name="daemon_config")
def fixture_daemon_config(
    write_config: Callable[..., Path], feeds: FeedServer, smtp: SmtpServer
) -> Path:
    url = feeds.set_response("/blog/", feed(BENIGN, ABUSIVE))
    return write_config(source_toml("blog", url, interval="1s"), smtp_port=smtp.port, base=BASE)


def start(
    daemons: list[Daemon],
    config: Path,
    env: dict[str, str] | None = None,
    command: Sequence[str] = (),
) -> Daemon:
    d = Daemon(config, env, command)
    daemons.append(d)
    return d


class TestDaemon:
    def test_polls_on_schedule_and_alerts_once(
        self,
        daemon_config: Path,
        feeds: FeedServer,
        smtp: SmtpServer,
        daemons: list[Daemon],
    ) -> None:
        """Every second a poll; the abusive comment is emailed once however many polls."""
        d = start(daemons, daemon_config)
        wait_until(lambda: len(feeds.requests("/blog/")) >= 4, "four polls")
        assert len(smtp.messages) == 1
        assert ABUSIVE in smtp.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert d.stop() == 0

    def test_status_shows_the_next_runs(self, daemon_config: Path, daemons: list[Daemon]) -> None:
        """``status --json`` names each job's next run while the daemon runs, none after."""
        d = start(daemons, daemon_config)
        state = daemon_config.parent / "state" / "daemon.json"
        wait_until(state.exists, "the daemon writes its state")

        def status() -> dict[str, Any]:
            out = subprocess.run(
                [str(SCRIPT_PATH), "--config", str(daemon_config), "status", "--json"],
                capture_output=True, text=True, check=True, timeout=30,
            )  # fmt: skip
            parsed: dict[str, Any] = json.loads(out.stdout)
            return parsed

        daemon = status()["daemon"]
        assert daemon["pid"] == d.proc.pid
        assert {j["id"] for j in daemon["jobs"]} >= {"poll:blog", "outbox", "audit", "purge"}
        assert d.stop() == 0
        assert status()["daemon"] is None

    def test_sighup_adds_a_source(
        self, daemon_config: Path, feeds: FeedServer, daemons: list[Daemon]
    ) -> None:
        """A source added to the config is polled after SIGHUP, without a restart."""
        d = start(daemons, daemon_config)
        wait_until(lambda: feeds.requests("/blog/"), "the first poll")
        news = feeds.set_response("/news/", feed(BENIGN))
        with daemon_config.open("a") as f:
            f.write(source_toml("news", news, interval="1s"))
        d.signal(signal.SIGHUP)
        wait_until(lambda: len(feeds.requests("/news/")) >= 2, "the new source is polled")
        assert d.proc.poll() is None
        assert d.stop() == 0

    def test_sighup_with_a_broken_config_keeps_the_old(
        self, daemon_config: Path, feeds: FeedServer, daemons: list[Daemon]
    ) -> None:
        """A broken config on SIGHUP is logged; polling goes on as before."""
        d = start(daemons, daemon_config)
        wait_until(lambda: feeds.requests("/blog/"), "the first poll")
        good = daemon_config.read_text()
        daemon_config.write_text(good + "[[sources]]\nname = 'bad'\n")
        d.signal(signal.SIGHUP)
        wait_until(lambda: d.logged("reload_failed"), "the reload is refused")
        seen = len(feeds.requests("/blog/"))
        wait_until(lambda: len(feeds.requests("/blog/")) >= seen + 2, "polling goes on")
        assert d.proc.poll() is None
        assert d.stop() == 0

    def test_sigterm_during_a_slow_poll_exits_0_in_time(
        self, daemon_config: Path, feeds: FeedServer, daemons: list[Daemon]
    ) -> None:
        """SIGTERM while a poll waits on a slow platform: the poll ends, exit 0 within 30 s."""
        feeds.set_response("/blog/", feed(BENIGN), delay=1.5)
        d = start(daemons, daemon_config)
        wait_until(lambda: feeds.requests("/blog/"), "a poll is in flight")
        began = time.monotonic()
        assert d.stop(timeout=30) == 0
        assert time.monotonic() - began < 30
        assert d.logged("service_stopped")

    def test_sigint_stops_too(self, daemon_config: Path, daemons: list[Daemon]) -> None:
        """Ctrl-C in a terminal is a clean stop as well."""
        d = start(daemons, daemon_config)
        wait_until(lambda: d.logged("service_ready"), "the daemon is ready")
        d.signal(signal.SIGINT)
        assert d.proc.wait(30) == 0

    def test_kill_9_mid_poll_then_restart_alerts_each_once(
        self,
        daemon_config: Path,
        feeds: FeedServer,
        smtp: SmtpServer,
        daemons: list[Daemon],
    ) -> None:
        """SIGKILL while a busy poll is in flight loses nothing and emails nothing twice."""
        texts = [ABUSIVE if i % 3 == 0 else BENIGN for i in range(120)]
        feeds.set_response("/blog/", feed(*texts), delay=0.5)
        first = start(daemons, daemon_config)
        wait_until(lambda: feeds.requests("/blog/"), "a busy poll is in flight")
        first.proc.kill()
        first.proc.wait(10)
        feeds.set_response("/blog/", feed(*texts))
        second = start(daemons, daemon_config)
        db = daemon_config.parent / "state" / "monitor.db"

        def all_sent() -> bool:
            with sqlite3.connect(db) as conn:
                vetted = conn.execute("SELECT count(*) FROM items WHERE vetted_at IS NOT NULL")
                pending = conn.execute("SELECT count(*) FROM outbox WHERE state='pending'")
                return bool(vetted.fetchone()[0] == 120 and pending.fetchone()[0] == 0)

        wait_until(all_sent, "every item is vetted and every alert sent")
        assert second.stop() == 0
        ids = [m["Message-ID"] for m in smtp.messages]
        assert len(ids) == len(set(ids)) == 1
        with sqlite3.connect(db) as conn:
            findings = conn.execute("SELECT count(*) FROM findings").fetchone()[0]
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        assert findings == 40
        assert integrity == "ok"
        body = smtp.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert body.count(ABUSIVE) == 40

    def test_kill_9_mid_hiding_then_restart_hides_and_alerts_each_once(
        self,
        daemon_config: Path,
        feeds: FeedServer,
        smtp: SmtpServer,
        daemons: list[Daemon],
    ) -> None:
        """SIGKILL among the hides: after a restart every flagged comment is hidden, one alert.

        The one hide in flight at the kill may be made again (its answer was
        never recorded): hiding is idempotent on every platform, so at most
        one repeat is allowed, and the store records each hide done once.
        """
        texts = [ABUSIVE if i % 3 == 0 else BENIGN for i in range(120)]
        feeds.set_response("/blog/", feed(*texts))
        hide_log = daemon_config.parent / "hides.log"
        env = {"HIDE_LOG": str(hide_log)}
        first = start(daemons, daemon_config, env, HIDING)

        def hides() -> list[str]:
            return hide_log.read_text().split() if hide_log.exists() else []

        wait_until(lambda: len(hides()) >= 5, "hiding is under way")
        first.proc.kill()
        first.proc.wait(10)
        assert len(hides()) < 40, "the kill came too late to test anything"
        second = start(daemons, daemon_config, env, HIDING)
        db = daemon_config.parent / "state" / "monitor.db"

        def all_done() -> bool:
            with sqlite3.connect(db) as conn:
                open_actions = conn.execute("SELECT count(*) FROM actions WHERE state='pending'")
                pending = conn.execute("SELECT count(*) FROM outbox WHERE state='pending'")
                done = conn.execute("SELECT count(*) FROM actions WHERE state='done'")
                return bool(
                    open_actions.fetchone()[0] == 0
                    and pending.fetchone()[0] == 0
                    and done.fetchone()[0] == 40
                )

        wait_until(all_done, "every flagged comment is hidden and the alert sent")
        assert second.stop() == 0
        with sqlite3.connect(db) as conn:
            flagged = {
                r[0]
                for r in conn.execute(
                    "SELECT i.platform_id FROM actions a JOIN items i ON i.id = a.item_id "
                    "WHERE a.state='done' AND a.attempts=1"
                )
            }
        made = hides()
        assert set(made) == flagged
        assert len(flagged) == 40
        assert len(made) - len(set(made)) <= 1
        assert len(smtp.messages) == 1

    def test_bad_config_at_start_exits_2(
        self, write_config: Callable[..., Path], daemons: list[Daemon]
    ) -> None:
        """A config that does not validate stops the start with exit 2 (no restart loop)."""
        path = write_config("[service]\nworkers = 0\n", base=BASE)
        d = start(daemons, path)
        assert d.proc.wait(30) == 2


class TestSdNotify:
    @pytest.fixture(name="notify_socket")
    def fixture_notify_socket(self) -> Iterator[tuple[socket.socket, str]]:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        name = f"@social-monitor-test-{os.getpid()}-{time.monotonic_ns()}"
        sock.bind("\0" + name[1:])
        sock.settimeout(20)
        yield sock, name
        sock.close()

    @staticmethod
    def receive_until(sock: socket.socket, wanted: str) -> list[str]:
        """Datagrams up to and including the first carrying ``wanted``."""
        got: list[str] = []
        while True:
            message = sock.recv(4096).decode()
            got.append(message)
            if wanted in message.split("\n"):
                return got

    def test_ready_watchdog_reloading_stopping(
        self,
        daemon_config: Path,
        daemons: list[Daemon],
        notify_socket: tuple[socket.socket, str],
    ) -> None:
        """READY=1 with STATUS, WATCHDOG=1 pings, RELOADING=1 then READY=1, STOPPING=1."""
        sock, name = notify_socket
        d = start(daemons, daemon_config, {"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "600000"})
        ready = self.receive_until(sock, "READY=1")
        assert any(line.startswith("STATUS=1 sources") for line in ready[-1].split("\n"))
        self.receive_until(sock, "WATCHDOG=1")
        self.receive_until(sock, "WATCHDOG=1")
        d.signal(signal.SIGHUP)
        reload = self.receive_until(sock, "RELOADING=1")
        assert "MONOTONIC_USEC=" in reload[-1]
        self.receive_until(sock, "READY=1")
        d.signal(signal.SIGTERM)
        self.receive_until(sock, "STOPPING=1")
        assert d.proc.wait(30) == 0
