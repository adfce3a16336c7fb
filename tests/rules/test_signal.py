"""Specification of ``signal``: the learned word model beside the lists, alert-only."""

from __future__ import annotations

import base64
import json
import math
from array import array

import pytest

from monitor.engine import LEARNED_SIGNAL, build_engine
from monitor.models import ActionKind, ItemKind, Severity
from monitor.rules.normalise import normalise
from monitor.rules.safeguarding import SafeguardingRule
from monitor.rules.signal import RULES, LearnedSignal, terms, training_terms
from tests.rules.helpers import LISTS, check, item
from tests.rules.helpers import terms as list_terms


def model_file(intercept: float, words: dict[str, tuple[float, float]]) -> dict[str, object]:
    """A model of a few terms (term: idf, coefficient), the same for both rules, in the
    shipped file's format: the terms as one string, the numbers as base64 doubles."""
    weights = array("d")
    for idf, coef in words.values():
        weights.extend([idf, coef, coef])
    return {
        "thresholds": {"abuse": 0.6, "safeguarding": 0.6},
        "rules": list(RULES),
        "intercepts": [intercept] * len(RULES),
        "words": "|".join(words),
        "weights": base64.b64encode(weights.tobytes()).decode("ascii"),
    }


def tiny(intercept: float, words: dict[str, tuple[float, float]]) -> LearnedSignal:
    return LearnedSignal(model_file(intercept, words))


class TestScoring:
    def test_scores_as_tfidf_and_logistic_regression(self) -> None:
        """Each known word once, weighted by its idf, length-normalised, dotted, sigmoid."""
        words = {"secret": (2.0, 3.0), "our": (1.0, 0.5), "keep": (1.5, 0.0), "safe": (0.5, -1.0)}
        model = tiny(-1.0, words)
        length = sum(idf * idf for idf, _ in words.values())
        dot = sum(idf * coef for idf, coef in words.values())
        z = -1.0 + dot / math.sqrt(length)
        got = model.score(normalise("Our SECRET: keep it safe, a secret"), "safeguarding")
        assert got == pytest.approx(1 / (1 + math.exp(-z)))

    def test_a_pair_of_adjacent_words_counts_beside_its_words(self) -> None:
        """ "no coat" weighs as a pair where the words are next to each other, not apart."""
        words = {w: (1.0, 0.0) for w in ("he", "has", "no", "coat", "again")}
        model = tiny(-2.0, {**words, "no coat": (2.0, 3.0)})
        together = model.score(normalise("he has NO coat again"), "safeguarding")
        length = len(words) + 4.0
        assert together == pytest.approx(1 / (1 + math.exp(2.0 - 6.0 / math.sqrt(length))))
        apart = model.score(normalise("no, he has a coat again"), "safeguarding")
        assert apart == pytest.approx(1 / (1 + math.exp(2.0)))

    def test_terms_are_the_words_and_their_adjacent_pairs(self) -> None:
        """Training reads a text through the same terms the monitor scores, and learns no
        single letters but chat's one-letter words."""
        words, pairs = terms(normalise("Don't tell ur MUM, ok?"))
        assert words == ["don", "t", "tell", "ur", "mum", "ok"]
        assert pairs == ["don t", "t tell", "tell ur", "ur mum", "mum ok"]
        assert training_terms("Don't tell ur MUM, ok?") == [
            "don",
            "tell",
            "ur",
            "mum",
            "ok",
            *pairs,
        ]

    def test_words_of_no_weight_leave_the_intercept(self) -> None:
        model = tiny(-2.0, {w: (1.0, 0.0) for w in ("lovely", "photos", "of", "the")})
        assert model.score(normalise("lovely photos of the day"), "abuse") == pytest.approx(
            1 / (1 + math.exp(2.0))
        )

    def test_a_hit_alerts_and_never_hides(self) -> None:
        model = tiny(0.0, {"secret": (1.0, 5.0), "keep": (1, 0), "it": (1, 0), "from": (1, 0)})
        text = "keep it secret from them"
        hit = model.hit(normalise(text), "safeguarding", Severity.URGENT)
        assert hit is not None
        assert hit.hide is False
        assert (hit.start, hit.end, hit.match) == (0, len(text), text)
        quiet = normalise("lovely photos of the day")
        assert model.hit(quiet, "safeguarding", Severity.URGENT) is None

    def test_each_rule_has_its_own_threshold(self) -> None:
        """The same score is a safeguarding finding at the model's 0.55 and no abuse
        finding at its 0.6 (a missed safeguarding message is the worse failure)."""
        words = {w: (1.0, 0.0) for w in ("lorem", "ipsum", "dolor", "sit")}
        model = LearnedSignal(
            {**model_file(0.3, words), "thresholds": {"abuse": 0.6, "safeguarding": 0.55}}
        )
        text = normalise("lorem ipsum dolor sit")
        assert 0.55 < model.score(text, "abuse") == model.score(text, "safeguarding") < 0.6
        assert model.hit(text, "safeguarding", Severity.URGENT) is not None
        assert model.hit(text, "abuse", Severity.HIGH) is None

    def test_a_long_text_is_quoted_in_part(self) -> None:
        model = tiny(5.0, {w: (1.0, 0.0) for w in ("lorem", "ipsum", "dolor", "sit")})
        hit = model.hit(normalise("lorem ipsum dolor sit amet " * 400), "abuse", Severity.HIGH)
        assert hit is not None and len(hit.match) == 300

    @pytest.mark.parametrize(
        "bad",
        [
            {},
            {**model_file(0.0, {}), "rules": ["abuse"]},  # a rule missing
            {**model_file(0.0, {"a": (1.0, 1.0)}), "words": "a|b"},  # a term's numbers missing
            {**model_file(0.0, {}), "weights": "not base64!"},
        ],
    )
    def test_a_file_that_is_no_model_is_refused(self, bad: dict[str, object]) -> None:
        with pytest.raises(ValueError, match="not a learned-signal model"):
            LearnedSignal(bad)


