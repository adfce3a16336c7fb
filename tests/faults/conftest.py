"""The faults suite's fixture: a started ``World`` (every fake server, a config)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import World, make_world, stop_world


@pytest.fixture(name="world")
def fixture_world(tmp_path: Path) -> Iterator[World]:
    world = make_world(tmp_path)
    yield world
    stop_world(world)
