"""Specification of the abuse rule, built from the real default word list."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.lists import parse_terms
from monitor.models import ActionKind, Hit, Item, ItemKind, Severity
from monitor.rules import Rule
from monitor.rules.abuse import GESTURE_ENTRY, HATE_SYMBOL_ENTRY, AbuseRule
from monitor.rules.normalise import normalise

LIST_PATH = Path(__file__).resolve().parents[2] / "config" / "lists" / "abuse.txt"


@pytest.fixture(scope="module")
def terms() -> list[str]:
    return parse_terms(LIST_PATH.read_text(encoding="utf-8").splitlines())


@pytest.fixture(scope="module")
def rule(terms: list[str]) -> AbuseRule:
    return AbuseRule(terms)


def _item(text: str, *, own: bool = False) -> Item:
    return Item(
        source="test",
        platform_id="1",
        kind=ItemKind.POST if own else ItemKind.COMMENT,
        text=text,
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
        is_own=own,
    )


def check(rule: AbuseRule, text: str) -> list[Hit]:
    return rule.check(normalise(text), _item(text))


class TestParseTerms:
    """Reading entries out of a word-list file's lines."""

    def test_drops_comments_and_blanks(self) -> None:
        """Comment lines, trailing comments, blank lines and padding are removed."""
        lines = ["# header", "", "  twat  ", "fuck*  # prefix", "   ", "!shitake"]
        assert parse_terms(lines) == ["twat", "fuck*", "!shitake"]

    def test_default_list_parses(self, terms: list[str]) -> None:
        """The shipped list has a realistic number of entries and builds a rule."""
        assert len(terms) > 100
        AbuseRule(terms)


class TestRuleContract:
    """The rule's identity and defaults."""

    def test_is_a_rule(self, rule: AbuseRule) -> None:
        """AbuseRule satisfies the Rule protocol with hide-by-default, high severity."""
        as_rule: Rule = rule
        assert as_rule.id == "abuse"
        assert rule.default_action is ActionKind.HIDE
        assert rule.default_severity is Severity.HIGH

    def test_hit_fields(self, rule: AbuseRule) -> None:
        """A hit spans the original text and reports the match, normalised form and entry."""
        text = "Honestly, you are a TW4T."
        [hit] = check(rule, text)
        assert hit.rule == "abuse"
        assert hit.severity is Severity.HIGH
        assert text[hit.start : hit.end] == hit.match == "TW4T"
        assert hit.normalised == "twat"
        assert hit.entry == "twat*"

    def test_span_covers_hidden_characters(self, rule: AbuseRule) -> None:
        """A word with a zero-width character inside is quoted whole from the original."""
        text = "what the fu\u200bck"
        [hit] = check(rule, text)
        assert hit.match == "fu\u200bck"
        assert (hit.start, hit.end) == (9, 14)

    def test_several_hits(self, rule: AbuseRule) -> None:
        """Every occurrence is reported, in order."""
        hits = check(rule, "shit school, shit teachers, wankers")
        assert [h.match for h in hits] == ["shit", "shit", "wankers"]

    def test_empty_list_finds_nothing(self) -> None:
        """A rule with no entries never hits."""
        assert check(AbuseRule([]), "fuck") == []


