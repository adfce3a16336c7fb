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
    # Mobile and geographic: 03 and 08 numbers are organisations' (see TestServiceNumbers).
    national = draw(st.sampled_from("712")) + draw(st.text("0123456789", min_size=9, max_size=9))
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


class TestSpokenHundreds:
    @pytest.mark.parametrize(
        ("text", "match", "normalised"),
        [
            (
                "ring me on oh seven seven double oh, nine hundred, three one two",
                "oh seven seven double oh, nine hundred, three one two",
                "+447700900312",
            ),
            (
                "text me: zero seven seven double oh, nine hundred, one two three",
                "zero seven seven double oh, nine hundred, one two three",
                "+447700900123",
            ),
            ("07700 nine hundred 456", "07700 nine hundred 456", "+447700900456"),
            (
                "oh seven nine one one, two hundred, three four five",
                "oh seven nine one one, two hundred, three four five",
                "+447911200345",
            ),
            (
                "oh one one three, four nine six, five thousand",
                "oh one one three, four nine six, five thousand",
                "+441134965000",
            ),
        ],
    )
    def test_catches(self, rule: PersonalInfoRule, text: str, match: str, normalised: str) -> None:
        """A digit word and "hundred" (or "thousand") is that digit and its zeros, as a
        number is said aloud: "nine hundred" is 900 in a number in words."""
        hits = check(rule, text)
        assert [(h.match, h.normalised, h.entry) for h in hits] == [(match, normalised, IN_WORDS)]

    @pytest.mark.parametrize(
        "text",
        [
            "oh seven seven double oh, nine hundred",  # too few digits
            "nine hundred people came, oh and seven hundred more",
            "oh, two hundred and fifty pounds raised",
        ],
    )
    def test_does_not_catch(self, rule: PersonalInfoRule, text: str) -> None:
        """Hundreds in prose, or too few digits to be a number, are no phone number."""
        assert check(rule, text) == []


class TestLetterOForZero:
    @pytest.mark.parametrize(
        ("text", "match", "normalised"),
        [
            ("text me on 07700 9OO 818 (they're zeros)", "07700 9OO 818", "+447700900818"),
            ("O77OO 900818", "O77OO 900818", "+447700900818"),
            ("mob O79OO 123456 ta", "O79OO 123456", "+447900123456"),
            ("call me 07911 1234O6", "07911 1234O6", "+447911123406"),
            ("landline o113 496 o555", "o113 496 o555", "+441134960555"),
        ],
    )
    def test_catches(self, rule: PersonalInfoRule, text: str, match: str, normalised: str) -> None:
        """The letter o in a word of digits and o's is a zero: the number is found as if
        written in digits, its hit quoting it as written."""
        hits = check(rule, text)
        assert [(h.match, h.normalised, h.entry) for h in hits] == [
            (match, normalised, "phone number")
        ]

    @pytest.mark.parametrize(
        "text",
        [
            "see you at 10 o'clock, back by 2ish",
            "the 2o2o vision team, room 1o1",
            "so 16 of us went, 0 complaints",
        ],
    )
    def test_does_not_catch(self, rule: PersonalInfoRule, text: str) -> None:
        """An o beside digits makes no number where the digits make none."""
        assert check(rule, text) == []

    def test_a_postcode_keeps_its_letter_o(self, rule: PersonalInfoRule) -> None:
        """Only phone numbers read o as zero: "SO16 0AB" is still a postcode."""
        hits = check(rule, "postcode SO16 0AB")
        assert [(h.entry, h.normalised) for h in hits] == [("UK postcode", "SO160AB")]


