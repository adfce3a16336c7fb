"""benchmarks/rules_bench.py still runs: a small corpus through every stage (no timing checks)."""

from __future__ import annotations

import math

from monitor.engine import build_engine
from tests.benchmarks import load_bench


def test_stages_name_every_text_rule_in_the_engines_order() -> None:
    """The stage profile covers normalising and each rule a comment meets, in vet's order."""
    bench = load_bench("rules_bench")
    engine = build_engine(None, pupils=bench.roster(50))
    items = bench.corpus(40)
    found = bench.stages(engine, items, 1)
    assert [name for name, _ in found] == [
        "normalise",
        *(rule.id for rule in engine.rules_for(items[0])),
    ]
    assert "photo_consent" not in dict(found)  # comments without media skip the media rules
    assert all(math.isfinite(cost) for _, cost in found)
    # the corpus holds what the rules look for
    assert any(engine.vet(item) for item in items)


def test_clean_and_flagged_items_are_costed_apart() -> None:
    bench = load_bench("rules_bench")
    engine = build_engine(None, pupils=bench.roster(50))
    cost = bench.by_outcome(engine, bench.corpus(60), 1)
    assert set(cost) == {"clean", "flagged"}
    assert all(math.isfinite(c) and c > 0 for c in cost.values())