class TestCatches:
    """What the default list catches."""

    @pytest.mark.parametrize(
        ("text", "entry"),
        [
            # plain profanity, insults and slurs
            ("this is fucking ridiculous", "fuck*"),
            ("what a load of shite", "shit*"),
            ("the head is a twat", "twat*"),
            ("bunch of wankers", "wank*"),
            ("absolute bellend", "bellend*"),
            ("you pillock", "pillock"),
            ("she is a slag", "slag"),
            ("what a dick", "dick"),
            ("motherfucker", "motherfuck*"),
            ("dickhead", "dickhead*"),
            ("bollocks to this", "bollock*"),
            ("you prick", "you prick"),
            ("stfu", "stfu"),
            ("porn", "porn*"),
            ("that teacher is a nonce", "nonce"),
            ("you retard", "retard"),
            ("go back home you paki", "paki"),
            # obfuscation
            ("f*ck this", "fuck*"),
            ("F**K", "fuck*"),
            ("sh*t", "shit*"),
            ("c**t", "cunt*"),
            ("b***h", "bitch*"),
            ("sh1t", "shit*"),
            ("a$$", "ass"),
            ("b!tch", "bitch*"),
            ("$h!t", "shit*"),
            ("f u c k", "fuck*"),
            ("f.u.c.k off", "fuck*"),
            ("f-u-c-k", "fuck*"),
            ("f_u_c_k", "fuck*"),
            ("f u c k i n g", "fuck*"),
            ('"f u c k" you', "fuck*"),
            ("(k.y.s)", "kys"),
            ("fuuuuck", "fuck*"),
            ("shiiiiit", "shit*"),
            ("fu\u200bck", "fuck*"),
            ("f\u00adu\u200dc\u2060k", "fuck*"),
            ("fսck", "fuck*"),
            ("ВІТСН", "bitch*"),
            ("ｆｕｃｋ", "fuck*"),
            ("🅵🆄🅲🅺 this school", "fuck*"),
            ("ⓕⓤⓒⓚ", "fuck*"),
            ("⒮⒣⒤⒯ school", "shit*"),
            ("🇫 🇺 🇨 🇰 the governors", "fuck*"),
            ("the TA is a ꜱʟᴀɢ", "slag"),
            ("@$$hole parking in the disabled bay", "asshole*"),
            ("fück", "fuck*"),
            ("#fuckthisschool", "fuck*"),
            ("you_twat", "twat*"),
            ("FUCK", "fuck*"),
            # a one-letter word may stand before a spelling-out
            ("what a f.u.c.k.i.n.g joke", "fuck*"),
            ("you are a f u c k i n g idiot", "fuck*"),
            ("i s h i t you not", "shit*"),
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str, entry: str) -> None:
        """Abusive words are caught, plain or disguised, and credited to the right entry."""
        hits = check(rule, text)
        assert [h.entry for h in hits] == [entry]

    @pytest.mark.parametrize(
        "text",
        [
            "I'll kill you",
            "i’ll kill you",
            "ill kill u",
            "I will kill you",
            "kys",
            "k y s",
            "kill yourself",
            "go and neck yourself",
            "I know where you live",
            "someone should shoot up the school",
        ],
    )
    def test_threats_are_urgent(self, rule: AbuseRule, text: str) -> None:
        """Threats and urging self-harm are caught as urgent."""
        hits = check(rule, text)
        assert hits
        assert all(h.severity is Severity.URGENT for h in hits)


class TestKindsFromTheSecondHeldOutSet:
    """Kinds of abuse an independent held-out set (``data/holdout2.jsonl``) showed missing:
    each row one kind, written differently from the set's item."""

    @pytest.mark.parametrize(
        "text",
        [
            "fvck this",
            "the governors are cvnts",
            "ur such a wasteman",
            "everyone knows shes a sket",
            "art club is for f4gs",
            "they should go back where they came from",
            "send the lot back to their own country",
            "id defo smash her",
            "the new TA is well fit",
            "if he carries on hes getting a slap",
            "say that again and ill put you through the window",
            "tell him to watch his back",
            "watch yourself on the way home",
            "i know his name and what car he drives",
            "she'll get what's coming to her",
            "go hang urself",
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "we'd smash it at the quiz night!",
            "he got a slap on the wrist for it, nothing more",
            "Drove through Shitterton on the way to Weymouth",
            "we send them back home after the trip on the coach",
            "the family came from Leeds last year",
            "watch yourself on the ice by the gates this morning",
            "what a fun day, i was in stitches",
            "my daughter is a fairy in the nativity",
            "the ship was full of immigrants, said the history teacher",
        ],
    )
    def test_leaves_alone(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text) == []


class TestKindsFromTheEighthBlindSet:
    """Kinds the eighth blind set and the focused abuse set showed missing, each written
    differently from the sets' items."""

    @pytest.mark.parametrize(
        "text",
        [
            "their parking is dogshit",
            "foad mate",
            "who ate all the pies then",
            "nice pair on her, the new TA",
            "the great replacement is happening in our schools",
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    def test_an_idiom_is_no_threat(self, rule: AbuseRule) -> None:
        """ "kill me for posting this" is the list's exception, and it quiets the signal."""
        assert check(rule, "she'll kill me for posting this but look at her face") == []


class TestKindsFromTheTenthAndEleventhBlindSets:
    """Kinds the tenth and eleventh blind sets showed missing, and the names and idioms
    that hold a listed word, each written differently from the sets' items."""

    @pytest.mark.parametrize(
        "text",
        [
            "what a pair of cockwombles running this place",
            "the a$$hat who parked across the gate",
            "inbreds the lot of them",
            "fkin joke this school",
            "ffs not again",
            "lazy af the lot of them",
            "she's a useless cow",
            "I'll knock his teeth out if he says that again",
            "tell her to keep quiet or I'll shut it for her",
            "hope he chokes on his bonus",
            "say that to my face at pickup",
            "go back to where you came from",
            "learn english or go home",
            "kick the foreigners out",
            "everyone hates her, she should just die",
            "we'll drown him in the river",
            "they are replacing us in our own country",
            "send noodz for a tenner",
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Thank you Mr Shittu for gritting the paths",
            "Off to Phuket for the holidays, see you in January",
            "Kick ass effort from the netball team today!",
            "I felt as thick as two short planks doing the maths homework",
            "We go back to Poland every summer to see family",
            "Should my son learn English or French as his second subject? (EAL)",
            "Let's wait and see what happens with the snow tomorrow",
            "Year 4 learned about the Viking invaders this week",
            "Titty Ho is a real street name in Northamptonshire",
            "Our collie bitch has had puppies, Class 2 are welcome to visit",
        ],
    )
    def test_leaves_alone(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text) == []


class TestKindsFromTheFourteenthAndFifteenthBlindSets:
    """Insults without a swear word, veiled threats and sexual remarks the fourteenth and
    fifteenth blind sets (and focus_flagged4) showed missing, written differently."""

    @pytest.mark.parametrize(
        "text",
        [
            "the head is an absolute clown",
            "two-faced snake, that PTA chair",
            "silly cow never answers an email",
            "total waste of space that new deputy",
            "do the world a favour and retire",
            "we know where you live Mr Price",
            "I know what time you finish on Fridays. See you then",
            "he'll be eating through a straw by Monday",
            "legal in a few years lads",
            "no one wants to sit next to him on the coach",
            "age is just a number babe",
            "bringing something sharp to the leavers do",
            "that school has got what's coming to it",
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "The clown at the summer fair was brilliant",
            "Do you know where she lives? I have her coat",
            "What time do you finish on Fridays? Can I collect early",
            "Bring something warm for the trip, it gets cold",
            "Age is no barrier, Grandad ran the parents' race",
        ],
    )
    def test_leaves_alone(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text) == []


class TestDoesNotCatch:
    """What the default list must leave alone."""

    @pytest.mark.parametrize(
        "text",
        [
            # criticism and complaints
            "Really disappointed with how the trip was handled.",
            "This is a disgrace, the school should be ashamed.",
            "Worst communication ever, nobody answers the phone.",
            # innocent words containing a listed one
            "Scunthorpe",
            "Penistone",
            "Middlesex",
            "Sussex",
            "cocktail",
            "peacock",
            "Hitchcock",
            "assessment",
            "class",
            "grass",
            "passage",
            "therapist",
            "Arsenal",
            "Dickens",
            "shitake mushrooms",
            "shiitake",
            "Pissarro painted it",
            "a fire retardant spray",
            "niggling injury",
            # idioms
            "this is sick",
            "you killed it at sports day",
            "a killer whale",
            "hell of a day",
            "bloody brilliant",
            "you're dead right",
            # UK school life
            "Dick Whittington was a great panto",
            "spotted dick and custard",
            "Dick Turpin",
            "the ox and the ass in the nativity",
            "who killed cock robin",
            "a bit of a cock-up with the buses",
            "the slag heap at Aberfan",
            "pussy willow",
            "relationships and sex education",
            "the blue tits are nesting",
            # spelt-out letters that are part of a longer spelling
            "A S S E S S M E N T",
            "F O C U S",
            # numbers and times
            "Meet at 3pm on the 14th, £4.50 per child, call 07700 900123",
        ],
    )
    def test_does_not_catch(self, rule: AbuseRule, text: str) -> None:
        """Complaints, innocent words, idioms and school life are not abuse."""
        assert check(rule, text) == []


class TestAllowTerms:
    """Exceptions supplied by the school."""

    def test_allow_term_suppresses_equal_word(self, terms: list[str]) -> None:
        """An allow-term equal to the matched word suppresses that hit only."""
        rule = AbuseRule(terms, allow_terms=["slag"])
        assert check(rule, "slag") == []
        assert [h.match for h in check(rule, "slag twat")] == ["twat"]

    def test_allow_phrase_suppresses_contained_hit(self) -> None:
        """An allow phrase suppresses a hit inside it but not the word elsewhere."""
        rule = AbuseRule(["cock"], allow_terms=["cock robin"])
        assert check(rule, "cock robin") == []
        assert [h.match for h in check(rule, "cock robin is a cock")] == ["cock"]


class TestListSyntax:
    """The entry syntax, on small lists."""

    def test_plain_term_matches_whole_word_and_plural(self) -> None:
        """A plain term matches the word and its plural, never a longer word."""
        rule = AbuseRule(["twit"])
        assert [h.match for h in check(rule, "twit twits twitter")] == ["twit", "twits"]

    def test_prefix_term_matches_longer_words(self) -> None:
        """A term ending in * matches words starting with it, reporting the whole word."""
        rule = AbuseRule(["twit*"])
        assert [h.match for h in check(rule, "twit twitter atwit")] == ["twit", "twitter"]

    def test_phrase_matches_across_spaces_and_hyphens(self) -> None:
        """A phrase's words may be separated by spaces, hyphens, dots, underscores or commas."""
        rule = AbuseRule(["go away"])
        assert len(check(rule, "go away; go-away; go   away; go.away; go, away")) == 5

    def test_an_exception_reads_across_a_comma(self, rule: AbuseRule) -> None:
        """A menu lists its dishes with commas: "!faggots mash" still covers them."""
        assert check(rule, "Thursday: faggots, mash and peas") == []
        assert check(rule, "you faggots")

    def test_severity_tag(self) -> None:
        """A "; urgent" suffix sets the entry's severity; the entry text omits it."""
        [hit] = check(AbuseRule(["go away ; urgent"]), "go away")
        assert hit.severity is Severity.URGENT
        assert hit.entry == "go away"

    def test_exception_entries(self) -> None:
        """An entry starting with ! is an exception, not a term."""
        rule = AbuseRule(["shit*", "!shitake"])
        assert check(rule, "shitake") == []
        assert len(check(rule, "shitty")) == 1

    def test_entries_are_normalised(self) -> None:
        """Entries written with capitals or accents still match."""
        assert len(check(AbuseRule(["Twät"]), "twat")) == 1

    @pytest.mark.parametrize("entry", ["", "*", "123", "f*ck", "twat ; dreadful"])
    def test_malformed_entries_raise(self, entry: str) -> None:
        """A malformed entry fails at construction, not at check time."""
        with pytest.raises(ValueError, match="abuse list entry"):
            AbuseRule([entry])


class TestRobustness:
    """check never raises and stays fast on hostile input."""

    @settings(max_examples=300, deadline=None)
    @given(st.text())
    def test_check_never_raises(self, rule: AbuseRule, text: str) -> None:
        """For any string, check returns hits whose spans lie in the original."""
        for hit in check(rule, text):
            assert 0 <= hit.start < hit.end <= len(text)
            assert text[hit.start : hit.end] == hit.match

    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.sampled_from(["f", "u", "c", "k", "*", "#", " ", ".", "s", "h", "1", "$", "\u200b"]),
            max_size=60,
        )
    )
    def test_check_never_raises_on_near_misses(self, rule: AbuseRule, chars: list[str]) -> None:
        """Text built from the pieces of obfuscated words never trips the rule up."""
        text = "".join(chars)
        for hit in check(rule, text):
            assert text[hit.start : hit.end] == hit.match

    @pytest.mark.parametrize(
        "text",
        [
            "f" + "u" * 200_000 + "ck",
            "f" + "*" * 200_000 + "k",
            "f " * 100_000,
            "a s " * 50_000,
            "sh1t" * 50_000,
        ],
    )
    def test_pathological_input_is_linear(self, rule: AbuseRule, text: str) -> None:
        """Long runs of repeats, masks and spelt letters finish quickly: no backtracking."""
        began = time.perf_counter()
        check(rule, text)
        assert time.perf_counter() - began < 5


class TestGestures:
    def test_the_middle_finger_emoji_is_abuse(self, rule: AbuseRule) -> None:
        """Emoji read as spaces to the lists, so a rude gesture is found as written."""
        from monitor.rules.normalise import normalise  # noqa: PLC0415

        text = "🖕🏽 st marys"
        (hit,) = rule.check(normalise(text), _item(text))
        assert (hit.match, hit.entry) == ("🖕", GESTURE_ENTRY)
        clean = "well done st marys 👍🎉"
        assert rule.check(normalise(clean), _item(clean)) == []


class TestHateSymbols:
    """Hate symbols in brackets and digits, which the normaliser reads away."""

    @pytest.mark.parametrize(
        ("text", "match"),
        [
            ("typical (((globalist))) indoctrination centre", "(((globalist)))"),
            ("ask ((( them ))) who runs the council", "((( them )))"),
            ("1488 white London is gone", "1488"),
            ("proud 14/88 🇬🇧", "14/88"),
            ("14 88 lads", "14 88"),
            ("so few newcomers in the photo. 14 words, lads", "14 words"),
        ],
    )
    def test_an_echo_or_1488_is_abuse(self, rule: AbuseRule, text: str, match: str) -> None:
        hits = check(rule, text)
        assert [(h.match, h.entry) for h in hits if h.entry == HATE_SYMBOL_ENTRY] == [
            (match, HATE_SYMBOL_ENTRY)
        ]

    @pytest.mark.parametrize(
        "text",
        [
            "In 1488 Bartolomeu Dias sailed round the Cape of Good Hope",
            "ring 01488 123456 for the hall",
            "the year 1488 in Year 8 history",
            "raised £1488 for the hospice!",
            "page 1488.5 of nothing",
            "we walked 21488 steps",
            "(well (done) everyone)",
        ],
    )
    def test_a_number_a_year_or_brackets_are_not(self, rule: AbuseRule, text: str) -> None:
        assert [h for h in check(rule, text) if h.entry == HATE_SYMBOL_ENTRY] == []


class TestKindsFromTheSixteenthToNineteenthBlindSets:
    """Slurs and insults that are ordinary words elsewhere, telling someone to go back,
    veiled threats to staff."""

    @pytest.mark.parametrize(
        "text",
        [
            "#JoeBloggs is a grass 🐀",
            "everyone knows ur a snitch",
            "he is a bender lol",
            "she can get back on the boat she came in on",
            "tell the head his days are numbered",
            "enjoy it, you miserable sod",
            "wishing you a long and painful retirement",
            "ur voice is mid and ur face is worse",
            "Rory you little scumbag",
            "Mr Wanker needs sacking",
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Bamboo is a grass, not a tree: Year 4 found out today",
            "please keep off the grass by the pond",
            "Dad went on a bender after the cup final",
            "Year 6 were back on the boat by 3 and home for tea",
            "Saw shags, puffins and eider ducks on the Farne Islands trip",
            "Sod's law it rained on sports day",
            "Wishing Mrs Patel a long and happy retirement",
            # a member of staff's surname that begins with, or is, a word on the list
            "Huge thanks to Mr Dick and Mrs Cockburn for running the chess club",
            "Mr Wankhede's dhol workshop was incredible",
            "there really is a place called Twatt, Year 6 found it on the map",
            "My son's doing the Twatt to Kirkwall charity cycle on Orkney",
        ],
    )
    def test_leaves_alone(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text) == []


class TestOtherLanguages:
    """Abuse written in the languages a UK school's families also write, and words of
    those languages that only look like it."""

    @pytest.mark.parametrize(
        "text",
        [
            "ten nauczyciel to chuj",  # Polish
            "spierdalaj z tą szkołą",
            "Mae'r athro newydd yn gachu llwyr, cachu i gyd",  # Welsh
            "ffycin joke o ysgol",
            "directoarea e o pizdă",  # Romanian
            "que professora de merda, filho da puta",  # Portuguese
            "el director es un gilipollas",  # Spanish
            "sei uno stronzo",  # Italian
            "head teacher bhenchod hai",  # Urdu in Latin letters
            "wasmo iyo dhillo",  # Somali
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Ang ganda ng kulay pula ng costume!",  # Tagalog: red
            "Saya suka sekolah ini, terima kasih cikgu",  # Malay: like
            "Merde! to all the dancers tonight, break a leg",  # the ballet's good luck
            "na curva da estrada perto da escola",  # Portuguese: the bend
            "Dziękujemy bardzo, wspaniały koncert",  # Polish thanks
            "Diolch yn fawr i'r athrawon, cyngerdd bendigedig",  # Welsh thanks
        ],
    )
    def test_leaves_alone(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text) == []


class TestKindsFromTheTwentySecondToTwentyFourthBlindSets:
    """Hate aimed at a nationality or a group, a sexual remark about staff, veiled threats
    to staff; and place names."""

    @pytest.mark.parametrize(
        "text",
        [
            "filthy Romanians nicking everything off the field",
            "immigrant parasites, the lot of them",
            "the new TA is thicc ngl",
            "Tell the head he's lucky I only posted this time",
            "I'll be at the gate Monday and it won't be to chat",
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Our Polish families cooked an amazing feast for international evening",
            "Year 5 found Dildo, Newfoundland on the map and could not stop laughing",
            "Twatt in Orkney is on our geography quiz this week",
            "the road over Cock Bridge was shut with snow again",
            "I only emailed because the phone lines were busy, no rush",
        ],
    )
    def test_leaves_alone(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text) == []


class TestKindsFromTheTwentyFifthAndSixthBlindSets:
    """More languages, threats to staff at home, a wish of death in other words; a
    weathercock and a soup."""

    @pytest.mark.parametrize(
        "text",
        [
            "ta direktore tikra kurva",  # Lithuanian
            "póg mo thóin, a mhúinteoir",  # Irish
            "putangina, ang tagal ng sundo",  # Tagalog
            "lazy scroungers the lot of them",
            "someone should put a brick through his window",
            "I know what time Mrs Lee locks up",
            "I'll be sending my lads round to sort him out",
            "the head can go play in traffic",
            "look at his ugly mug on the newsletter",
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "The cock on top of the church steeple blew off in the storm",
            "cock-a-leekie soup and haggis for the Burns lunch",
            "a window was broken by a football, no bricks involved!",
            "I know what time the bus leaves, it's 3.20",
            "Grandad's sending over the lads' old football kits",
            "Mind you don't prick your fingers on the holly wreaths",
            "prick the potatoes with a fork before they go in",
        ],
    )
    def test_leaves_alone(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text) == []


class TestKindsFromTheTwentySeventhAndEighthBlindSets:
    """More languages, a polite "f*** off", a grass named to be punished, a rude emoji
    pair; pheasants, a pub and mushy peas."""

    @pytest.mark.parametrize(
        "text",
        [
            "sab harami hain is school mein",  # Urdu
            "ten ředitel je debil",  # Czech
            "tas ir kretīns",  # Latvian
            "the head can go forth and multiply",
            "we all know it was you who grassed",
            "give the snitch what she deserves",
            "what a \U0001f514\U0001f51a",  # bell end
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Cock pheasants strutting across the playing field again",
            "Quiz night at the Cock Inn, all proceeds to the PTA",
            "faggots and mushy peas for the harvest supper",
            "the bell rang at the end of the day \U0001f514",
        ],
    )
    def test_leaves_alone(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text) == []

    def test_the_schools_own_teaching_may_quote_what_it_warns_of(self, rule: AbuseRule) -> None:
        text = "E-safety evening: 'send nudes' requests and what to do. All welcome."
        assert rule.check(normalise(text), _item(text, own=True)) == []
        assert rule.check(normalise(text), _item(text))


class TestKindsFromTheTwentyNinthToThirtyThirdBlindSets:
    """More languages (Greek, Twi, Farsi, Malayalam, Somali, Arabic, Pashto, Portuguese),
    a child wished burnt, blackmail, a veiled threat, a stranger waiting outside, sexual
    spam and innuendo emoji; Tagalog's "strong", Orkney's village and an aubergine."""

    @pytest.mark.parametrize(
        "text",
        [
            "o kathigitis einai malaka",  # Greek
            "wo ye kwasia",  # Twi
            "in moalem kheili ahmagh ast",  # Farsi
            "aa sir oru patti aanu",  # Malayalam: is a dog
            "macalinkan waa doqon",  # Somali: a fool
            "a diretora é uma vaca",  # Portuguese: a cow
            "el mudeer ibn kalb",  # Arabic: son of a dog
            "da xowand khar dey",  # Pashto: is a donkey
            "he should be set on fire for that",
            "reply or I'll show everyone what you sent",
            "she wants to watch herself walking home in the dark",
            "the stupidest teachers in the county, truly",
            "I'll be waiting outside when you finish, just you and me",
            "hot local mums want to chat, inbox me",
            "nice outfit \U0001f60f\U0001f346",
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Ang lakas! Malakas ang ulan kanina",  # Tagalog: strong, heavy rain
            "Twatt is a real village in Orkney, look it up",
            "Moussaka with aubergine \U0001f346 for the Greek day lunch",
            "I'll be waiting outside the hall with the raffle tickets",
        ],
    )
    def test_leaves_alone(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text) == []


class TestKindsFromTheThirtyFourthToThirtySixthBlindSets:
    """A fool in Nigerian Pidgin; a beating promised by the ambulance it ends in. The
    ambulance that takes a child home poorly is not."""

    @pytest.mark.parametrize(
        "text",
        ["dat teacher na big mumu", "come near us again and you'll be going home in an ambulance"],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Thank you to the paramedics, he went to hospital in an ambulance but is fine now",
            # places (holdout38)
            "Does the minibus stop near Cock Road in Kingswood?",
            "Pratt's Bottom is a real village in Kent",
        ],
    )
    def test_leaves_alone(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text) == []


