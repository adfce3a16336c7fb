"""Shared fixtures: a valid minimal config written to a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--crash-rounds N``: SIGKILL rounds of tests/crash (20 in CI; 50 by hand)."""
    parser.addoption(
        "--crash-rounds",
        type=int,
        default=20,
        metavar="N",
        help="rounds of kill -9 and restart in tests/crash (default: 20)",
    )


MINIMAL = """
[school]
name = "Test Primary"
aup_url = "https://www.test.sch.uk/aup"

[storage]
path = "state/monitor.db"

[email]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "monitor@test.sch.uk"
slt = ["slt@test.sch.uk"]
dsl = ["dsl@test.sch.uk"]
timezone = "Europe/London"
timeout = 5

[http]
connect_timeout = 2
read_timeout = 2
attempts = 1
"""


@pytest.fixture(name="write_config")
def fixture_write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write ``MINIMAL`` plus ``extra`` TOML to tmp_path/monitor.toml; return its path."""

    def write(extra: str = "", *, smtp_port: int = 8025, base: str | None = None) -> Path:
        path = tmp_path / "monitor.toml"
        text = (MINIMAL if base is None else base).format(smtp_port=smtp_port) + extra
        path.write_text(text, encoding="utf-8")
        return path

    return write
