"""Throughput of the text rules: items per second on one core, and matcher build time.

Run by hand (never as a timed test; these machines are noisy):

    .venv/bin/python benchmarks/rules_bench.py [--items N] [--repeat R] [--pupils P]
        [--no-competitors] [--stages]

Run it against the monitor as installed for use (``pip install .``, which
compiles the rules; see ``hatch_build.py``): an editable install runs them
from their source, about a quarter slower. It says which it measured.

It vets realistic comments of about 20-400 characters (plain ASCII, emoji,
curly quotes, names, times and prices, links, a few with abuse, personal
information or safeguarding phrases, about one in eight flagged) with the
engine exactly as ``poll`` builds it from the default lists and a roster of
P pupils (default 1,500), through the whole ``Engine.vet``, and prints the
best of R runs. The same items then go through better-profanity and
alt-profanity-check (the ``bench`` extra), for comparison: they only answer
"profane or not", so they do a small part of our work.

``--stages`` adds where the time goes: the cost per item of normalising, then
of each text rule in the engine's order (each with the caches the rules
before it filled, as in ``vet``), in thread CPU time, the best of R
interleaved rounds so a slow moment of a shared machine spoils no stage; and
the cost of a clean item beside that of a flagged one.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from monitor.engine import Engine, build_engine, rules_compiled
from monitor.models import Item, ItemKind
from monitor.roster import Pupil
from monitor.rules.normalise import normalise

BENIGN = [
    "What a brilliant trip! Amara hasn't stopped talking about the Roman soldiers. Thank you!",
    "Really disappointed with how the coach delay was handled – we waited an hour with no message.",
    "Is the cake sale still on Friday? Happy to help set up 🎂🎉",
    "You all killed it at sports day, so proud of the relay team 💪💪",
    "Lovely photos. Brings back memories of my own school days in Scunthorpe!",
    "Can someone tell me when the Year 6 assessment results come out? Thanks in advance.",
    "“Brilliant” assembly this morning — the class did so well with their poems about autumn.",
    "Please can we have more notice for non-uniform day, not everyone can sort it the night before",
    "Well done Year 4!! The Viking longboats look amazing 😍",
    "Does anyone know if after school club is on during parents evening week?",
    "Thank you Mrs Patel and all the staff, she loved every minute of the residential ❤️",
    "Where can I buy the new PE kit? The link on the letter doesn't work",
    "Nativity tickets were £3.50 last year, is it the same? And is it 2pm or 6pm?",
    "Gutted we missed it, Leo had chickenpox 🤒 hope there's another one soon",
    "Great to see the new library open at last. Took long enough though!",
    "Harvest festival donations go to the food bank on Mill Lane, drop off by 9am Thursday",
    "My daughter came home so excited about the science week experiments 🧪🔬",
    "Parking outside the gates at pick up is getting dangerous, someone will get hurt",
    "the homework app keeps logging me out, anyone else having this problem??",
    "Congratulations to the netball team, unbeaten all season 🏆",
    "Is the school closed tomorrow because of the snow? ❄️",
    "Lost: navy blue cardigan with name tape, Year 2, please check lost property",
    "Such a shame the fair was cancelled, the PTA worked so hard on it",
    "Absolutely fab Christmas jumper day, raised £412 for Save the Children!",
    "see https://www.bbc.co.uk/news/education for the new guidance on term dates",
    "Amazing effort from Olivia and Jamie at the cross country 🏃‍♀️🏃",
    "Ms O'Brien's class did a fantastic job of the harvest assembly",
    "Was the reading meeting recorded? I couldn't make it 5.30 on a Tuesday",
]
FLAGGED = [
    "this school is a f**king joke, the head is a useless tw@t",
    "what a load of sh1t, nobody cares about your sports day",
    "dm me babe, whats ur snap? 😘",
    "Jamie Smith's mum should keep her opinions to herself",
    "call me on 07911 123456 if you want the spare uniform",
    "free robux here bit.ly/3xR0bux",
    "email me at jane.doe1982@gmail.com",
    "don't tell your mum, meet me after school x",
]

FIRST = str.split(
    "Amara Jamie Olivia Leo Zoë Mohammed Aisha Oliver Freya Noah Siobhan Niamh Chloé Jürgen "
    "Mary-Jane Anne-Marie Kacper Zuzanna Oluwaseun Chidi Priya Arjun Fatima Yusuf Mei Hiroshi "
    "Lily Grace Harry Jack Sophie Isla Ava Ruby Ethan Theo Freddie Archie Poppy Evie Daisy "
    "Rose Summer Hope Joy Will Bill Drew Sean Seán Eoin Ciarán Dylan Rhys Megan Cerys"
)
LAST = [
    *str.split(
        "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson O'Brien O'Connor "
        "McDonald MacLeod Smith-Jones Fraser-Hughes Núñez García Müller Kowalski Nowak Okafor "
        "Adeyemi Patel Khan Ahmed Hussain Begum Chen Wang Nguyen Tanaka Hall Rose Field Wood "
        "Bird Fox King Young Green White Black Hill Stone Marsh Rivers Lake Moss Bell Cook Baker"
    ),
    *["de la Cruz", "van der Berg", "Da Silva", "Ní Bhriain", "D'Souza", "St John"],
]


def roster(n: int, seed: int = 11) -> list[Pupil]:
    """``n`` pupils with diverse, realistic names (diacritics, hyphens, apostrophes, particles)."""
    rng = random.Random(seed)
    pairs = list(itertools.product(FIRST, LAST))
    rng.shuffle(pairs)
    return [
        Pupil(first_name=first, last_name=last, photo_consent=rng.random() > 0.1)
        for first, last in itertools.islice(itertools.cycle(pairs), n)
    ]


def corpus(n: int, seed: int = 7) -> list[Item]:
    """``n`` comments of one to three snippets, about one in eight holding something flagged."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    items = []
    for i in range(n):
        parts = rng.sample(BENIGN, k=rng.randint(1, 3))
        if rng.random() < 0.12:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(FLAGGED))
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