class TestServiceNumbers:
    @pytest.mark.parametrize(
        "text",
        [
            "call Childline free on 0800 1111",
            "the NSPCC helpline 0808 800 5000",
            "Samaritans on 116 123",
            "Grown-ups, the YoungMinds parents helpline is free on 0808 802 5544.",
            "Freephone 0800 123 4567 for help",
            "ring the council on 0300 123 4567",
            "HMRC 0345 300 3900",
            "ring 0845 123 4567 for tickets",
            "premium line 0906 123 4567",
            "+1 800 555 0199 for the US office",
            "Childline is free on oh eight hundred, one one one one",
            "freephone oh eight oh eight, eight hundred, five thousand",
        ],
    )
    def test_does_not_catch(self, rule: PersonalInfoRule, text: str) -> None:
        """Freephone, non-geographic 03, business-rate and premium numbers, the 116
        helplines and North American toll-free belong to organisations, not people, in
        digits or in words."""
        assert check(rule, text) == []

    @pytest.mark.parametrize(
        ("text", "normalised"),
        [
            ("ring 0116 496 0555 about the car", "+441164960555"),  # Leicester, not 116
            ("Call 0800 123 4567? No, 07812 345678 is mine", "+447812345678"),
            ("helpline's busy, text my mobile 07911 123456", "+447911123456"),
        ],
    )
    def test_a_persons_number_beside_them_is_caught(
        self, rule: PersonalInfoRule, text: str, normalised: str
    ) -> None:
        """Geographic and mobile numbers are still a person's."""
        assert [h.normalised for h in check(rule, text)] == [normalised]


class TestReferences:
    @pytest.mark.parametrize(
        "text",
        [
            "ParentPay ref 4417-2290-0831",
            "your reference is 0047 2213 9981",
            "order no. 0161 2233 4455",
            "The ParentPay ref for the trip is 0047 2213 9981 if anyone's struggling",
            "my booking ref 0113 496 0555 for the swim",
            "account no 0113 496 0555, sort code on the letter",
            "Invoice number: 0161 496 0342",
            "transaction ID 0207 946 0123 failed twice",
            "my acc. no. 0113 496 0555",
            "card 4417 2290 0831 4455 lost at the fair",
            "receipt 4471-2290-1155 attached",
        ],
    )
    def test_does_not_catch(self, rule: PersonalInfoRule, text: str) -> None:
        """Digits a few words after "ref", "order", "account", "invoice", "booking" ...
        are a reference, and digits in groups of four are no phone layout."""
        assert check(rule, text) == []

    @pytest.mark.parametrize(
        ("text", "normalised"),
        [
            ("my order was late so call 0113 496 0555", "+441134960555"),
            ("in order to reach me ring 0113 496 0555", "+441134960555"),
            ("the order came. Call 0113 496 0555", "+441134960555"),
            ("Ticket sales on 0113 496 0555", "+441134960555"),
            # A mobile number is no reference's shape: "PayPal account" is a person's.
            ("my PayPal account is 07911 123456", "+447911123456"),
        ],
    )
    def test_a_phone_number_after_such_a_word_is_caught(
        self, rule: PersonalInfoRule, text: str, normalised: str
    ) -> None:
        """A word for a phone between, another sentence, or a mobile number: a phone."""
        assert [h.normalised for h in check(rule, text)] == [normalised]


