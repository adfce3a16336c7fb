"""The Prometheus figures: counted from polls, read from the store, served on loopback."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.config import MetricsConfig
from monitor.metrics import Metrics, SourceRef
from monitor.models import ActionKind, Cursor, Finding, Severity
from monitor.poller import PollReport
from monitor.store import OutboxRequest, Store, StoredItem
from tests.scripted import START, FakeClock
from tests.test_store import item


@pytest.fixture(name="store")
def fixture_store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "monitor.db") as store:
        yield store


@pytest.fixture(name="clock")
def fixture_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="metrics")
def fixture_metrics(store: Store, clock: FakeClock) -> Iterator[Metrics]:
    metrics = Metrics(
        store, lambda: [SourceRef("blog", "feed"), SourceRef("fb", "feed")], clock=clock
    )
    yield metrics
    metrics.close()


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape: (name, sorted labels) -> value."""
    out = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def finding(rule: str) -> Finding:
    return Finding(
        rule=rule, severity=Severity.HIGH, action=ActionKind.HIDE, match="x", start=0, end=1
    )


class TestCountedFromPolls:
    def test_poll_items_findings_hides(self, metrics: Metrics) -> None:
        """A poll counts as ok, adds its new items, its findings by rule and its hides."""
        stored = StoredItem(id=1, item=item("1"), vetted=True)
        report = PollReport(source="blog", new=3, hidden=1, hide_failed=1)
        report.findings = [(stored, finding("abuse")), (stored, finding("pupil_name"))]
        metrics.observe_poll(report)
        got = samples(metrics)
        assert got[("social_monitor_polls_total", (("outcome", "ok"), ("source", "blog")))] == 1
        assert got[("social_monitor_items_total", (("source", "blog"),))] == 3
        assert got[("social_monitor_findings_total", (("rule", "abuse"),))] == 1
        assert got[("social_monitor_findings_total", (("rule", "pupil_name"),))] == 1
        assert got[("social_monitor_hides_total", (("result", "ok"), ("source", "blog")))] == 1
        assert got[("social_monitor_hides_total", (("result", "failed"), ("source", "blog")))] == 1

    @pytest.mark.parametrize(
        ("report", "outcome"),
        [
            (PollReport(source="blog"), "ok"),
            (PollReport(source="blog", error="timeout"), "failed"),
            (PollReport(source="blog", skipped_until=START), "skipped"),
            (PollReport(source="blog", error="429", skipped_until=START), "failed"),
        ],
        ids=["ok", "failed", "skipped", "rate-limited-now"],
    )
    def test_outcome(self, metrics: Metrics, report: PollReport, outcome: str) -> None:
        """Skipped means "still inside a rate-limit window"; a poll that hit the limit failed."""
        metrics.observe_poll(report)
        key = ("social_monitor_polls_total", (("outcome", outcome), ("source", "blog")))
        assert samples(metrics)[key] == 1


class TestReadFromTheStore:
    def test_source_up_and_seconds_since_success(
        self, metrics: Metrics, store: Store, clock: FakeClock
    ) -> None:
        """Up is 1 after a successful poll, 0 while failing or never polled; the age counts on."""
        store.save_fetch(source="blog", kind="feed", items=[], cursor=Cursor(), now=START)
        clock.now = START + timedelta(seconds=90)
        got = samples(metrics)
        assert got[("social_monitor_source_up", (("kind", "feed"), ("source", "blog")))] == 1
        assert got[("social_monitor_source_up", (("kind", "feed"), ("source", "fb")))] == 0
        assert got[("social_monitor_seconds_since_last_success", (("source", "blog"),))] == 90
        assert ("social_monitor_seconds_since_last_success", (("source", "fb"),)) not in got
        store.record_failure(
            source="blog", kind="feed", error="x", category="temporary", now=clock.now
        )
        got = samples(metrics)
        assert got[("social_monitor_source_up", (("kind", "feed"), ("source", "blog")))] == 0
        assert got[("social_monitor_seconds_since_last_success", (("source", "blog"),))] == 90

    def test_outbox_depth_and_last_digest(self, metrics: Metrics, store: Store) -> None:
        """Queued emails are counted; the last digest's time is shown once there is one."""
        assert ("social_monitor_last_digest_timestamp_seconds", ()) not in samples(metrics)
        store.queue(
            [
                OutboxRequest(key=k, kind=kind, recipients=("slt@test.sch.uk",),
                              message_id=f"<{k}@t>", payload={})
                for k, kind in (("a", "alert"), ("d", "digest"))
            ],
            START,
        )  # fmt: skip
        got = samples(metrics)
        assert got[("social_monitor_outbox_depth", (("state", "pending"),))] == 2
        assert got[("social_monitor_outbox_depth", (("state", "failed"),))] == 0
        assert got[("social_monitor_last_digest_timestamp_seconds", ())] == START.timestamp()


class TestEndpoint:
    def test_loopback_by_default(self) -> None:
        """The figures name the school's accounts: the default host is 127.0.0.1."""
        assert MetricsConfig().host == "127.0.0.1"
        assert not MetricsConfig().enabled

    def test_serves_over_http(self, metrics: Metrics) -> None:
        """``/metrics`` answers a real HTTP scrape with the figures."""
        port = metrics.serve("127.0.0.1", 0)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            body = response.read().decode()
        assert "social_monitor_outbox_depth" in body
        metrics.close()
        metrics.close()  # idempotent
