"""Specification of ``whereabouts``: asking or telling where one particular child can be
found, which the safeguarding rule reports beside its phrase list."""

from __future__ import annotations

import pytest

from monitor.models import Severity
from monitor.rules.normalise import normalise
from monitor.rules.phrases import PhraseMatcher, share_prefilter
from monitor.rules.safeguarding import SafeguardingRule
from monitor.rules.whereabouts import ENTRY, Whereabouts
from tests.rules.helpers import check, terms


def found(text: str) -> list[str]:
    """What a matcher built alone finds, checked against one sharing the lists' automaton."""
    shared = Whereabouts()
    share_prefilter(
        [PhraseMatcher(["dm me"], default_severity=Severity.URGENT, label="x")], clients=[shared]
    )
    normalised = normalise(text)
    spans = Whereabouts().find(normalised)
    assert shared.find(normalised) == spans
    return [normalised.text[start:end] for start, end in spans]


class TestFinds:
    @pytest.mark.parametrize(
        "text",
        [
            "what bus does the blonde girl in year 9 get home? asking for a reason",
            "which bus does the blonde girl from year 6 get home on",
            "anyone know which house the kid with the cast in 6B lives at?",
            "the lad in that photo walks home down Mill Lane on his own every day. just saying.",
            "where does the girl in the red coat live",
            "that little girl in the photo, is she home alone after school?",
            "WHAT STREET IS THE GINGER BOY ON",
            "wh@t bus does the bl0nde g1rl get",
        ],
    )
    def test_one_child_singled_out_and_a_place_or_way_home(self, text: str) -> None:
        """A child picked out by the writer's own words, with where to find them."""
        assert found(text)

    def test_the_span_runs_from_the_question_to_the_child(self) -> None:
        assert found("lovely pics! what bus does the blonde girl get?") == [
            "what bus does the blonde girl"
        ]


class TestLeavesAlone:
    @pytest.mark.parametrize(
        "text",
        [
            # parents about their own children, and children in the plural
            "What bus does year 9 get home on the trip day?",
            "Which bus does my son get home on?",
            "What time do the kids get home from the residential?",
            "Our lad walks home on his own now, so proud of him",
            "the kids walk home together after club",
            # a child named in passing, with no place or way home
            "The girl who lives next door found our cat!",
            "Well done to the girl who sang the solo, what a voice",
            "Where did the boy in the photo get his jumper? Love it",
            # groups and teams, not a child
            "Where does the girl guides group meet now? Which street is the hall on?",
            "What bus does the boy's football team take to the match?",
            # a place asked after, no child singled out
            "Which way is the hall from the car park?",
            "Which road is closed for the fair, the boy scouts said Mill Lane",
            # a child and a way home in different sentences
            "The boy in the video was brilliant. Does anyone walk home past the park?",
        ],
    )
    def test_no_child_singled_out_with_a_place(self, text: str) -> None:
        assert found(text) == []


class TestInTheSafeguardingRule:
    def test_reported_as_an_urgent_safeguarding_hit_naming_what_it_is(self) -> None:
        rule = SafeguardingRule(terms("safeguarding.txt"))
        text = "Great photos!! what bus does the blonde girl in year 9 get home?"
        [hit] = check(rule, text)
        assert hit.rule == "safeguarding"
        assert hit.severity is Severity.URGENT
        assert hit.entry == ENTRY
        assert text[hit.start : hit.end] == hit.match == "what bus does the blonde girl"

    def test_beside_the_list_s_own_hits_in_order(self) -> None:
        rule = SafeguardingRule(terms("safeguarding.txt"))
        hits = check(rule, "which house does the kid in 6B live in? dont tell anyone")
        assert [h.entry == ENTRY for h in hits] == [True, False]
        assert hits[0].start < hits[1].start