class TestDatesOfBirthWithWordsBetween:
    @pytest.mark.parametrize(
        ("text", "match"),
        [
            (
                "DOB for the passport forms was 14.06.2016, same as his grandad",
                "DOB for the passport forms was 14.06.2016",
            ),
            (
                "DOBs for the team sheet: Finn 22/09/2015 and Ellie 04/01/2018",
                "DOBs for the team sheet: Finn 22/09/2015",
            ),
            (
                "date of birth for the football registration is 17 January 2016",
                "date of birth for the football registration is 17 January 2016",
            ),
            ("born on the 3rd of March 2015", "born on the 3rd of March 2015"),
            ("D.O.B. of my son 02/11/2014", "D.O.B. of my son 02/11/2014"),
            (
                "dates of birth needed: Amy 3 March 2016, Ben 5 May 2018",
                "dates of birth needed: Amy 3 March 2016",
            ),
            (
                "his date of birth on the form says April 2nd, 2014",
                "date of birth on the form says April 2nd, 2014",
            ),
            ("she was born early on 4 July 2016", "born early on 4 July 2016"),
            (
                "my birthday is on the 9th of march 2016, party at the pool",
                "birthday is on the 9th of march 2016",
            ),
            (
                "Happy birthday to Faith in Year 3, who turns 8 today (14.09.2016)!",
                "turns 8 today (14.09.2016",
            ),
        ],
    )
    def test_catches(self, rule: PersonalInfoRule, text: str, match: str) -> None:
        """A full date (with its year) a few words after "DOB", "date of birth" or "born",
        or just after an age turned, in the same clause, is a date of birth; the hit runs
        from the keyword."""
        hits = check(rule, text)
        assert [(h.match, h.entry) for h in hits] == [(match, "date of birth")]

    @pytest.mark.parametrize(
        "text",
        [
            "date of birth forms due by 14/03/2025",
            "DOB forms back by 3 March please",
            "please bring DOB certificates, trip 14/05/2024",
            "DOB needed for the trip. Trip is 14/05/2024",
            "we need dates of birth for the party on 3 March",
            "born and bred here, the fair is 14/05/2024",
            "children born between 1 September 2020 and 31 August 2021 can apply",
            "for pupils born on or after 1 September 2015",
            "the school turns 150 on 14/09/2026, come to the party",
            "well done to Year 6 who represented St Mary's at the maths challenge",
            "turn over the page to 14/05/2024 in your planner",
        ],
    )
    def test_does_not_catch(self, rule: PersonalInfoRule, text: str) -> None:
        """A deadline, another clause or sentence, a range of dates (admissions) or a date
        without its year after the keyword is no date of birth."""
        assert check(rule, text) == []


class TestSpacedEmails:
    @pytest.mark.parametrize(
        ("text", "normalised"),
        [
            ("kerrylou86 @ gmail . com", "kerrylou86@gmail.com"),
            ("kerry dot lou at gmail dot com", "kerry.lou@gmail.com"),
            ("jo.bloggs @ hotmail.co.uk", "jo.bloggs@hotmail.co.uk"),
            ("email jo_b @hotmail . co . uk", "jo_b@hotmail.co.uk"),
            ("email sam_t@ yahoo.com please", "sam_t@yahoo.com"),
            ("kerry dot lou @ icloud dot com", "kerry.lou@icloud.com"),
            ("mum: tina.p @ btinternet . com", "tina.p@btinternet.com"),
        ],
    )
    def test_catches(self, rule: PersonalInfoRule, text: str, normalised: str) -> None:
        """A webmail address with spaces around its "@" and dots, or them spelt out, is
        an email address, given in its usual form."""
        hits = check(rule, text)
        assert [(h.entry, h.normalised) for h in hits] == [("email address", normalised)]

    @pytest.mark.parametrize(
        "text",
        [
            "meet @ the park at 3",
            "thanks @ gmail team for the help",
            "office @ stmarys . sch . uk for absences",
            "admissions @ council . gov . uk",
        ],
    )
    def test_does_not_catch(self, rule: PersonalInfoRule, text: str) -> None:
        """An "@" in prose, or an organisation's address spaced out, is not personal."""
        assert check(rule, text) == []


