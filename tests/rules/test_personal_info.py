"""Specification of the personal_info rule."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from monitor.models import ActionKind
from monitor.rules.normalise import NormalisedText, normalise
from monitor.rules.personal_info import (
    _DIGIT_RUN,
    _PHONE_SIGN,
    PersonalInfoRule,
    _may_hold_phone,
    _spelt_starts,
    _with_digits,
)
from tests.rules.helpers import check


@pytest.fixture(scope="module", name="rule")
def fixture_rule() -> PersonalInfoRule:
    return PersonalInfoRule(school_domains=["stmarys.sch.uk"])


class TestCatches:
    @pytest.mark.parametrize(
        ("text", "entry", "normalised"),
        [
            ("call me on 07911 123456", "phone number", "+447911123456"),
            ("my mobile is +44 (0)7911 123456", "phone number", "+447911123456"),
            ("in the US till Friday, +1 555-010-2345", "phone number", "+15550102345"),
            ("jo dot bloggs at outlook dot com", "email address", "jo.bloggs@outlook.com"),
            ("kellyb1990 at gmail.com for dance", "email address", "kellyb1990@gmail.com"),
            ("email mike_t[at]outlook[dot]com", "email address", "mike_t@outlook.com"),
            ("jo (at) yahoo (dot) co (dot) uk", "email address", "jo@yahoo.co.uk"),
            ("ring 07700 900123 after 6", "phone number", "+447700900123"),
            ("landline 0113 496 0555", "phone number", "+441134960555"),
            ("WhatsApp +44 7911 123456", "phone number", "+447911123456"),
            ("my US number +1 415 555 2671", "phone number", "+14155552671"),
            ("０７９１１ １２３４５６", "phone number", "+447911123456"),
            ("email jane.doe@gmail.com", "email address", "jane.doe@gmail.com"),
            ("Tom.Parent@Yahoo.com", "email address", "tom.parent@yahoo.com"),
            ("we live at 12 Oak Road", "street address", "12 oak road"),
            ("postcode LS6 2AB", "UK postcode", "LS62AB"),
            ("it's M1 1AE", "UK postcode", "M11AE"),
            ("SW1A1AA", "UK postcode", "SW1A1AA"),
            ("DOB 12/03/2015", "date of birth", "dob 12/03/2015"),
            ("born on 3rd May 2016", "date of birth", "born on 3rd may 2016"),
            ("DOB: 2013-07-21, which year is he in?", "date of birth", "dob: 2013-07-21"),
            # Digits inside leetspeak are put back; its symbols stay letters.
            ("we live at 12 m@ple road, come by", "street address", "12 maple road"),
            ("ring me 07911 123456 u l0ser", "phone number", "+447911123456"),
            ("email ¡ jane.doe@gmail.com", "email address", "jane.doe@gmail.com"),
            ("write to me.jane@gmail.com.", "email address", "me.jane@gmail.com"),
        ],
    )
    def test_catches(self, rule: PersonalInfoRule, text: str, entry: str, normalised: str) -> None:
        """Each kind of personal information, reported in a canonical form."""
        hits = check(rule, text)
        assert [(h.entry, h.normalised) for h in hits] == [(entry, normalised)]
        assert all(text[h.start : h.end] == h.match for h in hits)

    @pytest.mark.parametrize(
        ("text", "numbers"),
        [
            # Digits just before a number are not part of it.
            ("the year 6 07911 123456 group", [("07911 123456", "+447911123456")]),
            (
                "mum 07911 123456 07922 654321 dad",
                [("07911 123456", "+447911123456"), ("07922 654321", "+447922654321")],
            ),
            ("call (0113) 496 0555 today", [("(0113) 496 0555", "+441134960555")]),
            ("+44 (0)7911 123456", [("+44 (0)7911 123456", "+447911123456")]),
            ("0 7 9 1 1 1 2 3 4 5 6", [("0 7 9 1 1 1 2 3 4 5 6", "+447911123456")]),
        ],
    )
    def test_each_number_in_a_run_of_digits(
        self, rule: PersonalInfoRule, text: str, numbers: list[tuple[str, str]]
    ) -> None:
        found = check(rule, text)
        assert [(h.match, h.normalised) for h in found] == numbers

    def test_address_with_postcode_is_two_hits(self, rule: PersonalInfoRule) -> None:
        """A street address and its postcode are both reported."""
        hits = check(rule, "12 Oak Road, Leeds LS6 2AB")
        assert [h.entry for h in hits] == ["street address", "UK postcode"]


class TestDoesNotCatch:
    @pytest.mark.parametrize(
        "text",
        [
            "Childline is free on 0800 1111 for any young person",
            "Samaritans: 116 123, any time",
            "report: http://185.220.101.4/parentpay/login",
            "http://stmarys.sch.uk@198.51.100.7/win",
            "meet at the gate, dot on three",
            "Meet at 3pm on the 14th, £4.50 per child",
            "Term starts 4 September 2024, INSET 2 and 3 September",
            "Match finished 2-1, times 10 12 14 16",
            "Raised £1,250 at the fair",
            "Room 101 at 9.30am",
            "Trip on 14/05/2024",
            "Contact office@stmarys.sch.uk for absences",
            "info@bakery.co.uk did the cakes",
            "Email head@otherschool.sch.uk",
            "3 games on the green",
            "Year 6 class of 2019",
            "Happy birthday Jamie, 8 today!",
            "an @ with no name before it. @gmail.com",  # no local part, no address
            "sign up at gov.uk for the vouchers",  # "at" a site that is no webmail
            "we met at outlook cafe",
            "For a child born in 2014, secondary applications close 31 October!",
            "Year 6 SATs take place 12-15 May",
            "can my 10 yr old walk home on his own?",  # an age, not a house number
        ],
    )
    def test_does_not_catch(self, rule: PersonalInfoRule, text: str) -> None:
        """School-life numbers, organisations' addresses and dates that are not a birth date."""
        assert check(rule, text) == []

    def test_allow_terms_in_any_format(self) -> None:
        """An allowed number (the school office) is allowed however it is written."""
        rule = PersonalInfoRule(allow_terms=["0113 496 0000", "LS6 2AB"])
        assert check(rule, "call the office on 01134960000, LS62AB") == []
        assert check(rule, "call me on 07911 123456")

    def test_default_action_hides(self, rule: PersonalInfoRule) -> None:
        """Personal information is hidden and reported."""
        assert rule.default_action is ActionKind.HIDE


