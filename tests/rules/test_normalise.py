"""Specification of the shared text normaliser, ``monitor.rules.normalise``."""

from __future__ import annotations

import itertools
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.rules.normalise import SCANNED_RANGES, NormalisedText, fold_diacritics, normalise


def _assert_well_formed(n: NormalisedText) -> None:
    assert len(n.offsets) == len(n.text) + 1
    assert n.offsets[-1] == len(n.original)
    assert all(0 <= a <= b for a, b in zip(n.offsets, n.offsets[1:], strict=False))
    assert all(o < len(n.original) for o in n.offsets[:-1])


class TestFolding:
    """What normalise folds, and what it leaves alone."""

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("Hello World", "hello world"),
            ("ＳＨＯＵＴ", "shout"),  # fullwidth, via NFKC
            ("𝐛𝐨𝐥𝐝", "bold"),  # mathematical bold, via NFKC
            ("ﬁne", "fine"),  # ligature expands
            ("STRASSE ß", "strasse ss"),  # case folding, not just lower()
            ("fu\u200bck", "fuck"),  # zero-width space
            ("f\u200cu\u200dc\u2060k", "fuck"),  # ZWNJ, ZWJ, word joiner
            ("sh\u00adit", "shit"),  # soft hyphen
            ("\ufeffhello", "hello"),  # byte order mark
            ("\u202eabc\u202c", "abc"),  # right-to-left override and pop
            ("\u2066abc\u2069", "abc"),  # bidi isolates
            ("fսck", "fuck"),  # Armenian "u"
            ("Вітсн", "bitch"),  # Cyrillic look-alikes, upper case too
            ("αρρle", "apple"),  # Greek look-alikes
            ("it’s “great” – really", 'it\'s "great" - really'),  # typographic to ASCII
            ("ʼ‘ — − ‐", "'' - - -"),
            ("well done 😀👍🏽 team", "well done " + "   " + " team"),  # symbols to spaces
            ("© 2026 ❤\ufe0f", "  2026  "),  # the variation selector is dropped
            ("ⓕⓤⓒⓚ 🄵🅄🄲🄺", "fuck fuck"),  # circled and squared letters, via NFKC
            ("🅵🆄🅲🅺 🅕🅤🅒🅚", "fuck fuck"),  # negative squared and circled: no NFKC form
            ("⒮⒣⒤⒯", "shit"),  # parenthesised, not NFKC's "(s)(h)(i)(t)"
            ("🇫 🇺 🇨 🇰", "f u c k"),  # regional indicators
            ("go england 🇬🇧", "go england gb"),  # a flag reads as its country code
            ("ꜱʟᴀɢ ʙɪᴛᴄʜ", "slag bitch"),  # small capitals
        ],
    )
    def test_folds(self, raw: str, expected: str) -> None:
        """Compatibility forms, case, invisible characters and homoglyphs fold to plain text."""
        assert normalise(raw).text == expected

    def test_composes_decomposed_accents(self) -> None:
        """A base letter and a combining accent compose, as a typed "é" would be."""
        assert normalise("Zoe\u0301").text == normalise("Zoé").text == "zoé"

    def test_keeps_diacritics(self) -> None:
        """Accents are kept; name rules want both forms."""
        assert normalise("Zoë Núñez").text == "zoë núñez"

    def test_emoji_and_curly_quotes_leave_ascii(self) -> None:
        """Text whose only non-ASCII characters are symbols and typographic punctuation
        normalises to ASCII, which is its own accent-free view."""
        n = normalise("We’re “so” proud 🏆🎉 – Year 6!")
        assert n.text.isascii()
        assert n.fold_diacritics() is n
        assert n.text == 'we\'re "so" proud    - year 6!'

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.sampled_from(list("ab Z1!’“”–😀👍🏽é\u200dаВß£"))))
    def test_one_to_one_and_character_paths_agree(self, raw: str) -> None:
        """Text the fast one-to-one path takes folds exactly as the character-by-character
        path folds it: an ellipsis ("…" is "..." under NFKC) sends the same text down the
        slow path, and the two agree on the text and on every offset."""
        fast = normalise(raw)
        slow = normalise(raw + " …")
        assert slow.text == fast.text + " ..."
        assert list(slow.offsets[: len(fast.text)]) == list(fast.offsets[:-1])