class TestNotAStreetAddress:
    @pytest.mark.parametrize(
        "text",
        [
            "any tips for keeping a 6yo entertained on a 7 hour drive??",
            "a 10 yr old walk to the park",
            "it's a 5 minute walk from school",
            "a 20 min drive from here",
            "about a 3 mile walk round the reservoir",
            "it's a 2 day walk on the coast path",
            "15 minutes drive away",
            "a 5 km walk round the park",
            "the 3 hour long drive",
        ],
    )
    def test_does_not_catch(self, rule: PersonalInfoRule, text: str) -> None:
        """A duration, distance or age before a road-ish word ("drive", "walk") is no
        house number and street."""
        assert check(rule, text) == []

    @pytest.mark.parametrize(
        ("text", "normalised"),
        [
            ("pop round to 7 Orchard Way", "7 orchard way"),
            ("we're 4 doors down, 7 Elm Close", "7 elm close"),
            ("12 Old Mill Lane", "12 old mill lane"),
            ("she lives at 22 Park Drive", "22 park drive"),
        ],
    )
    def test_a_street_is_still_caught(
        self, rule: PersonalInfoRule, text: str, normalised: str
    ) -> None:
        """Houses on streets are still addresses."""
        hits = check(rule, text)
        assert [(h.entry, h.normalised) for h in hits] == [("street address", normalised)]


class TestPostcodeDistricts:
    @pytest.mark.parametrize("text", ["send n00dz lol", "w00t we won", "that's s0 0ld"])
    def test_a_one_letter_area_has_no_district_zero(
        self, rule: PersonalInfoRule, text: str
    ) -> None:
        """B, E, G, L, M, N, S and W have no district 0, so a word with two zeros in it
        ("n00dz") is no postcode."""
        assert check(rule, text) == []

    @pytest.mark.parametrize("text", ["CR0 2AB", "BL0 9RT", "N1 9GU", "E20 1DY", "SW1A 1AA"])
    def test_district_zero_of_two_letter_areas_and_others_are(
        self, rule: PersonalInfoRule, text: str
    ) -> None:
        assert [h.entry for h in check(rule, f"we moved to {text} last week")] == ["UK postcode"]


class TestOfficeLines:
    @pytest.mark.parametrize(
        "text",
        [
            "Office number is 01632 960450 if anyone needs it, they pick up after 8:30",
            "the school office: 0113 496 0555",
            "Reception is on 0161 496 0342 from 8am",
            "ring the switchboard on 0161 496 0342 and ask for the SENCO",
            "Re the bus: I rang the council on 01609 780780 and they said it's not theirs",
            "out of hours, call the local authority children's services on 0161 496 0000",
            "the surgery's number is 0113 496 0123 for flu jabs",
        ],
    )
    def test_an_office_landline_is_not_personal(self, rule: PersonalInfoRule, text: str) -> None:
        """A landline the sentence before it calls an office's, reception's or a public
        service's is an organisation's published line."""
        assert check(rule, text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "Jones Roofing & Joinery sorted our gutters, 01244 496 0187, ask for Gareth",
            "the cabs we use for the airport run are on 0113 496 0222",
            "Rainbow Tuition Centre on the high street, 020 7946 0311, do a trial lesson free",
            "Patel & Sons Electricals fixed the hall lights, 0116 496 0455",
            "the leisure centre's number is 0161 496 0288, they do the swimming lessons",
            "Their number on the website is 0131 496 0721",
            "Spice & Rice did the Eid party food, 0113 496 0611",
        ],
    )
    def test_a_business_landline_is_not_personal(self, rule: PersonalInfoRule, text: str) -> None:
        """A landline the sentence before it gives to a trade or a firm is published."""
        assert check(rule, text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "ring 0113 496 0555 and press 2 for the attendance line",
            "0161 496 0100 option 3, then wait, they do answer eventually",
            "it's 020 7946 0999 ext 214 for the SENCO",
        ],
    )
    def test_a_number_with_a_phone_menu_is_an_organisations(
        self, rule: PersonalInfoRule, text: str
    ) -> None:
        assert check(rule, text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "Dave the electrician, ring him on 07911 123456, he's good",
            "Plumber came out, his own number is 07700 900 312 if you want it",
            "My husband runs a garage but ring me at home on 0113 496 0571. Press on!",
        ],
    )
    def test_a_tradesmans_mobile_or_a_home_line_is_still_caught(
        self, rule: PersonalInfoRule, text: str
    ) -> None:
        """A mobile is a person's whoever carries it; a menu needs "option" or "press"
        and a digit just after the number."""
        assert check(rule, text)

    def test_on_the_schools_own_post_us_and_our_say_so(self, rule: PersonalInfoRule) -> None:
        text = "Our number has changed. You can now reach us on 01632 960450 from 8am."
        assert check(rule, text, own=True) == []
        assert [h.normalised for h in check(rule, text)] == ["+441632960450"]

    @pytest.mark.parametrize(
        "text",
        [
            "call the office or my mobile 07911 123456",
            "the office is shut so ring me on 07911 123456",
            "Office closed. Call 0113 496 0555 for my husband",
            "the council are useless. ring me on 01609 780780 if you want to complain",
            "my husband's at the police station, his mobile is 07911 123456",
            "If the office needs me I'm on +40 742 318 907, I am in Romania until September",
        ],
    )
    def test_a_mobile_or_a_number_after_the_sentence_is_still_caught(
        self, rule: PersonalInfoRule, text: str
    ) -> None:
        assert check(rule, text)

    def test_a_teachers_mobile_on_an_own_post_is_caught(self, rule: PersonalInfoRule) -> None:
        text = "Any questions about the trip, ring us on my mobile 07911 123456"
        assert check(rule, text, own=True)