def best_rate(run: Callable[[], object], count: int, repeat: int) -> float:
    """Items per second of the fastest of ``repeat`` runs over ``count`` items."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    return count / best


def competitors(texts: Sequence[str], repeat: int) -> None:
    """better-profanity and alt-profanity-check on the same texts, if installed."""
    try:
        from better_profanity import profanity  # noqa: PLC0415 - optional, the bench extra
    except ImportError:
        print("better-profanity: not installed (pip install -e '.[bench]')")
    else:
        profanity.load_censor_words()
        sample = texts[: max(200, len(texts) // 50)]  # ~180 items/s: a sample is enough
        rate = best_rate(lambda: [profanity.contains_profanity(t) for t in sample], len(sample), 1)
        flagged = sum(profanity.contains_profanity(t) for t in sample)
        print(f"better-profanity: {rate:,.0f} items/s ({flagged}/{len(sample)} flagged)")
    try:
        from profanity_check import predict  # noqa: PLC0415 - optional, the bench extra
    except ImportError:
        print("alt-profanity-check: not installed (pip install -e '.[bench]')")
    else:
        one_by_one = texts[: max(500, len(texts) // 20)]
        rate = best_rate(lambda: [predict([t]) for t in one_by_one], len(one_by_one), 1)
        batched = best_rate(lambda: predict(list(texts)), len(texts), repeat)
        flagged = int(sum(predict(list(texts))))
        print(
            f"alt-profanity-check: {rate:,.0f} items/s one at a time, {batched:,.0f} items/s "
            f"in one batch ({flagged}/{len(texts)} flagged)"
        )


def by_outcome(engine: Engine, items: Sequence[Item], rounds: int) -> dict[str, float]:
    """Microseconds per item through ``Engine.vet`` for the items with no finding
    ("clean") and for those with one ("flagged"), best of ``rounds``, thread CPU time: a
    flagged item also pays for its patterns, parsers and records."""
    groups = {"clean": [i for i in items if not engine.vet(i)]}
    groups["flagged"] = [i for i in items if engine.vet(i)]
    cost: dict[str, float] = {}
    for name, group in groups.items():
        best = float("inf")
        for _ in range(rounds):
            started = time.thread_time()
            for item in group:
                engine.vet(item)
            best = min(best, time.thread_time() - started)
        cost[name] = best / max(len(group), 1) * 1e6
    return cost


def stages(engine: Engine, items: Sequence[Item], rounds: int) -> list[tuple[str, float]]:
    """Microseconds per item of normalising, then of each text rule after it, in order."""
    rules = engine.rules_for(items[0])

    def run(count: int) -> float:
        chosen = rules[:count]
        started = time.thread_time()
        for item in items:
            text = normalise(item.searchable_text())
            for rule in chosen:
                rule.check(text, item)
        return time.thread_time() - started

    best = [float("inf")] * (len(rules) + 1)
    for _ in range(rounds):
        for count in range(len(rules) + 1):
            best[count] = min(best[count], run(count))
    per_item = [b / len(items) * 1e6 for b in best]
    names = ["normalise", *(rule.id for rule in rules)]
    return [
        (name, per_item[0] if i == 0 else per_item[i] - per_item[i - 1])
        for i, name in enumerate(names)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pupils", type=int, default=1_500)
    parser.add_argument("--no-competitors", action="store_true")
    parser.add_argument("--stages", action="store_true", help="also the cost of each stage")
    args = parser.parse_args()

    pupils = roster(args.pupils)
    started = time.perf_counter()
    engine = build_engine(None, pupils=pupils)
    normalise("warm ｔａｂｌｅｓ Zoë")  # the homoglyph and ignorable tables are built on first use
    build = time.perf_counter() - started

    items = corpus(args.items)
    mean_len = sum(len(i.text) for i in items) / len(items)
    flagged = sum(1 for item in items if engine.vet(item))
    rate = best_rate(lambda: [engine.vet(item) for item in items], len(items), args.repeat)
    print(f"rules: {', '.join(engine.rule_ids)}")
    print(f"roster: {len(pupils)} pupils")
    if rules_compiled():
        print("rules run: compiled (mypyc), as installed with pip install .")
    else:
        print(
            "rules run: from Python source (an editable install): a quarter slower than "
            "installed with pip install ., which compiles them"
        )
    print(f"build (lists and roster read, matchers compiled, tables warmed): {build:.3f} s")
    print(f"items: {len(items)} of mean length {mean_len:.0f} chars, {flagged} flagged")
    print(f"throughput: {rate:,.0f} items/s through Engine.vet (best of {args.repeat})")
    if args.stages:
        sample = items[: min(len(items), 4_000)]
        print(f"stages (us per item, thread CPU time, best of {args.repeat} rounds):")
        for name, cost in stages(engine, sample, args.repeat):
            print(f"  {name:<16} {cost:6.2f}")
        outcome = by_outcome(engine, sample, args.repeat)
        print(
            f"  per clean item {outcome['clean']:.1f} us, per flagged item "
            f"{outcome['flagged']:.1f} us"
        )
    if not args.no_competitors:
        competitors([i.text for i in items], args.repeat)


if __name__ == "__main__":
    main()
