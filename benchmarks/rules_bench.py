"""Throughput of the text rules: items per second on one core, and matcher build time.

Run by hand (never as a timed test; these machines are noisy):

    .venv/bin/python benchmarks/rules_bench.py [--items N] [--repeat R]

It vets realistic comments of about 40-400 characters (plain ASCII, emoji,
curly quotes, some obfuscated abuse) with the engine exactly as ``poll`` builds
it from the default lists, and prints the best of R runs.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

from monitor.engine import build_engine
from monitor.models import Item, ItemKind
from monitor.rules.normalise import normalise

SAMPLES = [
    "What a brilliant trip! Amara hasn't stopped talking about the Roman soldiers. Thank you!",
    "Really disappointed with how the coach delay was handled – we waited an hour with no message.",
    "Is the cake sale still on Friday? Happy to help set up 🎂🎉",
    "You all killed it at sports day, so proud of the relay team 💪💪",
    "this school is a f**king joke, the head is a useless tw@t",
    "what a load of sh1t, nobody cares about your sports day",
    "Lovely photos. Brings back memories of my own school days in Scunthorpe!",
    "Can someone tell me when the Year 6 assessment results come out? Thanks in advance.",
    "“Brilliant” assembly this morning — the class did so well with their poems about autumn.",
    "Please can we have more notice for non-uniform day, not everyone can sort it the night before",
]


def corpus(n: int, seed: int = 7) -> list[Item]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    items = []
    for i in range(n):
        parts = rng.sample(SAMPLES, k=rng.randint(1, 4))
        items.append(
            Item(
                source="bench",
                platform_id=str(i),
                kind=ItemKind.COMMENT,
                text=" ".join(parts),
                created_at=now,
            )
        )
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    engine = build_engine(None)
    normalise("warm ｔａｂｌｅｓ")  # the homoglyph table is built on first non-ASCII text
    build = time.perf_counter() - started

    items = corpus(args.items)
    mean_len = sum(len(i.text) for i in items) / len(items)
    best = float("inf")
    flagged = 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        flagged = sum(1 for item in items if engine.vet(item))
        best = min(best, time.perf_counter() - t0)
    print(f"rules: {', '.join(engine.rule_ids)}")
    print(f"build (lists read, matchers compiled, tables warmed): {build:.3f} s")
    print(f"items: {len(items)} of mean length {mean_len:.0f} chars, {flagged} flagged")
    print(f"throughput: {len(items) / best:,.0f} items/s (best of {args.repeat})")


if __name__ == "__main__":
    main()