IN_WORDS = "phone number written in words"
# How each digit may be written in a number in words. The zero a number starts
# with is drawn apart: never "o" or "nil" (a letter and a score).
DIGIT_WORDS = {
    "0": ["oh", "zero", "nought", "o", "nil"], "1": ["one"], "2": ["two"], "3": ["three"],
    "4": ["four"], "5": ["five"], "6": ["six"], "7": ["seven"], "8": ["eight"], "9": ["nine"],
}  # fmt: skip


@st.composite
def numbers_in_words(draw: st.DrawFn) -> tuple[str, str]:
    """A UK number written in words, digits or both, doubled and tripled, separated as
    people do, and its E.164 form."""
    national = draw(st.sampled_from("71238")) + draw(st.text("0123456789", min_size=9, max_size=9))
    prefix = draw(st.sampled_from(["0", "+44", "plus four four", "plus double four"]))
    pieces: list[tuple[str, bool]] = []  # (how it is written, whether as digits)
    if prefix == "0":
        zero = draw(st.sampled_from(["oh", "zero", "nought", "0"]))
        pieces.append((zero, zero == "0"))
    else:
        pieces.append((prefix, prefix == "+44"))
    i = 0
    while i < len(national):
        digit = national[i]
        times = 1
        while i + times < len(national) and national[i + times] == digit and times < 3:
            times += 1
        times = draw(st.integers(1, times))
        i += times
        if times > 1:
            word = draw(st.sampled_from([*DIGIT_WORDS[digit], digit]))
            pieces.append((f"{'double' if times == 2 else 'triple'} {word}", False))
        elif draw(st.booleans()):
            pieces.append((digit, True))
        else:
            pieces.append((draw(st.sampled_from(DIGIT_WORDS[digit])), False))
    assume(not all(as_digits for _, as_digits in pieces))  # digits alone: "phone number"
    written = pieces[0][0]
    for (before, digits_before), (piece, as_digits) in itertools.pairwise(pieces):
        # Digits after digits may run on into one group ("456"), as people write them.
        joined = digits_before and as_digits and not before.startswith(("double", "triple"))
        written += draw(st.sampled_from(["", " "] if joined else [" ", ", ", "-", " - ", ". "]))
        written += piece
    return written, "+44" + national


