"""Specification of the personal_info rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.models import ActionKind
from monitor.rules.normalise import NormalisedText, normalise
from monitor.rules.personal_info import (
    _DIGIT_RUN,
    _PHONE_SIGN,
    PersonalInfoRule,
    _may_hold_phone,
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
