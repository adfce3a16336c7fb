"""Specification of how the rules are built (``hatch_build.py``).

An installed wheel runs the engine and the rules compiled with mypyc; an
editable install runs them from their source. ``.ci/run`` runs the whole
suite against both, the editable install and the wheel an admin installs,
each run telling this test which one it should find in
``SOCIAL_MONITOR_EXPECT_BUILD``.
"""

from __future__ import annotations

import os

import pytest

from monitor.engine import rules_compiled
from monitor.rules import normalise

EXPECTED = os.environ.get("SOCIAL_MONITOR_EXPECT_BUILD")


@pytest.mark.skipif(
    EXPECTED is None, reason="SOCIAL_MONITOR_EXPECT_BUILD not set (.ci/run sets it)"
)
def test_the_rules_run_as_built() -> None:
    """CI's compiled run really runs compiled modules, and its source run the source."""
    assert EXPECTED in ("compiled", "source")
    assert rules_compiled() is (EXPECTED == "compiled")
    assert normalise.__file__ is not None
    assert normalise.__file__.endswith(".py") is (EXPECTED == "source")