class TestPhoneNumbersInWords:
    @pytest.mark.parametrize(
        ("text", "match", "normalised"),
        [
            (
                "my mobile is oh seven seven double oh, nine double oh, six one two",
                "oh seven seven double oh, nine double oh, six one two",
                "+447700900612",
            ),
            (
                "text me on oh seven seven double oh nine double oh two two one",
                "oh seven seven double oh nine double oh two two one",
                "+447700900221",
            ),
            (
                "call me on zero seven nine one one, one two three four five six",
                "zero seven nine one one, one two three four five six",
                "+447911123456",
            ),
            # Eleven digits then one more: the number is the first eleven.
            (
                "07 double 9 one two three 456 78",
                "07 double 9 one two three 456 78",
                "+447991234567",
            ),
            (
                "ring oh one one three, four nine six, oh five five five",
                "oh one one three, four nine six, oh five five five",
                "+441134960555",
            ),
            (
                "plus four four seven seven double oh nine double oh one two three",
                "plus four four seven seven double oh nine double oh one two three",
                "+447700900123",
            ),
            (
                "+44 seven seven double oh nine double oh one two three",
                "+44 seven seven double oh nine double oh one two three",
                "+447700900123",
            ),
            (
                "double oh four four seven nine one one one two three four five six",
                "double oh four four seven nine one one one two three four five six",
                "+447911123456",
            ),
            (
                "Nought-seven-nine-one-one, triple one, two-three-four",
                "Nought-seven-nine-one-one, triple one, two-three-four",
                "+447911111234",
            ),
            # "o" and "nil" after the first digit; the last digit may be one.
            (
                "07 double o nine double nil one two three o",
                "07 double o nine double nil one two three o",
                "+447009001230",
            ),
            (
                "OH SEVEN SEVEN double oh nine double oh one two three!",
                "OH SEVEN SEVEN double oh nine double oh one two three",
                "+447700900123",
            ),
            # Leetspeak, folded by the normaliser, is read as words.
            (
                "0h s3v3n s3v3n d0ubl3 0h n1n3 d0ubl3 0h 0n3 tw0 thr33",
                "0h s3v3n s3v3n d0ubl3 0h n1n3 d0ubl3 0h 0n3 tw0 thr33",
                "+447700900123",
            ),
        ],
    )
    def test_catches(self, rule: PersonalInfoRule, text: str, match: str, normalised: str) -> None:
        """A UK number written in words, wholly or in part, is a phone number: the hit
        quotes the words as written and gives the number in E.164."""
        hits = check(rule, text)
        assert [(h.match, h.normalised, h.entry) for h in hits] == [(match, normalised, IN_WORDS)]
        assert all(text[h.start : h.end] == h.match for h in hits)

    def test_the_span_points_at_the_words_as_written(self, rule: PersonalInfoRule) -> None:
        """Characters the normaliser drops or folds before the number (a zero-width space,
        full-width letters, an emoji) do not shift the span off the words."""
        text = "ｃａｌｌ\u200b me 😀 on oh seven seven double oh nine double oh one two three x"
        (hit,) = check(rule, text)
        assert text[hit.start : hit.end] == "oh seven seven double oh nine double oh one two three"
        assert hit.match == text[hit.start : hit.end]

    @given(numbers_in_words())
    def test_any_way_of_writing_it(self, written_and_e164: tuple[str, str]) -> None:
        """However a number is written in words, digits, doubles and separators, it is
        found whole, in E.164."""
        written, e164 = written_and_e164
        text = f"text me on {written} thanks"
        hits = check(PersonalInfoRule(), text)
        assert [(h.match, h.normalised, h.entry) for h in hits] == [(written, e164, IN_WORDS)]

    def test_two_numbers_in_one_run(self, rule: PersonalInfoRule) -> None:
        """Numbers one after the other are each found."""
        hits = check(
            rule,
            "oh seven nine one one one two three four five six oh seven nine two two "
            "six five four three two one",
        )
        assert [h.normalised for h in hits] == ["+447911123456", "+447922654321"]

    @pytest.mark.parametrize(
        "text",
        [
            "one or two of the year six children",
            "two three-legged races and an egg and spoon",
            "oh no, one more day",
            "nine o'clock, one two three go",
            # Fewer than ten digits, or no zero (or +44) to start.
            "oh seven seven double oh nine double oh",
            "Childline is free on oh eight oh oh, one one one one",
            "seven seven double oh nine double oh one two three",
            "we won two nil, three nil, then one nil",
            # Counting is no number, though zero to nine is UK-shaped.
            "Reception can count: zero, one, two, three, four, five, six, seven, eight, nine!",
            "see www.example.com/oh-seven-seven-double-oh-nine-double-oh-one-two-three",
        ],
    )
    def test_does_not_catch(self, rule: PersonalInfoRule, text: str) -> None:
        """Number words in prose, short runs, counting and links are no number in words."""
        assert [h.entry for h in check(rule, text) if h.entry == IN_WORDS] == []

    def test_a_number_in_digits_is_reported_as_before(self, rule: PersonalInfoRule) -> None:
        """Digits alone are a phone number, reported once: a number word after them ("seven
        days") does not make them a number in words too."""
        hits = check(rule, "07911 123456, seven days a week")
        assert [(h.match, h.entry) for h in hits] == [("07911 123456", "phone number")]

    def test_the_schools_own_number_in_words_is_allowed(self) -> None:
        """An allowed number is allowed however it is written, in words too."""
        rule = PersonalInfoRule(allow_terms=["0113 496 0000"])
        assert (
            check(rule, "ring the office, oh one one three four nine six double oh double oh") == []
        )
        assert check(rule, "or me, oh one one three four nine six double oh double one")


