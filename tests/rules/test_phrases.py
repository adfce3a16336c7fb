"""Specification of how a word list's lines become one pattern (``monitor.rules.phrases``).

A line is built as written ("whats|wats your|ur snap*|insta*"), its first words
in a trie and the rest as alternations, rather than as every phrasing in the
trie: a third of the pattern, and a fiftieth of the time to compile it. It
must find what the phrasings find.
"""

from __future__ import annotations

import json

import pytest

from monitor.models import Severity
from monitor.rules.normalise import normalise
from monitor.rules.phrases import PhraseMatcher, _compile, _compile_lines, _entry_index
from tests.rules.helpers import DATA, terms


def _spans(matcher: PhraseMatcher, text: str, *, lines: bool) -> list[tuple[int, int]]:
    numbered = list(enumerate(matcher.entries))
    pattern = _compile_lines(numbered) if lines else _compile(numbered, obfuscations=False)
    assert pattern is not None
    s = normalise(text).fold_diacritics().text
    return [m.span() for m in pattern.finditer(s)]


def _matcher(*lines: str) -> PhraseMatcher:
    return PhraseMatcher(list(lines), default_severity=Severity.HIGH, label="test list")


class TestSameAsEveryPhrasing:
    @pytest.mark.parametrize("name", ["abuse.txt", "safeguarding.txt"])
    def test_over_every_labelled_item(self, name: str) -> None:
        """The shipped lists find the same spans, built either way, in every labelled item."""
        matcher = _matcher(*terms(name))
        numbered = list(enumerate(matcher.entries))
        by_line, by_phrasing = _compile_lines(numbered), _compile(numbered, obfuscations=False)
        assert by_line is not None and by_phrasing is not None
        assert len(by_line.pattern) < len(by_phrasing.pattern)
        for path in sorted(DATA.glob("*.jsonl")):
            for row in path.read_text("utf-8").splitlines():
                s = normalise(json.loads(row)["text"]).fold_diacritics().text.replace("_", " ")
                found = [m.span() for m in by_line.finditer(s)]
                assert found == [m.span() for m in by_phrasing.finditer(s)], s

    @pytest.mark.parametrize(
        ("line", "text", "spans"),
        [
            ("whats|wats your|ur snap*|insta*", "wats ur snapchat?", [(0, 16)]),
            ("whats|wats your|ur snap*|insta*", "whats your name", []),
            ("[a|the] secret meeting", "the secret meeting", [(0, 18)]),
            ("[a|the] secret meeting", "secret meeting", [(0, 14)]),
            ("come home from+school alone", "come home from school alone", [(0, 27)]),
            ("come home from+school alone", "come home from alone", []),
            ("meet me [after|behind] school", "meet me after school", [(0, 20)]),
            ("meet me [after|behind] school", "meet me school", [(0, 14)]),
            ("meet me [after|behind] school", "meet me at school", []),
            ("send pic*|pix", "send pictures", [(0, 13)]),
            ("send pic*|pix", "send pixie", []),
        ],
    )
    def test_a_line_as_written(self, line: str, text: str, spans: list[tuple[int, int]]) -> None:
        matcher = _matcher(line)
        assert _spans(matcher, text, lines=True) == spans
        assert _spans(matcher, text, lines=False) == spans

    def test_the_longer_line_wins_where_two_start_alike(self) -> None:
        """As in the trie of phrasings: "dm me back" is found, not "dm me" inside it."""
        matcher = _matcher("dm me", "dm me back|now")
        numbered = list(enumerate(matcher.entries))
        pattern = _compile_lines(numbered)
        assert pattern is not None
        (match,) = pattern.finditer("pls dm me back x")
        assert match.group() == "dm me back"
        assert matcher.entries[_entry_index(match)].text == "dm me back|now"
