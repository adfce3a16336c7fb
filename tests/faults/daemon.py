"""``social-monitor run`` against a faults ``World``, as a real process, and waiting on it.

``RunningDaemon`` starts the installed console script with the World's config
and secrets, its JSON log in a file beside the config; ``wait_for`` polls an
observable condition with a deadline (never a fixed sleep) and fails at once,
with the log's tail, if the daemon died meanwhile.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.faults.harness import SCRIPT, SECRETS, Arrival, World, assert_clean
from tests.json_log import read_events

#: log events that mean a bug in the daemon, not a fault it was handed
BUG_EVENTS = frozenset({"poll_crashed", "job_failed", "email_render_failed", "command_failed"})


class RunningDaemon:
    """``social-monitor --config <world> run`` as a child process; stderr (JSON lines) to a file."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.log_path = world.path.parent / f"daemon-{time.monotonic_ns()}.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [str(SCRIPT), "--config", str(world.path), "run"],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env={**os.environ, **SECRETS, **world.env},
            cwd=world.path.parent,
        )

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.proc.poll() is None

    def log_text(self) -> str:
        """Everything the daemon logged so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def events(self) -> list[dict[str, Any]]:
        """The daemon's log lines, parsed (a line cut short is skipped)."""
        return read_events(self.log_path)

    def logged(self, event: str) -> bool:
        """Whether the daemon logged ``event``."""
        return any(e.get("event") == event for e in self.events())

    def wait_for(self, condition: Callable[[], object], what: str, timeout: float = 15) -> None:
        """Poll ``condition`` until it holds; fail after ``timeout`` s or if the daemon exits."""
        deadline = time.monotonic() + timeout
        while not condition():
            if not self.alive:
                pytest.fail(
                    f"the daemon exited ({self.proc.returncode}) while waiting until {what}:\n"
                    + self.log_text()[-3000:]
                )
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout}s waiting until {what}")
            time.sleep(0.05)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, then the exit code (waiting up to ``timeout`` seconds)."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def assert_sound(self) -> None:
        """The log holds no bug event, no traceback and no secret."""
        bugs = [e for e in self.events() if e.get("event") in BUG_EVENTS]
        assert bugs == [], bugs
        assert_clean(self.log_text())

    def close(self) -> None:
        """Kill the process if it is still running (a failed test's teardown)."""
        if self.alive:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()


def vetted_at(db: Path, arrival: Arrival) -> str | None:
    """When the store marked ``arrival`` vetted (None: not stored or not vetted yet)."""
    if not db.exists():
        return None
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT vetted_at FROM items WHERE source=? AND platform_id=?",
            (arrival.source, arrival.platform_id),
        ).fetchone()
    except sqlite3.OperationalError:  # the daemon has not created the tables yet
        return None
    finally:
        conn.close()
    return None if row is None or row[0] is None else str(row[0])


def acted_on(world: World, arrivals: Iterable[Arrival], *, emailed: bool = True) -> bool:
    """Every arrival is stored and vetted; every flagged one is hidden where the platform
    allows and, if ``emailed``, alerted (``World.assert_acted_once`` then checks that each
    happened once)."""
    for a in arrivals:
        if vetted_at(world.db, a) is None:
            return False
        if "f*cking" in a.text:
            if emailed and world.alerts_naming(a.text) == 0:
                return False
            if a.source != "blog" and not world.is_hidden(a):
                return False
    return True
