"""The daemon's Prometheus figures, and the optional endpoint that serves them.

Counters (polls, new items, findings by rule, hides) are counted as jobs
report them, so they restart from zero with the process, as Prometheus
expects. Everything that is state rather than an event (source up, seconds
since the last successful poll, outbox depth, last digest) is read from the
store at scrape time, so it is right even just after a restart.

Each ``Metrics`` has its own registry (no process-global state), and the
endpoint binds to 127.0.0.1 unless ``[metrics] host`` says otherwise: the
figures name the school's accounts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from monitor.models import utcnow
from monitor.poller import PollReport
from monitor.store import OutboxState, Store

PREFIX = "social_monitor"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A configured source, as the collector needs it."""

    name: str
    kind: str


class Metrics:
    """The figures of one daemon. Thread-safe (prometheus-client's metrics are)."""

    def __init__(
        self,
        store: Store,
        sources: Callable[[], Sequence[SourceRef]],
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """``sources`` is called at each scrape: after a reload it names the new set."""
        self.registry = CollectorRegistry(auto_describe=True)
        self.polls = Counter(
            f"{PREFIX}_polls",
            "Polls finished, by source and outcome (ok, failed, skipped for a rate limit).",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.items = Counter(
            f"{PREFIX}_items", "New items stored, by source.", ["source"], registry=self.registry
        )
        self.findings = Counter(
            f"{PREFIX}_findings", "Findings made, by rule.", ["rule"], registry=self.registry
        )
        self.hides = Counter(
            f"{PREFIX}_hides",
            "Hide requests answered, by source and result (ok, failed).",
            ["source", "result"],
            registry=self.registry,
        )
        self.registry.register(_StoreCollector(store, sources, clock))
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def observe_poll(self, report: PollReport) -> None:
        """Count what one poll did."""
        if report.skipped_until is not None and report.error is None:
            outcome = "skipped"
        else:
            outcome = "ok" if report.ok else "failed"
        self.polls.labels(report.source, outcome).inc()
        if report.new:
            self.items.labels(report.source).inc(report.new)
        for _stored, finding in report.findings:
            self.findings.labels(finding.rule).inc()
        if report.hidden:
            self.hides.labels(report.source, "ok").inc(report.hidden)
        if report.hide_failed:
            self.hides.labels(report.source, "failed").inc(report.hide_failed)

    def render(self) -> bytes:
        """The exposition text a scrape gets."""
        return generate_latest(self.registry)

    def serve(self, host: str, port: int) -> int:
        """Serve ``/metrics`` on ``host:port`` in a background thread; returns the bound port.

        Raises:
            OSError: the address cannot be bound (taken, or not this machine's).
        """
        self._server, self._thread = start_http_server(port, addr=host, registry=self.registry)
        bound: int = self._server.server_port
        return bound

    def close(self) -> None:
        """Stop serving (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


class _StoreCollector(Collector):
    """Gauges read from the store at each scrape."""

    def __init__(
        self,
        store: Store,
        sources: Callable[[], Sequence[SourceRef]],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._sources = sources
        self._clock = clock

    def describe(self) -> Iterable[GaugeMetricFamily]:
        # Described without reading the store, so registering never touches it.
        return self._families()

    def collect(self) -> Iterable[GaugeMetricFamily]:
        up, since_success, outbox, last_digest = self._families()
        now = self._clock()
        for ref in self._sources():
            state = self._store.source_state(ref.name, ref.kind)
            polled_ok = state.last_poll is not None and state.healthy
            up.add_metric([ref.name, ref.kind], 1.0 if polled_ok else 0.0)
            if state.last_success is not None:
                age = (now - state.last_success).total_seconds()
                since_success.add_metric([ref.name], max(age, 0.0))
        counts = self._store.outbox_counts()
        for state_name in (OutboxState.PENDING, OutboxState.FAILED):
            outbox.add_metric([state_name], float(counts.get(state_name, 0)))
        digest = self._store.latest_outbox("digest", "")
        if digest is not None:
            last_digest.add_metric([], digest.created_at.timestamp())
        return [up, since_success, outbox, last_digest]

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, ...]:
        return (
            GaugeMetricFamily(
                f"{PREFIX}_source_up",
                "1 when the source's last poll succeeded, else 0 (failing, rate-limited, not yet).",
                labels=["source", "kind"],
            ),
            GaugeMetricFamily(
                f"{PREFIX}_seconds_since_last_success",
                "Seconds since the source's last successful poll.",
                labels=["source"],
            ),
            GaugeMetricFamily(
                f"{PREFIX}_outbox_depth",
                "Emails queued (pending) or given up (failed).",
                labels=["state"],
            ),
            GaugeMetricFamily(
                f"{PREFIX}_last_digest_timestamp_seconds",
                "When the last digest was queued (Unix time).",
            ),
        )
