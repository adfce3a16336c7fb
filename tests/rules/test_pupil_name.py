"""Specification of the pupil_name rule over the labelled set's roster."""

from __future__ import annotations

import pytest

from monitor.models import ActionKind, ItemKind, Severity
from monitor.roster import Pupil
from monitor.rules.names import NameMatcher
from monitor.rules.normalise import normalise
from monitor.rules.phrases import PhraseMatcher, share_prefilter
from monitor.rules.pupil_name import PupilNameRule
from tests.rules.helpers import check, roster, terms


@pytest.fixture(scope="module", name="rule")
def fixture_rule() -> PupilNameRule:
    return PupilNameRule(NameMatcher(roster(), word_names=terms("name_words.txt")))


class TestContract:
    def test_defaults(self, rule: PupilNameRule) -> None:
        """Others' comments are hidden and reported; the poller alerts on own posts instead."""
        assert (rule.default_action, rule.default_severity) == (ActionKind.HIDE, Severity.HIGH)

    def test_normalised_is_the_legal_name(self, rule: PupilNameRule) -> None:
        """Every way of writing a name reports the same folded legal name (one fingerprint)."""
        forms = ["Zoë Núñez", "zoe nunez", "Núñez, Zoë", "#ZoeNunez"]
        assert {check(rule, t)[0].normalised for t in forms} == {"zoe nunez"}

    def test_span_includes_accents(self, rule: PupilNameRule) -> None:
        """The hit quotes the name as written."""
        [hit] = check(rule, "Well done Zoë Núñez!")
        assert hit.match == "Zoë Núñez"


class TestCatches:
    @pytest.mark.parametrize(
        "text",
        [
            "Well done Jamie Smith",
            "JAMIE SMITH",
            "Smith, Jamie",
            "Jamie Smith's painting",
            "#JamieSmith",
            "@jamie_smith",
            "jamie-smith.jpg",
            "Siobhan O'Brien",
            "siobhan obrien",
            "Siobhan O’Brien",
            "Anne-Marie Fraser-Hughes",
            "anne marie fraser hughes",
            "Maria de la Cruz",
            "maria delacruz",
            "Pieter van der Berg",
            "Olly Taylor",
            "Seun Adeyemi",
            "Lukasz Wisniewski",
            "Łukasz Wiśniewski",
            "Tom St John",
            "SMITH Jamie, Year 8: water bottle in lost property",  # a register's form
            "results: O'BRIEN Siobhan top of the class",
            "FRASER-HUGHES Anne-Marie",
            "Zhang Wei (Year 6) won the science fair",  # surname first, as the family writes it
            "nguyen thanh from class 4 drew my dog",
            "Smith Jamie",
        ],
    )
    def test_catches_full_names(self, rule: PupilNameRule, text: str) -> None:
        """A roster pupil's full name in any of its written forms."""
        assert check(rule, text), text

    @pytest.mark.parametrize("text", ["SMITH JAMIE WAS HERE", "WELL DONE SMITH JAMIE!!"])
    def test_a_name_shouted_surname_first_is_still_the_pupil(
        self, rule: PupilNameRule, text: str
    ) -> None:
        """In a text all in capitals, surname then first name (neither an ordinary word)
        is the pupil, as in any case."""
        assert check(rule, text)


class TestDoesNotCatch:
    @pytest.mark.parametrize(
        "text",
        [
            "Well done Jamie!",
            "Jamie and Olivia read together",
            "the school hall",
            "a rose for every mum",
            "there's a bird in the classroom",
            "Mr Smith runs the chess club",
            "Jamie Smithson",
            "Jamie Smiths",
            "Lily Allen was on the radio",
            "Harry Potter day!",
            "Kacper Nowak",  # first name of one pupil, surname of another
            "a Moss Rose in the garden",  # surname first, but both words are words
            "thanks Mrs Jones Olivia loved it",  # a teacher, then a pupil's first name
            "Smith. Jamie was there too",
        ],
    )
    def test_does_not_catch(self, rule: PupilNameRule, text: str) -> None:
        """First names alone, surnames as words, and people who are not on the roster."""
        assert check(rule, text) == []

    def test_longer_name_wins(self) -> None:
        """A pupil whose name lies inside another's is not reported inside it."""
        rule = PupilNameRule(
            NameMatcher(
                [
                    Pupil(first_name="Ava", last_name="Smith", photo_consent=True),
                    Pupil(first_name="Ava", last_name="Smith Jones", photo_consent=True),
                ]
            )
        )
        assert [h.normalised for h in check(rule, "Ava Smith Jones")] == ["ava smith jones"]

    def test_empty_roster(self) -> None:
        """Without a roster the rule finds nothing."""
        assert check(PupilNameRule(NameMatcher([])), "Jamie Smith") == []

    def test_own_post_is_checked(self, rule: PupilNameRule) -> None:
        """The school's own posts are vetted too (staff can breach the policy)."""
        assert check(rule, "Star of the week: Jamie Smith", kind=ItemKind.POST, own=True)