class TestPublicPlaces:
    @pytest.mark.parametrize(
        "text",
        [
            "The quiz night is at the Royal Oak Inn, 3 Bridge Street, doors 7pm",
            "Leavers' disco at the Community Centre, Station Road, HX1 2AB from 6",
            "the match is at the rugby club clubhouse, Moor Lane, PR2 8XT, parking behind",
            "Eid prayers at the mosque on 14 Green Lane then breakfast for all",
            "catered by the Thistle Kitchen, 9 Union Street, DD1 4BH, highly recommend",
            "Shout out to Cuts & Curls, 27 Foleshill Road, for the free nit checks",
        ],
    )
    def test_a_venues_address_is_published_not_personal(
        self, rule: PersonalInfoRule, text: str
    ) -> None:
        """An address the sentence before it gives to a venue or a business is the place's."""
        assert check(rule, text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "she lives behind the church at 4 Elm Road",
            "my nan's flat is above the shop, 12 High Street, WF1 3AB",
            "he moved out of the hotel to 9 Ash Grove",
            "the club dropped him home to 27 Birch Close, LS6 2AB",
        ],
    )
    def test_a_home_near_a_venue_is_still_caught(self, rule: PersonalInfoRule, text: str) -> None:
        assert check(rule, text)


class TestStreetNamedFirst:
    @pytest.mark.parametrize(
        ("text", "match"),
        [
            (
                "we live on Kingsway, number 118, the house with the blue door",
                "Kingsway, number 118",
            ),
            ("they moved to Elm Grove no. 4 last week", "Elm Grove no. 4"),
            ("she lives on Park Road at number 22", "Park Road at number 22"),
        ],
    )
    def test_the_street_then_its_number(
        self, rule: PersonalInfoRule, text: str, match: str
    ) -> None:
        assert [h.match for h in check(rule, text)] == [match]

    @pytest.mark.parametrize(
        "text",
        [
            "we live on a budget, number 1 rule is no takeaways",
            "I live in hope, number 7 bus permitting",
            "my son is number 118 in the parkrun results",
            "lives on the edge, number 10 shirt",
        ],
    )
    def test_not_a_number_without_where_someone_lives(
        self, rule: PersonalInfoRule, text: str
    ) -> None:
        assert check(rule, text) == []