@pytest.fixture(scope="module", name="signal")
def fixture_signal() -> LearnedSignal:
    return LearnedSignal(json.loads((LISTS / LEARNED_SIGNAL).read_text("utf-8")))


class TestShippedModel:
    @pytest.mark.parametrize(
        ("text", "rule"),
        [
            # wordings no list or concern holds, written for this test
            ("been hiding food in my room so nobody sees i dont eat", "safeguarding"),
            ("he said if i tell anyone he will hurt my dog", "safeguarding"),
            ("ur so ugly no wonder nobody likes u", "abuse"),
        ],
    )
    def test_catches_unseen_wordings(self, signal: LearnedSignal, text: str, rule: str) -> None:
        assert signal.score(normalise(text), rule) > signal.thresholds[rule]

    @pytest.mark.parametrize(
        "text",
        [
            "Thank you for a wonderful nativity, the children were brilliant",
            "Is the cake sale still on Friday? Happy to help set up",
            "Parking at pick up is getting dangerous, please can something be done",
        ],
    )
    def test_quiet_on_school_life(self, signal: LearnedSignal, text: str) -> None:
        assert all(signal.score(normalise(text), rule) <= signal.thresholds[rule] for rule in RULES)


class TestInTheEngine:
    def test_a_signal_only_finding_is_alerted_not_hidden(self) -> None:
        """The rule's action is hide; a finding only the signal made is downgraded to alert."""
        engine = build_engine(None)
        text = "been hiding food in my room so nobody sees i dont eat"
        (finding,) = [f for f in engine.vet(item(text)) if f.rule == "safeguarding"]
        assert finding.entry.startswith("learned signal")
        assert finding.action is ActionKind.ALERT

    def test_the_schools_own_posts_are_not_weighed(self) -> None:
        """Own posts teach in visitors' words; only the lists and concerns vet them."""
        engine = build_engine(None)
        text = "been hiding food in my room so nobody sees i dont eat"
        assert [f.rule for f in engine.vet(item(text, kind=ItemKind.POST, own=True))] == []
        listed = "dm me babe"  # a list entry still fires on an own post
        assert "safeguarding" in {f.rule for f in engine.vet(item(listed, own=True))}

    def test_a_retold_warning_is_not_weighed(self) -> None:
        """A comment whose list findings are all quoted examples ("groomers say things like
        'add me on snap'") retells a warning in its own words: the signal, which would
        read those words as the thing itself, is not asked. Said to a child, they are
        found; and without a quotation the signal is asked as ever."""
        words = ("groomers", "say", "add", "me", "on", "snap", "kids", "tonight", "told", "her")
        loud = tiny(5.0, {w: (1.0, 0.0) for w in words})
        rule = SafeguardingRule(list_terms("safeguarding.txt"), signal=loud)
        retold = "Groomers say things like 'add me on snap', talk to your kids tonight"
        assert check(rule, retold) == []
        told = check(rule, "a man online told her 'add me on snap' tonight")
        assert [h.entry.startswith("learned signal") for h in told] == [False]
        (learned,) = check(rule, "groomers kids tonight say told her")
        assert learned.entry.startswith("learned signal")

    def test_a_list_finding_still_hides(self) -> None:
        engine = build_engine(None)
        (finding,) = [f for f in engine.vet(item("dm me babe")) if f.rule == "safeguarding"]
        assert finding.action is ActionKind.HIDE

    def test_the_signal_can_be_turned_off(self, tmp_path: pytest.TempPathFactory) -> None:
        from monitor.config import load_config  # noqa: PLC0415

        path = tmp_path / "m.toml"  # type: ignore[operator]
        path.write_text(
            '[school]\nname = "S"\naup_url = "https://s.sch.uk/aup"\n'
            '[email]\nsender = "m@s.sch.uk"\nslt = ["slt@s.sch.uk"]\ndsl = ["dsl@s.sch.uk"]\n'
            "[rules.safeguarding]\nlearned = false\n",
            encoding="utf-8",
        )
        engine = build_engine(load_config(path))
        text = "been hiding food in my room so nobody sees i dont eat"
        assert [f for f in engine.vet(item(text)) if f.rule == "safeguarding"] == []


WORDS = ("it", "happened", "again", "today")


class TestShortTexts:
    def test_too_few_known_words_are_not_weighed(self) -> None:
        """With fewer than four words the model knows, one word would decide alone."""
        model = tiny(0.0, {w: (1.0, 9.0 if w == "again" else 0.0) for w in WORDS})
        assert model.score(normalise("Edited again"), "abuse") == 0.0
        assert model.score(normalise("it happened again today"), "abuse") > 0.9

    def test_letters_spelt_out_are_no_words(self, signal: LearnedSignal) -> None:
        """ "A S S E S S M E N T week": single letters (but a, i, u, r, x) are not known."""
        assert signal.score(normalise("A S S E S S M E N T week"), "abuse") == 0.0
