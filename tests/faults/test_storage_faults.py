"""State-file faults: the SQLite file locked by another program, and the disk full.

The poll reports the failure in plain words instead of crashing, ``status``
still answers, and once the lock is gone or space is freed every item that
arrived meanwhile is vetted and acted on exactly once.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.engine import build_engine
from monitor.poller import Poller
from monitor.store import Store
from tests.faults.harness import SOURCES, World


@contextmanager
def write_locked(db: Path) -> Iterator[None]:
    """Another program holds the database's write lock (as a backup or the sqlite3 shell can)."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


class TestLocked:
    def test_status_answers_while_another_program_holds_the_lock(self, world: World) -> None:
        """``status --json`` only reads: it answers at once while the file is write-locked."""
        assert world.poll().returncode == 0
        with write_locked(world.db):
            status = world.status(process=True)
        assert {s["name"] for s in status["sources"]} == set(SOURCES)

    def test_poll_reports_the_lock_then_catches_up_once(self, world: World) -> None:
        """Locked: each source's poll fails with the reason in plain words, none crashes;
        unlocked: everything that arrived is vetted, hidden and alerted once."""
        assert world.poll().returncode == 0
        config = load_config(world.path)
        arrivals = world.arrive_everywhere("locked")
        with Store(config.storage.path, busy_timeout=0.2) as store:
            poller = Poller(config, store, build_engine(config), sleep=lambda _: None)
            with write_locked(world.db):
                reports = [poller.poll(s) for s in config.sources]
            for report in reports:
                assert report.error is not None
                assert "locked by another program" in report.error
        recovered = world.poll()
        assert recovered.returncode == 0, recovered.stdout + recovered.stderr
        world.assert_acted_once(arrivals)


@pytest.fixture(name="small_disk")
def fixture_small_disk(world: World, tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs holding the state folder (root only); yields the mount point."""
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr!r}")
    text = world.path.read_text().replace('"state/monitor.db"', f'"{mount}/state/monitor.db"')
    world.path.write_text(text)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(mount: Path, leave: int) -> Path:
    """Fill the filesystem at ``mount`` until only about ``leave`` bytes are free."""
    filler = mount / "filler"
    free = shutil.disk_usage(mount).free
    with filler.open("wb") as out:
        out.write(b"\0" * max(0, free - leave))
    return filler


class TestDiskFull:
    @pytest.mark.parametrize("leave", [0, 48 * 1024], ids=["no-room", "little-room"])
    def test_poll_names_it_then_catches_up_once(
        self, world: World, small_disk: Path, leave: int
    ) -> None:
        """A full disk ends the poll with exit 1 or 3 and the words "disk ... full" (never a
        traceback); once space is freed every item is vetted and acted on exactly once."""
        assert world.poll().returncode == 0
        arrivals = world.arrive_everywhere("full")
        filler = fill(small_disk, leave)
        full = world.poll()
        assert full.returncode in (1, 3), full.stdout + full.stderr
        assert re.search(r"disk.*full|full.*disk", full.stdout + full.stderr), full
        filler.unlink()
        recovered = world.poll()
        assert recovered.returncode == 0, recovered.stdout + recovered.stderr
        world.assert_acted_once(arrivals)
        assert world.status()["sources"][0]["healthy"] is True
