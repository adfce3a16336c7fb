"""poller.poll_all: a one-shot poll's sources side by side on a bounded pool."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

from monitor.poller import PollReport, poll_all


class SlowPoller:
    """Stands in for Poller: each poll waits, as one waiting for a platform does."""

    def __init__(self, wait: float = 0.05) -> None:
        self.wait = wait
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.threads: set[str] = set()

    def poll(self, source: Any) -> PollReport:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.threads.add(threading.current_thread().name)
        time.sleep(self.wait)
        with self.lock:
            self.running -= 1
        return PollReport(source=source.name)


def sources(n: int) -> list[Any]:
    return [SimpleNamespace(name=f"s{i}") for i in range(n)]


def test_reports_in_source_order_at_most_workers_at_once() -> None:
    poller = SlowPoller()
    reports = poll_all(poller, sources(12), workers=4)  # type: ignore[arg-type]
    assert [r.source for r in reports] == [f"s{i}" for i in range(12)]
    assert poller.most == 4


def test_one_worker_or_one_source_polls_in_the_calling_thread() -> None:
    for workers, n in ((1, 3), (8, 1)):
        poller = SlowPoller(wait=0)
        reports = poll_all(poller, sources(n), workers=workers)  # type: ignore[arg-type]
        assert len(reports) == n
        assert poller.threads == {threading.current_thread().name}


def test_no_sources() -> None:
    assert poll_all(SlowPoller(), [], workers=8) == []  # type: ignore[arg-type]