class TestLeetspeak:
    """Leetspeak folds only where it disguises a word."""

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("sh1t", "shit"),
            ("a$$", "ass"),
            ("b!tch", "bitch"),
            ("$h!t", "shit"),
            ("5hit", "shit"),
            ("l33t", "leet"),
            ("4rse", "arse"),
            ("7w4t", "twat"),
            ("c0ck", "cock"),
            ("@$$hole", "asshole"),  # no @mention: a handle holds no "$"
        ],
    )
    def test_folds_inside_words(self, raw: str, expected: str) -> None:
        """Digits and symbols in a token with letters fold to the letters they mimic."""
        assert normalise(raw).text == expected

    @pytest.mark.parametrize(
        "raw",
        [
            "2021",
            "07700 900123",
            "£4.50",
            "$5",
            "3pm",
            "10am",
            "5th",
            "1st",
            "Y7",
            "yr10",
            "U12s",
            "KS3",
            "hi!!",
            "well done!",
            "office@sch00l.example",
            "@sam77",
            "https://example.com/page1",
            "www.site1.com",
        ],
    )
    def test_leaves_numbers_and_addresses(self, raw: str) -> None:
        """Numbers, times, year groups, punctuation, e-mails, mentions and URLs are unchanged."""
        assert normalise(raw).text == raw.lower()


class TestOffsets:
    """Offsets point from the normalised text back to the original."""

    def test_ascii_offsets_are_identity(self) -> None:
        """Plain ASCII maps character for character."""
        n = normalise("Hello")
        assert tuple(n.offsets) == (0, 1, 2, 3, 4, 5)

    def test_removed_characters_are_skipped(self) -> None:
        """A removed zero-width character leaves a gap in the offsets."""
        n = normalise("fu\u200bck")
        assert n.offsets == (0, 1, 3, 4, 5)

    def test_original_span_covers_removed_characters_inside(self) -> None:
        """A span over a word includes invisible characters inside it."""
        n = normalise("go fu\u200bck off")
        start = n.text.index("fuck")
        assert n.original_span(start, start + 4) == (3, 8)
        assert n.original[3:8] == "fu\u200bck"

    def test_original_span_covers_whole_expanded_character(self) -> None:
        """A span ending inside an expansion ("ﬁ" -> "fi") covers the whole source character."""
        n = normalise("ﬁne")
        assert n.original_span(0, 1) == (0, 1)
        assert n.original_span(0, 4) == (0, 3)

    def test_original_span_covers_combining_marks(self) -> None:
        """A span ending on a composed letter includes its combining mark."""
        n = normalise("Zoe\u0301 x")
        assert n.original_span(0, 3) == (0, 4)

    def test_original_span_clamps_and_handles_empty(self) -> None:
        """Empty and out-of-range spans map without raising."""
        n = normalise("abc")
        assert n.original_span(1, 1) == (1, 1)
        assert n.original_span(-5, 99) == (0, 3)
        assert n.original_span(3, 2) == (3, 3)

    def test_span_through_emoji_and_invisible_characters(self) -> None:
        """A hit after emoji and inside zero-width joiners still quotes what was written."""
        n = normalise("😀👍🏽 fu\u200dck’s")
        start = n.text.index("fuck")
        begin, end = n.original_span(start, start + 4)
        assert n.original[begin:end] == "fu\u200dck"

    def test_ascii_span_slices_same_text(self) -> None:
        """For ASCII input a span of the normalised text is the same span of the original."""
        n = normalise("You are a SH1T")
        assert n.original_span(10, 14) == (10, 14)


