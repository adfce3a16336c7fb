"""The rules' cost in instructions, which a shared machine's noise cannot move.

Run by hand under callgrind, once without vetting and once vetting N items; the
difference of the two "Collected" counts, over N, is the instructions an item
costs (and the first count, mostly, the build's). A fixed hash seed keeps the
counts from moving a few per cent between runs:

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/rules_instructions.py --items 2000 --vet 0
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/rules_instructions.py --items 2000 --vet 1

The wall-clock figures of ``rules_bench.py`` on a VM shared with others vary
by a sixth from minute to minute; two builds' instruction counts compare
exactly. Add ``--toggle-collect='CPyPy_engine___Engine___vet'`` (compiled
install) and ``callgrind_annotate --inclusive=yes`` to see where they go.
"""

from __future__ import annotations

import argparse

from rules_bench import corpus, roster

from monitor.engine import build_engine
from monitor.rules.normalise import normalise


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--pupils", type=int, default=1_500)
    parser.add_argument("--vet", type=int, default=1, help="how many times to vet the items")
    args = parser.parse_args()
    engine = build_engine(None, pupils=roster(args.pupils))
    normalise("warm ｔａｂｌｅｓ Zoë")  # as rules_bench's build: the tables on first use
    items = corpus(args.items)
    for _ in range(args.vet):
        for item in items:
            engine.vet(item)


if __name__ == "__main__":
    main()
