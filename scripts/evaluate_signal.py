"""Leave-one-set-out: how the lists and a signal not trained on a set do on that set.

Run by hand before changing the signal's features, threshold or training sets
(needs the ``train`` extra, scikit-learn):

    .venv/bin/python scripts/evaluate_signal.py [--threshold 0.55] [--sets holdout12.jsonl ...]

By default every training set is held out in turn (about 40 s). For each
held-out set it vets the set with the lists, concerns and rules alone (the
learned signal turned off, ``rules.<id>.learned = false``), fits the signal
as ``scripts/train_signal.py`` does on every training set but that one, and
adds the signal's finding where the rule found nothing and the item is not
the school's own post, as the engine does. It prints abuse and safeguarding
recall and the benign false-positive rate per set and in total: the figure
for a set nobody trained on. (The engine also keeps the signal quiet where a
list exception is in the text; this leaves that out, so it slightly
overstates the signal's false alarms.)

The labelled sets' roster, block list and school are the ones
``tests/rules/test_labelled.py`` uses (``tests.rules.helpers.labelled_config``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threshold", type=float, help="both rules' (default: THRESHOLDS)")
    parser.add_argument("--sets", nargs="+", default=list(SETS), metavar="NAME")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = lists_engine(Path(folder))
        names = dict.fromkeys([*SETS, *args.sets])
        data = {name: [(r, listed(engine, r)) for r in rows(name)] for name in names}
    totals = {"abuse": [0, 0], "safeguarding": [0, 0], "benign": [0, 0]}
    for held in args.sets:
        train = [r for name in SETS if name != held for r, _ in data[name]]
        vectorizer, matrix = fit_vectorizer([str(r["text"]) for r in train])
        test = data[held]
        vectors = vectorizer.transform([str(r["text"]) for r, _ in test])
        enough = [
            len(set(terms(normalise(str(r["text"])))[0]) & set(vectorizer.vocabulary_)) >= MIN_WORDS
            for r, _ in test
        ]
        found = [set(got) for _, got in test]
        for rule in RULES:
            model = LogisticRegression(C=30, class_weight="balanced", max_iter=5000)
            model.fit(matrix, [rule in r["labels"] for r in train])  # type: ignore[operator]
            scores = model.predict_proba(vectors)[:, 1]
            limit = THRESHOLDS[rule] if args.threshold is None else args.threshold
            for (row, _), got, score, ok in zip(test, found, scores, enough, strict=True):
                if ok and not row["own"] and rule not in got and score > limit:
                    got.add(rule)
        line = [f"{held:26s}"]
        for rule in RULES:
            labels = [set(r["labels"]) for r, _ in test]  # type: ignore[call-overload]
            positives = [got for got, wanted in zip(found, labels, strict=True) if rule in wanted]
            hit = sum(rule in got for got in positives)
            totals[rule][0] += hit
            totals[rule][1] += len(positives)
            line.append(f"{rule} {hit / len(positives):.3f}" if positives else f"{rule}   -  ")
        benign = [got for (r, _), got in zip(test, found, strict=True) if not r["labels"]]
        noisy = sum(bool(got) for got in benign)
        totals["benign"][0] += noisy
        totals["benign"][1] += len(benign)
        line.append(f"benign FPR {noisy / max(len(benign), 1):.3f}")
        print("  ".join(line))
    print(
        "total"
        + " " * 22
        + "  ".join(
            f"{'benign FPR' if key == 'benign' else key} {n / max(d, 1):.3f}"
            for key, (n, d) in totals.items()
        )
    )


if __name__ == "__main__":
    main()