class TestSpeltNumberSign:
    @pytest.mark.parametrize(
        "raw",
        [
            "What a brilliant trip! Amara hasn't stopped talking about the Roman soldiers.",
            "Nativity tickets were £3.50 last year, is it the same? And is it 2pm or 6pm?",
            "one or two of the year six children, three-legged races, £10 per child",
            "Term starts 4 September 2024, INSET 2 and 3 September",
            "free robux here bit.ly/3xR0bux",
        ],
    )
    def test_most_comments_are_turned_away_before_any_pattern(self, raw: str) -> None:
        """A comment with no zero a number could start with (oh, zero, nought, plus, or a
        digit run starting 0 or after "+") costs four substring tests and no pattern; and
        none written in words is turned away (``test_any_way_of_writing_it``)."""
        text = normalise(raw)
        s = _with_digits(text)
        runs = [m.span() for m in _DIGIT_RUN.finditer(s)] if s is not None else []
        assert _spelt_starts(text.text, s, runs) == []


class TestDigitsAsWritten:
    @given(st.text(alphabet="ab1 3s@$!|x0é😀’5.ｓ", max_size=24))
    def test_the_leet_step_record_and_the_offsets_agree(self, raw: str) -> None:
        """Digits the leet step folded ("sh1t") are put back from the text before that
        step; a text made by hand finds them through its offsets, to the same result."""
        text = normalise(raw)
        by_hand = NormalisedText(text.original, text.text, text.offsets)
        assert _with_digits(text) == _with_digits(by_hand)

    def test_a_digit_written_full_width_is_put_back_too(self) -> None:
        """The offsets can only find the original's ASCII digits; the record knows "１"
        became "1" before the leet step made it "i"."""
        assert _with_digits(normalise("call ０７９１１ l２３４５６ or x１")) == (
            "call 07911 l23456 or x1"
        )


class TestPhoneSign:
    @given(st.text(alphabet="0123 ()./+-a\n", max_size=30))
    def test_the_digit_runs_say_what_the_sign_pattern_would(self, s: str) -> None:
        """Whether a text may hold a phone number is told from its digit runs, found
        anyway for addresses, exactly as the sign pattern scanning it again would."""
        runs = [m.span() for m in _DIGIT_RUN.finditer(s)]
        assert _may_hold_phone(s, runs) is (_PHONE_SIGN.search(s) is not None)

    @pytest.mark.parametrize(
        ("s", "sign"),
        [
            ("07911 123456", True),
            ("0791-1 (2)3", True),
            ("1234 56 a 7", False),
            ("12 .. 34 5678", False),
            ("123456", False),
            ("year 6, 2pm, £3.50", False),
        ],
    )
    def test_examples(self, s: str, sign: bool) -> None:
        runs = [m.span() for m in _DIGIT_RUN.finditer(s)]
        assert _may_hold_phone(s, runs) is sign
