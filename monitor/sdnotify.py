"""systemd's notification protocol (sd_notify) in a few lines of the standard library.

Under ``Type=notify`` systemd passes ``$NOTIFY_SOCKET``, a datagram socket path
(``@name`` means the Linux abstract namespace), and reads newline-separated
``KEY=VALUE`` lines from it: ``READY=1``, ``STATUS=...``, ``WATCHDOG=1``,
``RELOADING=1``, ``STOPPING=1`` (platform-facts §7). Outside systemd there is
no socket and every call is a cheap no-op, so the daemon runs the same in a
terminal. A send that fails is logged once and never raised: telling systemd
is a courtesy that must not stop the monitor.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

import structlog

log = structlog.get_logger(__name__)


class Notifier:
    """Sends sd_notify messages to ``address`` (default ``$NOTIFY_SOCKET``); thread-safe."""

    def __init__(self, address: str | None = None) -> None:
        self.address = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")
        self._warned = False

    @property
    def enabled(self) -> bool:
        """Whether there is a socket to tell (the daemon runs under systemd)."""
        return bool(self.address)

    def send(self, *lines: str) -> bool:
        """Send ``lines`` as one datagram; True if it was sent (False without a socket)."""
        if not self.address:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto("\n".join(lines).encode(), target)
        except OSError as err:
            if not self._warned:
                log.warning("sd_notify_failed", socket=self.address, error=str(err))
                self._warned = True
            return False
        return True

    def ready(self, status: str) -> bool:
        """The daemon is up: systemd finishes ``start`` (or ``reload``)."""
        return self.send("READY=1", f"STATUS={_line(status)}")

    def status(self, status: str) -> bool:
        """One line for ``systemctl status``."""
        return self.send(f"STATUS={_line(status)}")

    def watchdog(self) -> bool:
        """I am alive (only send it from a loop that proves it)."""
        return self.send("WATCHDOG=1")

    def reloading(self) -> bool:
        """A reload has begun (MONOTONIC_USEC: ``Type=notify-reload`` needs it, systemd ≥ 253)."""
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        return self.send("RELOADING=1", f"MONOTONIC_USEC={usec}")

    def stopping(self) -> bool:
        """Shutdown has begun."""
        return self.send("STOPPING=1", "STATUS=stopping")


def watchdog_interval() -> timedelta | None:
    """systemd's ``WatchdogSec=`` for this process (``$WATCHDOG_USEC``), or None when off.

    ``$WATCHDOG_PID``, when set, names the process meant; a child that
    inherited the variables is not it.
    """
    pid = os.environ.get("WATCHDOG_PID")
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(os.environ.get("WATCHDOG_USEC", "0"))
    except ValueError:
        return None
    return timedelta(microseconds=usec) if usec > 0 else None


def _line(text: str) -> str:
    # A newline would start a new KEY=VALUE assignment.
    return " ".join(text.split())
