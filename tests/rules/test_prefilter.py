"""Specification of the word lists' prefilter: a speed-up that never changes a finding.

The prefilter (``monitor.rules.phrases``) decides which texts the list's
regexes run on. It must be a necessary condition only: whatever text, the
matches found with it are those found with the regexes run on everything.
"""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.models import Severity
from monitor.rules.normalise import normalise
from monitor.rules.phrases import PhraseMatch, PhraseMatcher, _expand, share_prefilter
from tests.rules.helpers import terms


def _spans(found: list[PhraseMatch]) -> list[tuple[int, int, str, str]]:
    return [(m.start, m.end, m.normalised, m.entry.text) for m in found]


@pytest.fixture(scope="module")
def matchers() -> list[tuple[PhraseMatcher, PhraseMatcher]]:
    def both_lists(*, prefilter: bool) -> list[PhraseMatcher]:
        return [
            PhraseMatcher(
                terms(name), default_severity=Severity.HIGH, label=name, prefilter=prefilter
            )
            for name in ("abuse.txt", "safeguarding.txt")
        ]

    lists, plain = both_lists(prefilter=True), both_lists(prefilter=False)
    share_prefilter(lists)
    return list(zip(lists, plain, strict=True))


def _obfuscate(rng: random.Random, phrase: str) -> str:
    """One of the ways people write a list phrase (and some it does not match)."""
    how = rng.randrange(10)
    if how == 0:
        return " ".join(
            w[0] + "*" * (len(w) - 2) + w[-1] if len(w) > 2 else w for w in phrase.split()
        )
    if how == 1:
        return rng.choice([" ", ".", "-", " . ", "\u3000"]).join(phrase)
    if how == 2:
        return "".join(ch * rng.choice([1, 1, 2, 3]) for ch in phrase)
    if how == 3:
        return phrase.upper().replace("A", rng.choice(["4", "@", "А"]))
    if how == 4:
        return phrase.replace("'", rng.choice(["’", "", "`", "‘"]))
    if how == 5:
        return phrase.replace(" ", rng.choice(["_", "-", ".", "  ", "\u200b "]))
    if how == 6:
        return phrase + rng.choice(["s", "es", "ing", "'s", "2", "x", "ñ"])
    if how == 7:
        return (
            rng.choice(["#", "(", "“", "😘", "—", "x", "2"])
            + phrase
            + rng.choice(["!", "”", "é", ""])
        )
    if how == 8:
        return f"www.{phrase.replace(' ', '')}.com"
    return phrase


def _samples() -> list[str]:
    rng = random.Random(4)
    phrases = []
    for name in ("abuse.txt", "safeguarding.txt"):
        for term in terms(name):
            written = list(_expand(term.lstrip("!").partition(";")[0].strip()))
            phrases.extend(p.rstrip("*") for p in rng.sample(written, min(3, len(written))))
    before, after = ["", "so ", "Oh. ", "www "], ["", "lol", "xxx"]
    return [f"{rng.choice(before)}{_obfuscate(rng, p)} {rng.choice(after)}" for p in phrases]


class TestNeverChangesAFinding:
    @pytest.mark.parametrize("text", _samples())
    def test_list_phrasings_written_many_ways(
        self, matchers: list[tuple[PhraseMatcher, PhraseMatcher]], text: str
    ) -> None:
        """Masked, spelt, stretched, leet, joined, wrapped: as the regexes alone find."""
        n = normalise(text)
        for filtered, plain in matchers:
            assert _spans(filtered.find(n)) == _spans(plain.find(n))

    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(
            st.sampled_from(
                ["fuck", "u", "r", "dm", "me", "snap", "ur", "i'll", "kill", "you", "sh", "it",
                 "f", "c", "k", "*", "#", " ", ".", "-", "’", "3", "😀", "ü", "ll", "www", "ass"]
            ),
            max_size=12,
        )
    )  # fmt: skip
    def test_any_mix_of_fragments(
        self, matchers: list[tuple[PhraseMatcher, PhraseMatcher]], parts: list[str]
    ) -> None:
        n = normalise("".join(parts))
        for filtered, plain in matchers:
            assert _spans(filtered.find(n)) == _spans(plain.find(n))


class TestSpeedSigns:
    def test_a_lone_www_is_not_a_stretched_word(
        self, matchers: list[tuple[PhraseMatcher, PhraseMatcher]]
    ) -> None:
        """A lone "www" (from a link) is no stretched word; "wwwhore" may be one."""
        abuse = matchers[0][0]
        assert abuse._filter.scan(normalise("see www.bbc.co.uk")) == (False, False)
        assert abuse._filter.scan(normalise("wwwhore"))[0]

    def test_one_scan_serves_both_lists(
        self, matchers: list[tuple[PhraseMatcher, PhraseMatcher]]
    ) -> None:
        n = normalise("dm me babe, you twat")
        for filtered, _ in matchers:
            filtered.find(n)
        assert n._memo is not None and len(n._memo) == 1


class TestEdgesOfTheFilter:
    def test_a_word_the_letters_view_cannot_show_is_looked_for_in_every_text(self) -> None:
        """A word in another script has no key: the pattern runs on every text."""
        matcher = PhraseMatcher(["дурак", "idiot"], default_severity=Severity.HIGH, label="x")
        assert [m.entry.text for m in matcher.find(normalise("ты ДУРАК!"))] == ["дурак"]
        assert [m.entry.text for m in matcher.find(normalise("an idiot"))] == ["idiot"]
        assert matcher.find(normalise("a kind word")) == []

    def test_a_literal_with_a_run_of_three_is_found_however_long_the_run(self) -> None:
        matcher = PhraseMatcher(["brrr"], default_severity=Severity.HIGH, label="x")
        found = {t: bool(matcher.find(normalise(t))) for t in ("brr", "brrr", "brrrrrr", "b r r r")}
        assert found == {"brr": False, "brrr": True, "brrrrrr": True, "b r r r": True}


class TestLettersView:
    @pytest.mark.parametrize(
        ("raw", "letters"),
        [
            ("Don't DM me!", " don t dm me  "),
            ("Zoë 2pm", " zoe  pm "),
            ("a€b", " a   b "),  # three UTF-8 bytes
            ("a’b", " a b "),  # the curly apostrophe is folded to "'" first
            ("😀x", "  x "),  # and a symbol to a space
            ("", "  "),
            ("ab\ud800", " ab    "),  # a lone surrogate does not raise
        ],
    )
    def test_letters(self, raw: str, letters: str) -> None:
        assert normalise(raw).letters() == letters

    def test_views_are_worked_out_once(self) -> None:
        n = normalise("Zoë Núñez")
        assert n.fold_diacritics() is n.fold_diacritics()
        assert n.letters() is n.letters()
        assert list(itertools.islice(n.fold_diacritics().text, 3)) == ["z", "o", "e"]