class TestScale:
    def test_build_and_scan_a_big_roster(self) -> None:
        """1,500 pupils build one automaton (its speed is benchmarks/rules_bench.py's)."""
        pupils = [
            Pupil(first_name=f"Pupil{i}", last_name=f"Family{i}", photo_consent=True)
            for i in range(1500)
        ]
        matcher = NameMatcher(pupils)
        assert len(matcher) == 1500
        assert check(PupilNameRule(matcher), "well done pupil1499 family1499")


#: texts on the edges of the letters view the automaton scans: separators, digits,
#: non-ASCII characters before a name (the view has one space per UTF-8 byte)
EDGES = [
    "Well done Jamie Smith",
    "Smith, Jamie",
    "Smith,Jamie",
    "Thanks Mr Smith. Jamie loved it",  # not "Last, First"
    "Smith Jamie",
    "Jamie/Smith",
    "jamie_smith.jpg",
    "£5 for Jamie Smith's trip",
    "Zoë Núñez 💙 and Siobhan O’Brien",
    "€€€ Seun Adeyemi €€€",
    "2Jamie Smith",
    "Jamie Smithson",
    "Jamie Smith2",
    "Maria de la Cruz, Anne-Marie Fraser-Hughes",
    "",
]


class TestSharedScan:
    @pytest.fixture(name="shared")
    def fixture_shared(self) -> NameMatcher:
        """A matcher riding in the phrase lists' automaton, as the engine builds it."""
        names = NameMatcher(roster())
        share_prefilter(
            [PhraseMatcher(["badword"], default_severity=Severity.HIGH, label="x")], clients=[names]
        )
        return names

    @pytest.mark.parametrize("text", EDGES)
    def test_shared_and_alone_find_the_same(self, shared: NameMatcher, text: str) -> None:
        """One pass over the shared automaton finds exactly what the roster's own finds."""
        alone = NameMatcher(roster())
        assert shared.find(normalise(text)) == alone.find(normalise(text))

    @pytest.mark.parametrize(
        ("text", "quoted"),
        [
            ("£5 for Jamie Smith's trip", ["Jamie Smith"]),
            ("Zoë Núñez 💙 and Siobhan O’Brien", ["Zoë Núñez", "Siobhan O’Brien"]),
            ("Smith, Jamie", ["Smith, Jamie"]),
            ("Thanks Mr Smith. Jamie loved it", []),
            ("Jamie Smithson", []),
        ],
    )
    def test_spans_quote_what_was_written(
        self, shared: NameMatcher, text: str, quoted: list[str]
    ) -> None:
        """Hits map back from the letters view to the text as written, accents and
        multi-byte characters before them included; "Smith. Jamie" is no "Last, First"."""
        assert [text[m.start : m.end] for m in shared.find(normalise(text))] == quoted

    def test_a_name_the_letters_view_cannot_show(self) -> None:
        """A name with letters outside a-z after folding (another script) is still found,
        by its own automaton over the text."""
        names = NameMatcher([Pupil(first_name="Мария", last_name="Ли", photo_consent=True)])
        share_prefilter([], clients=[names])
        (match,) = names.find(normalise("Молодец, Мария Ли!"))
        assert match.canonical == names.find(normalise("мария ли"))[0].canonical


@pytest.fixture(scope="module", name="worded")
def fixture_worded() -> PupilNameRule:
    return PupilNameRule(NameMatcher(roster(), word_names=terms("name_words.txt")))


class TestNamesThatAreWords:
    """A roster name made of ordinary words, written as words, is read as words."""

    @pytest.mark.parametrize(
        "text",
        [
            "Charlotte rose to the occasion in the final",  # pupil Charlotte Rose
            "Ben may be a bit late tomorrow",  # known-as Ben, pupil Benjamin May
            "I hope cook club is running again next term",  # pupil Hope Cook
        ],
    )
    def test_words_after_a_capitalised_name_or_in_a_capitalised_text(
        self, worded: PupilNameRule, text: str
    ) -> None:
        assert check(worded, text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "Charlotte Rose sang the solo",
            "ROSE Charlotte, 7B",
            "charlotte rose sang the solo",  # all in lower case: the writer's way with names
            "well done hope cook!!",
            "Jamie smith is in my class",  # not a word name: still a name
        ],
    )
    def test_names_written_as_names(self, worded: PupilNameRule, text: str) -> None:
        assert check(worded, text)
