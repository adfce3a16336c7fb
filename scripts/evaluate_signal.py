"""Leave-one-set-out: how the lists and a signal not trained on a set do on that set.

Run by hand before changing the signal's features, threshold or training sets
(needs the ``train`` extra, scikit-learn):

    .venv/bin/python scripts/evaluate_signal.py [--threshold 0.55] [--sets holdout12.jsonl ...]

By default every training set is held out in turn (about 4 minutes for 59 sets). For each
held-out set it vets the set with the lists, concerns and rules alone (the
learned signal turned off, ``rules.<id>.learned = false``), fits the signal
as ``scripts/train_signal.py`` does on every training set but that one, and
adds the signal's finding where the rule found nothing and the item is not
the school's own post, as the engine does. It prints abuse and safeguarding
recall and the benign false-positive rate per set and in total (and the lists'
alone): the figure for a set nobody trained on. ``--sweep`` adds the totals at
other thresholds, from the same fits: the trade-off a threshold moves along. (The
engine also keeps the signal quiet where a list exception is in the text, or where
every finding was a quoted example; this leaves that out, so it slightly overstates
the signal's false alarms.)

The labelled sets' roster, block list and school are the ones
``tests/rules/test_labelled.py`` uses (``tests.rules.helpers.labelled_config``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sklearn.linear_model import LogisticRegression  # type: ignore[import-not-found]

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from train_signal import DATA, SETS, fit_vectorizer

from monitor.config import load_config
from monitor.engine import Engine, build_engine
from monitor.models import Item, ItemKind
from monitor.rules.normalise import normalise
from monitor.rules.signal import MIN_WORDS, RULES, THRESHOLDS, terms
from tests.rules.helpers import labelled_config


def rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines()]


def lists_engine(folder: Path) -> Engine:
    """The labelled sets' school, roster and block list, the learned signal off."""
    return build_engine(load_config(labelled_config(folder, learned=False)))


def listed(engine: Engine, row: dict[str, object]) -> set[str]:
    """The rules that flag ``row`` without the signal."""
    item = Item(
        source="labelled",
        platform_id=str(row["id"]),
        kind=ItemKind(str(row["kind"])),
        text=str(row["text"]),
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        is_own=bool(row["own"]),
    )
    return {f.rule for f in engine.vet(item)} - {"unknown_link"}


#: the thresholds ``--sweep`` tries, the same for both rules
SWEEP = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


# One held-out item: its labels, whether it is the school's own post, what the lists and
# rules found, whether the signal may weigh it (enough known words), and its two scores.
Scored = tuple[set[str], bool, set[str], bool, dict[str, float]]


def scored_sets(names: list[str]) -> Iterator[tuple[str, list[Scored]]]:
    """Each of ``names`` held out in turn, as it is scored: its items, what the lists
    found, and the scores of a signal fitted on every training set but that one."""
    with tempfile.TemporaryDirectory() as folder:
        engine = lists_engine(Path(folder))
        data = {name: [(r, listed(engine, r)) for r in rows(name)] for name in {*SETS, *names}}
    for held in names:
        train = [r for name in SETS if name != held for r, _ in data[name]]
        vectorizer, matrix = fit_vectorizer([str(r["text"]) for r in train])
        test = data[held]
        vectors = vectorizer.transform([str(r["text"]) for r, _ in test])
        vocabulary = set(vectorizer.vocabulary_)
        scores: dict[str, list[float]] = {}
        for rule in RULES:
            model = LogisticRegression(C=30, class_weight="balanced", max_iter=5000)
            model.fit(matrix, [rule in r["labels"] for r in train])  # type: ignore[operator]
            scores[rule] = list(model.predict_proba(vectors)[:, 1])
        yield (
            held,
            [
                (
                    set(r["labels"]),  # type: ignore[call-overload]
                    bool(r["own"]),
                    got,
                    len(set(terms(normalise(str(r["text"])))[0]) & vocabulary) >= MIN_WORDS,
                    {rule: scores[rule][i] for rule in RULES},
                )
                for i, (r, got) in enumerate(test)
            ],
        )


def flagged(item: Scored, limits: dict[str, float]) -> set[str]:
    """What the engine would flag: the lists' findings, and the signal's where a rule
    found nothing and the item is a visitor's with enough known words."""
    _, own, got, enough, scores = item
    learned = {r for r in RULES if enough and not own and r not in got and scores[r] > limits[r]}
    return got | learned


def figures(items: list[Scored], limits: dict[str, float]) -> dict[str, tuple[int, int]]:
    """(found, of) per rule's positives, and (flagged, of) benign items, with and without
    the signal."""
    out: dict[str, tuple[int, int]] = {}
    for rule in RULES:
        positives = [item for item in items if rule in item[0]]
        out[rule] = (sum(rule in flagged(item, limits) for item in positives), len(positives))
    benign = [item for item in items if not item[0]]
    out["benign FPR"] = (sum(bool(flagged(item, limits)) for item in benign), len(benign))
    out["(lists alone)"] = (sum(bool(item[2]) for item in benign), len(benign))
    return out


def shown(counts: dict[str, tuple[int, int]]) -> str:
    return "  ".join(
        f"{key} {n / d:.3f}" if d else f"{key}   -  " for key, (n, d) in counts.items()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threshold", type=float, help="both rules' (default: THRESHOLDS)")
    parser.add_argument("--sets", nargs="+", default=list(SETS), metavar="NAME")
    parser.add_argument(
        "--sweep", action="store_true", help="the totals at other thresholds too (SWEEP)"
    )
    args = parser.parse_args()
    limits = {r: THRESHOLDS[r] if args.threshold is None else args.threshold for r in RULES}
    every: list[Scored] = []
    for name, items in scored_sets(args.sets):
        print(f"{name:26s}  {shown(figures(items, limits))}", flush=True)
        every.extend(items)
    print(f"{'total':26s}  {shown(figures(every, limits))}")
    if args.sweep:
        for limit in SWEEP:
            counts = figures(every, dict.fromkeys(RULES, limit))
            print(f"{'total at ' + str(limit):26s}  {shown(counts)}")


if __name__ == "__main__":
    main()