class TestKindsFromTheTwentyNinthToThirtyThirdBlindSets:
    """A date given on a form, a birthday with a year years back, a bday; a business's
    address and number where its sentence, or the one before, names it (a bar, a shop, a
    club, coaches, a surf school, "their studio line"), a phone menu chosen, the school's
    own line."""

    @pytest.mark.parametrize(
        "text",
        [
            "the form keeps asking for my date of birth? I entered 03/09/1979 twice",
            "my dad's birthday is the same week as sports day, 2nd June 1961",
            "my bday is 4 march 2012 lol",
            "Nan's birthday, 08/11/52, is the day of the concert",
        ],
    )
    def test_a_date_of_birth_is_caught(self, rule: PersonalInfoRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "her birthday party is on 14/06/2026 at the soft play",
            "Ella's birthday disco, 3rd May 2027, invites going out this week",
        ],
    )
    def test_a_birthday_party_this_year_or_next_is_not(
        self, rule: PersonalInfoRule, text: str
    ) -> None:
        """(The message is dated 2026: see ``tests.rules.helpers.check``.)"""
        assert check(rule, text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "Pop into Tony's Fish Bar, 41 Mill Road, Hull HU5 2AB (01482 960 111) for 10% off",
            "Sunny Bakes cakes to order, ring the shop on 0113 496 0123",
            "Riverside Kids Club, 3 Park Lane, LS6 1AB, 0113 496 0999, spaces for September",
            "Moorland Coaches, Unit 2, Quarry Road, Skipton BD23 1AB. Tel 01756 960400.",
            "Our partner is Pentire Surf School, Beach Road, Newquay TR7 1AB, 01637 960111",
            "Book with them on 0161 496 0745 (their studio line)",
            "report an absence on 020 7946 0350 and choose option 1",
            "Office open from 10am. Phone 0151 652 7000 if you need us.",
            "the uniform shop is Uniforms Direct, Unit 3, 210 Soho Road, B21 9LR, 0121 496 0457",
        ],
    )
    def test_a_business_or_the_schools_line_is_published(
        self, rule: PersonalInfoRule, text: str
    ) -> None:
        assert check(rule, text, own="need us" in text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "The shop is shut. Tel 0113 496 0123 for my husband",
            "ring me at the club on 07700 900123",
            "Phone 0151 652 7000 if you need me",
        ],
    )
    def test_a_persons_number_is_still_caught(self, rule: PersonalInfoRule, text: str) -> None:
        assert check(rule, text)


class TestKindsFromTheThirtyFourthToThirtySixthBlindSets:
    """A date of birth given after the form's question; a number rung at home whatever
    office is named; a shop's number by what it sells, where it is stocked, or its
    opening hours."""

    def test_a_date_of_birth_after_the_question(self, rule: PersonalInfoRule) -> None:
        assert check(rule, "Why does it need his date of birth? It's 22 June 2015, he's 11")

    def test_a_number_rung_at_home_is_a_persons(self, rule: PersonalInfoRule) -> None:
        assert check(rule, "for a lift to the council meeting ring us at home, 01750 960 441")

    @pytest.mark.parametrize(
        "text",
        [
            "Kebab house on Mumbles Road, ring 01792 960 000 to order ahead",
            "Jumpers are available from Kidz Kit, tel 0191 498 0344, Sunderland",
            "Book on 0191 498 0355 (Mon-Sat 9-5)",
            "Any changes to the shuttle please ring the depot on 01584 960 310",
            "If anyone will talk to us, our newsdesk is on 01952 960 455",
            # a taxi firm, a co-op (holdout37)
            "Humber Cars (01482 960 224) are running school contract runs this week",
            "Humber Fisheries Co-op, Fish Dock Road, Grimsby DN31 3NW, hosts school visits",
        ],
    )
    def test_a_shops_line_is_published(self, rule: PersonalInfoRule, text: str) -> None:
        assert check(rule, text) == []

    def test_an_address_given_as_ones_own_beside_a_shop_is_caught(
        self, rule: PersonalInfoRule
    ) -> None:
        assert check(rule, "Found a lunchbox outside the Co-op, I'm at 27 Beech Road, HU5 4HG")