class TestFoldDiacritics:
    """The accent-free helpers."""

    def test_fold_diacritics_string(self) -> None:
        """Accented Latin letters become their base letters, barred and slashed ones too."""
        assert fold_diacritics("Zoë Núñez Łódź") == "Zoe Nunez Lodz"
        assert fold_diacritics("Søren Đorđević Yılmaz") == "Soren Dordevic Yilmaz"

    def test_fold_diacritics_drops_combining_marks(self) -> None:
        """Stray combining marks are removed."""
        assert fold_diacritics("e\u0301\u0302") == "e"

    def test_normalised_text_fold_keeps_offsets(self) -> None:
        """Folding a NormalisedText keeps spans pointing at the original."""
        n = normalise("Zoë fück").fold_diacritics()
        assert n.text == "zoe fuck"
        assert n.original_span(4, 8) == (4, 8)
        _assert_well_formed(n)

    def test_normalised_text_fold_with_stray_marks(self) -> None:
        """Text whose marks could not compose still folds with well-formed offsets."""
        n = normalise("f\u0335u\u0335c\u0335k\u0335!").fold_diacritics()
        assert n.text == "fuck!"
        assert n.original_span(0, 4) == (0, 8)
        _assert_well_formed(n)


class TestRobustness:
    """normalise never raises and always returns well-formed offsets."""

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "\ud800",
            "a\udfffb",
            "😀😀😀",
            "👨‍👩‍👧‍👦",
            "\u202e\u202d\u202e",
            "\u0301\u0301 leading marks",
            "مرحبا بالعالم",
            "日本語のテキスト",
            "İstanbul",
        ],
    )
    def test_odd_inputs(self, raw: str) -> None:
        """Surrogates, emoji, bidi controls, leading marks and other scripts are handled."""
        _assert_well_formed(normalise(raw))

    def test_large_input(self) -> None:
        """A megabyte of mixed text normalises without error."""
        raw = ("Ｆｕ\u200bck sh1t 2021 😀 Zoë " * 40_000)[:1_000_000]
        n = normalise(raw)
        assert len(n.offsets) == len(n.text) + 1

    @settings(max_examples=300, deadline=None)
    @given(st.text())
    def test_never_raises_and_offsets_monotonic(self, raw: str) -> None:
        """For any string, offsets are monotonic, in range and end at len(original)."""
        n = normalise(raw)
        assert n.original == raw
        _assert_well_formed(n)

    @settings(max_examples=200, deadline=None)
    @given(st.text(alphabet=st.characters(codec="utf-8")), st.integers(), st.integers())
    def test_original_span_in_range(self, raw: str, a: int, b: int) -> None:
        """Any span maps to an ordered span inside the original."""
        n = normalise(raw)
        start, end = n.original_span(a, b)
        assert 0 <= start <= end <= len(raw)

    @settings(max_examples=200, deadline=None)
    @given(st.text(alphabet=st.characters(codec="ascii")))
    def test_ascii_same_length(self, raw: str) -> None:
        """ASCII input keeps its length, so spans line up one to one."""
        assert len(normalise(raw).text) == len(raw)

    def test_idempotent_on_normalised_letters(self) -> None:
        """Normalising normalised plain text changes nothing."""
        once = normalise("Ｗｅｌｌ ｄｏｎｅ Zoë").text
        assert normalise(once).text == once
        assert unicodedata.is_normalized("NFKC", once)


class TestUnicodeTables:
    def test_the_unscanned_code_points_hold_no_character_of_a_scanned_category(self) -> None:
        """The category scan skips all but SCANNED_RANGES because this Python's Unicode puts
        no format character or symbol anywhere else; a Unicode that does fails here, not
        silently in matching."""
        assert SCANNED_RANGES[0][0] == 0
        stops = [stop for _, stop in SCANNED_RANGES]
        firsts = [first for first, _ in SCANNED_RANGES[1:]] + [sys.maxunicode + 1]
        gaps = (range(stop, first) for stop, first in zip(stops, firsts, strict=True))
        outside = itertools.chain.from_iterable(gaps)
        found = [cp for cp in outside if unicodedata.category(chr(cp)) in ("Cf", "So", "Sk")]
        assert found == []