class TestInsultsTheSignalHeldOnlyByMemory:
    """Insults each seen in one labelled item, that only the learned signal found (and
    only alerted): the list holds them. Words they look like in other languages are
    left alone."""

    @pytest.mark.parametrize(
        "text",
        [
            "ta wychowawczyni to zwykła suka",  # Polish
            "ta nauczycielka to stara jędza",  # Polish
            "müdür tam bir şerefsiz",  # Turkish
            "aptal herif",  # Turkish
            "shirtlifter PE teacher lol",
            "ezi memhir adgi eyu",  # Tigrinya
            "werey ni principal yen, oloriburuku",  # Yoruba
            "o diefthyntis einai vlakas",  # Greek
            "mae'r prifathro yn dwpsyn llwyr",  # Welsh, mutated
            "direktorius tikras asilas ir kvailys",  # Lithuanian
            "tas mokytojas – kalės vaikas",  # Lithuanian
            "dirigintele e un jeg ordinar",  # Romanian
            "utter degenerate, that man",
            "foxtrot oscar, Mrs Meade",
            "headmaster ekta haramjada, kuttar baccha",  # Bengali
        ],
    )
    def test_catches(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "saya suka sekolah ini",  # Malay: I like this school
            "bir kere daha teşekkürler",  # Turkish: thanks once more
            "jeg er så glad for skolen",  # Danish: I am so glad
            "buah salak enak",  # Malay: snake fruit is tasty
            "the degenerate case comes up in Year 13 maths",
        ],
    )
    def test_leaves_alone(self, rule: AbuseRule, text: str) -> None:
        assert check(rule, text) == []
