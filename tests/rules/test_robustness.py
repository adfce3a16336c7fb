"""Bad input: no exception escapes any rule, and hostile text stays fast."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.engine import NEEDS_REVIEW, Engine, build_rules
from monitor.models import ActionKind, ItemKind, Media, Severity
from monitor.rules import Rule
from tests.rules.helpers import check, item, roster

RULES: list[Rule] = build_rules(None, pupils=roster())


def every_rule(text: str, kind: ItemKind = ItemKind.COMMENT) -> None:
    media = (Media(url="https://cdn.test/Jamie_Smith.jpg", type="image/jpeg"),)
    for rule in RULES:
        for hit in check(rule, text, kind=kind, own=True, media=media):
            original = item(text, media=media).searchable_text()
            assert 0 <= hit.start <= hit.end <= len(original), rule.id


class TestNeverRaises:
    @settings(max_examples=300, deadline=None)
    @given(st.text())
    def test_any_text(self, text: str) -> None:
        """Any string, lone surrogates included: every rule returns, spans in range."""
        every_rule(text)

    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(
            st.sampled_from(
                [
                    "Jamie",
                    " ",
                    "Smith",
                    "'s",
                    "#",
                    "@",
                    ".",
                    "07911",
                    "123456",
                    "http://",
                    "bit.ly",
                    "/",
                    "xn--",
                    "ａ",
                    "\u202e",
                    "\u200b",
                    "😀",
                    "dm",
                    "me",
                    "f*ck",
                    "LS6",
                    "2AB",
                    "DOB",
                    "12/03/2015",
                    "[",
                    "]",
                    ":",
                    "\ud800",
                ]
            ),
            max_size=40,
        )
    )
    def test_near_misses(self, parts: list[str]) -> None:
        """Text built from the pieces the rules look for never trips one up."""
        every_rule("".join(parts))

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "😀" * 500,
            "\u202eJamie Smith\u202c dm me",
            "\u200b" * 1000,
            "ab\ud800cd\udfff",
            "x" * 1_000_000,
            ("Jamie Smith 07911 123456 bit.ly/x dm me f*ck " * 25_000)[:1_000_000],
            "1" * 100_000,
            "a." * 200_000,
        ],
    )
    def test_edge_cases_are_fast(self, text: str) -> None:
        """Empty, only emoji, bidi overrides, invisibles, surrogates and 1 MB finish quickly."""
        began = time.perf_counter()
        every_rule(text, kind=ItemKind.MESSAGE)
        assert time.perf_counter() - began < 30


class TestEngineMarksFailuresForReview:
    def test_a_failing_rule_marks_the_item(self) -> None:
        """A rule that raises yields a needs_review finding; the other rules still run."""

        class Broken:
            id = "abuse"
            default_action = ActionKind.HIDE
            default_severity = Severity.HIGH

            def check(self, text: object, item: object) -> list[object]:
                raise RuntimeError("boom")

        engine = Engine([Broken(), *RULES], {})
        rules = [f.rule for f in engine.vet(item("dm me babe"))]
        assert rules[0] == NEEDS_REVIEW
        assert "safeguarding" in rules
