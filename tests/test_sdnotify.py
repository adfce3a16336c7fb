"""sd_notify: datagrams to $NOTIFY_SOCKET, a path or an abstract name, and nothing without one."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.sdnotify import Notifier, watchdog_interval


@pytest.fixture(name="listen")
def fixture_listen(tmp_path: Path) -> Iterator[Callable[[bool], tuple[socket.socket, str]]]:
    """A datagram socket systemd would hold: on a path, or (``abstract``) as ``@name``."""
    opened: list[socket.socket] = []

    def listen(abstract: bool) -> tuple[socket.socket, str]:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"@sm-test-{os.getpid()}-{time.monotonic_ns()}"
            sock.bind("\0" + name[1:])
        else:
            name = str(tmp_path / "notify")
            sock.bind(name)
        sock.settimeout(5)
        opened.append(sock)
        return sock, name

    yield listen
    for sock in opened:
        sock.close()


class TestMessages:
    @pytest.mark.parametrize("abstract", [False, True], ids=["path", "abstract"])
    @pytest.mark.parametrize(
        ("send", "expected"),
        [
            (lambda n: n.ready("3 sources, all ok"), "READY=1\nSTATUS=3 sources, all ok"),
            (lambda n: n.status("1 failing"), "STATUS=1 failing"),
            (lambda n: n.watchdog(), "WATCHDOG=1"),
            (lambda n: n.stopping(), "STOPPING=1\nSTATUS=stopping"),
        ],
        ids=["ready", "status", "watchdog", "stopping"],
    )
    def test_datagram(
        self,
        listen: Callable[[bool], tuple[socket.socket, str]],
        abstract: bool,
        send: Callable[[Notifier], bool],
        expected: str,
    ) -> None:
        """Each message arrives as one datagram of newline-separated KEY=VALUE lines."""
        sock, name = listen(abstract)
        assert send(Notifier(name))
        assert sock.recv(4096).decode() == expected

    def test_reloading_carries_the_monotonic_time(
        self, listen: Callable[[bool], tuple[socket.socket, str]]
    ) -> None:
        """RELOADING=1 comes with MONOTONIC_USEC, which Type=notify-reload requires."""
        sock, name = listen(False)
        before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        Notifier(name).reloading()
        first, second = sock.recv(4096).decode().split("\n")
        assert first == "RELOADING=1"
        assert int(second.removeprefix("MONOTONIC_USEC=")) >= before

    def test_status_stays_on_one_line(
        self, listen: Callable[[bool], tuple[socket.socket, str]]
    ) -> None:
        """A newline in a status would start a new assignment: it is flattened."""
        sock, name = listen(False)
        Notifier(name).status("blog failing:\nREADY=1")
        assert sock.recv(4096).decode() == "STATUS=blog failing: READY=1"

    def test_reads_notify_socket_from_the_environment(
        self,
        listen: Callable[[bool], tuple[socket.socket, str]],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Without an address the notifier uses $NOTIFY_SOCKET, as systemd sets it."""
        sock, name = listen(True)
        monkeypatch.setenv("NOTIFY_SOCKET", name)
        assert Notifier().watchdog()
        assert sock.recv(4096) == b"WATCHDOG=1"


class TestOutsideSystemd:
    def test_no_socket_is_a_no_op(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """In a terminal there is no NOTIFY_SOCKET: nothing is sent, nothing fails."""
        monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
        notifier = Notifier()
        assert not notifier.enabled
        assert not notifier.ready("x")

    def test_a_dead_socket_never_raises(self, tmp_path: Path) -> None:
        """A socket that went away is logged, not raised: telling systemd is a courtesy."""
        notifier = Notifier(str(tmp_path / "gone"))
        assert not notifier.watchdog()
        assert not notifier.watchdog()


class TestWatchdogInterval:
    @pytest.mark.parametrize(
        ("env", "expected"),
        [
            ({}, None),
            ({"WATCHDOG_USEC": "60000000"}, timedelta(seconds=60)),
            ({"WATCHDOG_USEC": "0"}, None),
            ({"WATCHDOG_USEC": "soon"}, None),
            ({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"}, None),  # meant for another
            ({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid())}, timedelta(seconds=2)),
        ],
        ids=["unset", "set", "zero", "garbage", "other-pid", "this-pid"],
    )
    def test_from_the_environment(
        self, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: timedelta | None
    ) -> None:
        """WatchdogSec= reaches the process as $WATCHDOG_USEC (and $WATCHDOG_PID)."""
        monkeypatch.delenv("WATCHDOG_USEC", raising=False)
        monkeypatch.delenv("WATCHDOG_PID", raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        assert watchdog_interval() == expected
