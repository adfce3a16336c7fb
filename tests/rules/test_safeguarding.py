"""Specification of the safeguarding rule, built from the shipped phrase list."""

from __future__ import annotations

import pytest

from monitor.models import ActionKind, ItemKind, Severity
from monitor.rules import SAFEGUARDING_RULES
from monitor.rules.safeguarding import SECRECY_ENTRIES, TOPIC_ENTRIES, SafeguardingRule
from tests.rules.helpers import check, terms


@pytest.fixture(scope="module", name="rule")
def fixture_rule() -> SafeguardingRule:
    return SafeguardingRule(terms("safeguarding.txt"))


class TestContract:
    """Identity, defaults and routing."""

    def test_urgent_hide_and_routed_to_dsl(self, rule: SafeguardingRule) -> None:
        """Findings are urgent, hidden where public, and go to the DSL."""
        assert rule.id in SAFEGUARDING_RULES
        assert (rule.default_action, rule.default_severity) == (ActionKind.HIDE, Severity.URGENT)

    def test_hit_quotes_original_and_entry(self, rule: SafeguardingRule) -> None:
        """A hit spans what was written and names the list line it matched."""
        text = "hey, WHATS UR SNAP?? x"
        [hit] = check(rule, text)
        assert text[hit.start : hit.end] == hit.match == "WHATS UR SNAP"
        assert hit.normalised == "whats ur snap"
        assert hit.entry.startswith("what's|whats")


class TestCatches:
    """Contact-seeking, disclosures, self-harm signals and threats to children."""

    @pytest.mark.parametrize(
        "text",
        [
            # contact-seeking
            "dm me babe",
            "add me on snapchat",
            "what's ur insta?",
            "wats ur sn4p",
            "send me a pic",
            "meet me after school",
            "wanna meet up later?",
            "don't tell your mum",
            "dont tell ur parents",
            "our little secret",
            "how old are u",
            "are you home alone",
            "you're so mature for your age",
            # disclosures
            "my stepdad hurts me",
            "he touched me",
            "i'm scared to go home",
            "im being bullied",
            # self-harm
            "i want to kill myself",
            "i keep cutting myself",
            "suicidal",
            "i wanna end it all",
            # threats to children
            "I know where your kid goes to school",
            "i'll snatch your kids",
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        """Each is a safeguarding concern."""
        assert check(rule, text)


class TestKindsFromTheSecondHeldOutSet:
    """Kinds of message an independent held-out set (``data/holdout2.jsonl``) showed
    missing: each row one kind, written differently from the set's item."""

    @pytest.mark.parametrize(
        "text",
        [
            # contact-seeking, paying a child, secrecy, grooming talk
            "the girl in the choir video, whats her insta",
            "what's ur fortnite",
            "pm me hun",
            "message me babe",
            "i'll send you robux if u add me",
            "steam card for some pics?",
            "who wants to earn easy cash",
            "noone needs to know",
            "dont tell the teachers ok",
            "ur mum said its ok",
            "have you got a boyfriend",
            "im not like the lads in your class",
            # disclosures
            "there's never any food in the house",
            "my mum sleeps all day",
            "a man asked me to get in his car",
            "he said he'll hurt me if i tell",
            # self-harm and suicide, as young people write it
            "thinking about unaliving",
            "sewer slide",
            "i just want to disappear",
            "no one would notice if i was gone",
            "nobody would even care if i wasnt here",
            "relapsed again last night",
            "gonna take all my tablets",
            "im done with life",
            "kys",
            "just kill urself",
            # threats to pupils
            "i'll sort him out myself",
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Mrs Khan asked me to get in touch with the office about the trip",
            "they asked us to get in early for the photos",
            "free robux here bit.ly/3xR0bux",  # a scam link: unsafe_link's
            "what's your username on the homework app?",
            "message me hun, I've got her coat",
            "no one will notice if I'm five minutes late",
            "if I wasn't here to remind them they'd forget their PE kit",
            "I'm so done with this rain",
            "please send money for your photos by Friday",
            "what's your minecraft world called? show us in computing club",
            "the PTA need to know numbers by Friday",
        ],
    )
    def test_leaves_alone(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []


class TestKindsFromTheEighthBlindSet:
    def test_ways_to_hurt_themselves(self, rule: SafeguardingRule) -> None:
        assert check(rule, "the group chat shares ways to starve yourself")

    @pytest.mark.parametrize(
        "text",
        [
            "he'll kill me for posting this but look how proud he is",
            "my mum will murder me for sharing this 😂",
            "she'll die of embarrassment when she sees this photo",
        ],
    )
    def test_idioms_are_quiet(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []

    def test_a_disclosure_with_the_same_words_is_not(self, rule: SafeguardingRule) -> None:
        assert check(rule, "he'll kill me if i tell anyone")


class TestDoesNotCatch:
    """Ordinary school-page talk that shares words with the phrases."""

    @pytest.mark.parametrize(
        "text",
        [
            "Please contact the school office",
            "Message the office if your child is absent",
            "Can we meet the new teacher before September?",
            "tell your mum to check the bookbag",
            "how old is the school building?",
            "where do you get the new jumpers from?",
            "home alone is on at movie night",
            "he hit the ball so far!",
            "you killed it at sports day",
            "this homework is killing me 😂",
            "the secret garden production was magical",
        ],
    )
    def test_does_not_catch(self, rule: SafeguardingRule, text: str) -> None:
        """None of these is a concern."""
        assert check(rule, text) == []


class TestListSyntax:
    """Alternatives, optional words and joined words expand to every phrasing."""

    def test_alternatives_and_optional_words(self) -> None:
        """``a|b`` picks one word, ``[x]`` may be left out, ``+`` joins words into one choice."""
        rule = SafeguardingRule(["i'm|i+am [so] sad|lonely"])
        for text in ["im sad", "I am so lonely", "i'm lonely"]:
            assert check(rule, text), text
        assert check(rule, "so sad") == []

    def test_malformed_entry_names_the_list(self) -> None:
        """A bad entry fails at construction, naming the safeguarding list."""
        with pytest.raises(ValueError, match="safeguarding list entry"):
            SafeguardingRule(["dm* me"])


class TestTeachingAboutASubject:
    """A subject named in teaching or support is no concern; the same words from a child
    about themselves are."""

    @pytest.mark.parametrize(
        "text",
        [
            "Really important session today on self-harm and where young people can get help.",
            "Mental Health Awareness Week: our Year 9s learned about the signs of anxiety, "
            "self-harm and eating disorders. Childline (0800 1111) is always there.",
            "If you are worried about your child's wellbeing, including self-harm or low mood, "
            "our Family Support Worker is happy to help.",
            "Thanks for sharing the CAMHS info evening about self-harm and anxiety. Really "
            "useful, wish I'd known about it sooner",
            "If your child tells you about something that worries you, stay calm, listen, and "
            "don't promise to keep it a secret. Then let us know. Our DSL is available daily.",
        ],
    )
    def test_teaching_or_support_is_quiet(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "i self harm and the assembly made it worse",
            "after the lesson on self-harm i realised im doing it too",
            "self harm every night now",
        ],
    )
    def test_the_writer_speaking_of_themselves_is_a_concern(
        self, rule: SafeguardingRule, text: str
    ) -> None:
        assert check(rule, text)

    def test_the_topic_entries_are_in_the_shipped_list(self) -> None:
        """Renaming one of these list lines must not quietly undo the teaching check."""
        assert set(terms("safeguarding.txt")) >= TOPIC_ENTRIES
        assert set(terms("safeguarding.txt")) >= SECRECY_ENTRIES


class TestKindsFromTheTenthAndEleventhBlindSets:
    """Kinds the tenth and eleventh blind sets found missing, in other words than theirs."""

    @pytest.mark.parametrize(
        "text",
        [
            "im ending it all tonight so dont bother",
            "dont worry about me, ill be gone by monday",
            "my brother wants to end it, what do i do",
            "so it all stops. thats all i want",
            "been thinking about jumping in front of the train",
            "she keeps scratching her wrists till they bleed",
            "been scratching my legs with a razor again",
            "we havent had tea since yesterday, mum is asleep",
            "me and my sister been on our own since saturday",
            "the twins get left on their own for days",
            "his stepdad locked him out overnight again",
            "they're sleeping in a car with their mum at the harbour",
            "my uncle hits me when mum is at work",
            "he pushed my mum down the stairs",
            "he says its our secret and i cant tell",
            "pay well for feet pics, girls only",
            "no need to involve the parents, just message me direct",
            "parents don't need to know about the training",
            "join the fight lads, our movement needs you",
            "new youth server for lads who are sick of it",
            "there's a court order, he cannot take them",
            "if she snitches she's getting jumped",
            "half of year 9 are coming for him after school",
            "they said they'd stab me if i tell",
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Spare seat to the county final on Saturday, DM me, happy to split petrol",
            "Bag of age 9-10 uniform free to a good home, PM me",
            "Does anyone recommend a maths tutor? DM me please",
            "Two tickets for the panto going at cost, DM me if you want them",
            "Can someone DM me the spellings? The bag came home empty",
            "Loads of you asked for the recipe for the jollof, DM me and I'll send it",
            "the chippy are doing free kids meals in half term if anyone's struggling, no "
            "questions asked",
            "The class of 2015 reunion is on! DM me on here for details",
            "Winter coats appeal: take what your family needs, no questions asked",
            "Period products are free to any pupil who needs them, no questions asked",
        ],
    )
    def test_an_exchange_between_adults_is_no_invitation(
        self, rule: SafeguardingRule, text: str
    ) -> None:
        """'DM me' or 'no questions asked' between parents about a seat, clothes, spellings
        or a coats appeal moves no child anywhere."""
        assert check(rule, text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "spare robux for anyone in year 6, dm me",
            "dm me if you want a chat, im bored",
            "free tickets for u babe, pm me",
            "spare ps5 game, pm me and dont tell ur mum",
            "need somewhere to stay tonight? no questions asked x",
            "free vapes for any year 9, no questions asked",
        ],
    )
    def test_an_invitation_to_a_child_still_is(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Safer Internet Day: never send photos to someone you've only met online.",
            "E-safety assembly today. If anyone asks you to send pictures, tell a grown-up.",
            "Staying safe online: pressure to send pics is never ok, and never your fault.",
            "Please talk to your child about anyone who asks them to keep secrets or send photos.",
        ],
    )
    def test_advice_about_pictures_is_no_request(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "send me a pic babe",
            "we had the e-safety assembly but he still keeps asking me to send pics",
        ],
    )
    def test_a_request_for_pictures_still_is(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    def test_a_megabyte_of_invitations_between_adults_is_all_told_apart(
        self, rule: SafeguardingRule
    ) -> None:
        """Every one of 20,000 hits in a 1 MB text is told apart (the checks read the
        text once, not once per hit, so this finishes in seconds)."""
        text = ("Spare seat, DM me. Our e-safety assembly covered self-harm. " * 20_000)[:999_960]
        assert check(rule, text) == []


class TestKindsFromTheTwelfthAndThirteenthBlindSets:
    """Kinds the twelfth and thirteenth blind sets found missing, in other words."""

    @pytest.mark.parametrize(
        "text",
        [
            "my nephew told me he cuts himself in the shower",
            "her stepdad is hitting her, everyone knows",
            "he has bruises from dad again but he said the teacher he fell",
            "our daughter hasn't come home from school and it's 7pm",
            "private group for teens where we end the pain together",
            "think im gonna log off for good now",
            "we're not allowed to tell the teachers about mums friend",
            "there isnt any food at home again",
            "he was pointing a knife at my mum",
            "that snitch is a dead man monday",
            "year 7s getting paid in vapes to carry bags",
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "The lollipop man was waving it at me to slow down",
            "Dad didn't come home till late, night shift again",
        ],
    )
    def test_leaves_alone(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []


class TestTheSchoolQuotingWhatToWatchFor:
    """The school's own e-safety post quotes what a groomer says; the same words of its
    own, or quoted outside teaching, are still found."""

    def test_a_quoted_warning_in_an_own_teaching_post_is_quiet(
        self, rule: SafeguardingRule
    ) -> None:
        text = (
            'E-safety reminder: if someone online asks your child to "add me on Snap" '
            "or to keep a chat secret, report it."
        )
        assert check(rule, text, kind=ItemKind.POST, own=True) == []
        curly = "Online safety: be wary of anyone who says \u201cdon\u2019t tell your mum\u201d."
        assert check(rule, curly, kind=ItemKind.POST, own=True) == []
        single = (
            "Safer Internet Day: every class talked about what to do if someone online says "
            "'don't tell your parents'. The answer: STOP, BLOCK, TELL."
        )
        assert check(rule, single, kind=ItemKind.POST, own=True) == []

    def test_an_apostrophe_is_no_quotation(self, rule: SafeguardingRule) -> None:
        """The apostrophes in "it's" and "kids'" open and close nothing."""
        text = "E-safety club's on tonight, it's the kids' favourite: add me on snap for details"
        assert check(rule, text, kind=ItemKind.POST, own=True)

    def test_the_same_words_unquoted_or_from_a_visitor_are_found(
        self, rule: SafeguardingRule
    ) -> None:
        staff = "E-safety club tonight, add me on snap for the details"
        assert check(rule, staff, kind=ItemKind.POST, own=True)
        visitor = 'E-safety is a joke, "add me on Snap" babe'
        assert check(rule, visitor)


class TestKindsFromTheFourteenthAndFifteenthBlindSets:
    """Kinds holdout14, focus_flagged4 and holdout15 found missing, in other words."""

    @pytest.mark.parametrize(
        "text",
        [
            # staff moving pupils to a private channel, on the school's own page
            "Revision help over Easter: message me on my personal snapchat, Year 11",
            "text me on my personal mobile if you're stuck, no need to tell your parents",
            "want the team for Saturday? text me on my own phone and I'll add you. Coach B",
            "Jamie, please send me a private message on my Instagram after school. Mr H",
            "reply on the other app, people are nosy on here",
            "lets move this somewhere more private x",
            "we can talk properly without your parents knowing",
            "wrote letters for everyone. love you all x",
            "i deserve the marks tbh",
            "anyone know how to hide bruises for PE",
            "mam says if the social come round i have to say everything is fine",
            "more close-ups of the girls please",
            "not going home tonight, staying with a mate from the internet",
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)
        assert check(rule, text, kind=ItemKind.POST, own=True)

    def test_keep_it_secret_named_in_teaching_is_quiet(self, rule: SafeguardingRule) -> None:
        """An own e-safety post naming what a groomer asks is teaching; the same words
        said to a child, or by a writer of themselves, are a concern."""
        teaching = (
            "Online Safety Week: people who groom children start with gifts, then ask "
            "the child to keep it secret. Please talk to your child about who they chat to."
        )
        assert check(rule, teaching, kind=ItemKind.POST, own=True) == []
        assert check(rule, "keep it secret ok, dont tell ur mum")
        assert check(rule, "after the online safety talk i said we keep it secret")


class TestKindsFromTheSixteenthAndSeventeenthBlindSets:
    """Kinds holdout16 and holdout17 found missing, in other words than theirs."""

    @pytest.mark.parametrize(
        "text",
        [
            "mam's sleeping all day again so i got my brother ready",
            "there's bottles everywhere and nobody's up",
            "her dad isn't allowed to collect her, can the office check on Friday",
            "my ex is not allowed to see the kids and he's been at the gate",
            "Year 11s can text me on my own number for revision help. Mr D",
            "Message me to be added. Please don't share with parents yet, it's just for us!",
            "Ask me to add you to the class chat, no need to tell mum and dad!",
            "Hey girls, ever thought about modelling? Sign up and we'll message you",
            "I would like to photograph girls aged 11-13 in uniform at my studio",
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Older siblings are not allowed to collect children from Reception",
            "I filmed it on my own phone because the camera died",
            "Dad slept all afternoon after the fun run, bless him",
            "Please share this with parents in your class WhatsApp",
            "Photos of children aged 4-11 will be taken on Tuesday",
            "who nicked my brolly from the umbrella stand? No questions asked",
        ],
    )
    def test_leaves_alone(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []


class TestOtherLanguages:
    """Self-harm and secrecy written in the languages a UK school's families also write."""

    @pytest.mark.parametrize(
        "text",
        [
            "dwi isio marw",  # Welsh
            "paid a deud wrth mam plis",
            "vreau să mor, nu mai pot",  # Romanian
            "nie chcę już żyć",  # Polish
            "não quero viver assim",  # Portuguese
            "ya no quiero vivir",  # Spanish
            "voglio morire",  # Italian
            "main mar jana chahti hoon",  # Urdu in Latin letters
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Diolch i bawb am y cyngerdd, roedd y plant yn wych",
            "Mulțumim pentru serbare, a fost minunat",
            "Dziękujemy za wycieczkę",
        ],
    )
    def test_leaves_alone(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []


class TestKindsFromTheTwentySecondToTwentyFourthBlindSets:
    """Staff or strangers moving pupils to a personal channel, said other ways; scouting
    children for pictures; a girl spoken of for FGM."""

    @pytest.mark.parametrize(
        "text",
        [
            "Girls, send your match videos to Miss on her personal Insta and she'll share",
            "I've added you on my personal Facebook, Ellie, accept and we'll go over the essay",
            "team pics will go up on the staff Snapchat tonight, add it",
            "Happy to go through the mock with anyone privately on WhatsApp",
            "I'll add you all to my own group chat tonight x",
            "let's talk on here so your mum can't see",
            "It's a secret and we mustn't tell the teachers",
            "Looking for girls for a kids modelling shoot, message me",
            "can someone send the video of the girls stretching before the race",
            "send me her swimwear photos from the gala",
            "she's going abroad for a ceremony to become a woman",
            "the little one in the red coat, which road is she on?",
            "what estate does he live on, the lad with the skateboard",
            "put on the top I got you and come to the park",
            "they're staying at her nan's now and her stepdad can't find out",
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Please don't message staff on their personal Facebook about school matters",
            "The girls' changing rooms are being painted over half term",
            "Our FGM awareness session for parents is on Tuesday with the school nurse",
            "the swimming gala results are on the website",
            "Message me directly about the spare tickets",
            "which road is the new crossing on?",
            "Dad mustn't find out about his birthday cake!",
            "my personal email is on the form if the office needs it",
            "Harley Quinn from Suicide Squad for World Book Day, is that ok?",
        ],
    )
    def test_leaves_alone(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []


class TestKindsFromTheTwentyFifthAndSixthBlindSets:
    """A looked-after child's birth family, adults selling to pupils, children invited out
    at night, a crash wished on children, an injury by its mark, an overdose, a fight
    filmed and shared; a parent retelling the school's e-safety lesson is not one."""

    @pytest.mark.parametrize(
        "text",
        [
            "please remove the photo, his birth mum is looking for him",
            "that man is not approved for contact, don't tell him which class she's in",
            "year 9s are selling their pills on the field",
            "there's a guy who sits in a van by the shop handing out vapes",
            "any of you girls fancy sneaking out tonight, we'll be at the park",
            "hope the minibus crashes on the way to the match",
            "she's got finger marks on her neck and won't say how",
            "our Josh is in hospital, he took an overdose on Sunday",
            "here's the video of the fight, share it before it's taken down",
            "huwag mo sabihin sa nanay mo ha",
            # a quotation said to a child is no example
            "my son said a man online told him 'this is our little secret' and sent him robux",
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Our foster son's birth family contact is going well, thank you all",
            "hope the coach gets there on time, the traffic is awful",
            "Don't forget to take your tablets with you on the residential, Year 6",
            "Y6 taught us that if anyone online says 'keep this a secret' we tell a grown up",
            'The e-safety leaflet gives examples such as "send me a pic" and "our little '
            'secret". Worth a read.',
        ],
    )
    def test_leaves_alone(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []


class TestKindsFromTheTwentySeventhAndEighthBlindSets:
    """A child beaten or afraid to go home in Slovak or Czech, a child not come home in
    Hindi, staff moving a pupil off the school's channels, photos from a changing area,
    a threat with a child's address; a warning quoting a fake account, and the school's
    own surprise for mums, are not."""

    @pytest.mark.parametrize(
        "text",
        [
            "otčim ho bije každý večer",  # Slovak: the stepfather beats him
            "dcera se bojí jít domů",  # Czech: afraid to go home
            "bhai kal raat se ghar nahi aaya, please help",  # Hindi: has not come home
            "Jade, message me on Snapchat rather than school email, it's quicker x",
            "I've made a private Discord for my form, invite only",
            "Year 8s, add me on my own Facebook if you need help with homework",
            "any more pics from the changing rooms after the gala?",
            "we've got your address now Ellie, see you Monday",
            "it's between us, don't share it with parents",
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "Warning: a fake account is messaging pupils 'send me your number, I'm a scout'."
            " It is not the club. Block and report it.",
            "Please use school email rather than Teams chat for coursework questions",
            "The changing rooms are being refurbished over Easter",
        ],
    )
    def test_leaves_alone(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []

    def test_the_schools_own_surprise_for_mums_is_no_secret(self, rule: SafeguardingRule) -> None:
        text = "Reception are making Mother's Day cards today. Shh, don't tell your mum!"
        assert check(rule, text, own=True) == []
        # from a visitor, or on the school's post without the surprise, it is found
        assert check(rule, text)
        assert check(rule, "Great work today. Shh, don't tell your mum!", own=True)

    def test_the_schools_own_offer_of_help_in_confidence_is_no_secret(
        self, rule: SafeguardingRule
    ) -> None:
        text = "If the trip cost is hard, speak to the office in confidence. Nobody will know."
        assert check(rule, text, own=True) == []
        assert check(rule, "DM me and nobody will know", own=True)


class TestKindsFromTheTwentyNinthToThirtyThirdBlindSets:
    """A child beaten, afraid to go home or told to tell nobody, in Arabic, Farsi and
    Malayalam as written in Latin letters and in Polish; tablets made ready, a kill list,
    a child wished beaten or burnt, blackmail with what a child sent, weighing again and
    again; children sought for modelling without their parents, a child missing, a man
    watching children from a van, staff moving a pupil to their own channels. A talk
    retold, a bus driver's note and a parents' evening are not."""

    @pytest.mark.parametrize(
        "text",
        [
            "baba byedrab mama w ana b5af",  # Arabic: dad hits mum
            "abouya darabni embare7",  # Arabic: dad hit me yesterday
            "ana khayef arja3 el beit",  # Arabic: afraid to go home
            "naamadaram maro mizane har shab",  # Farsi: hits me every night
            "achan enne ennum thallum",  # Malayalam: hits me every day
            "aarodum parayaruthennu paranju",  # Malayalam: told not to tell anyone
            "gdzie mieszka ta mała z 3b?",  # Polish: where does she live
            "nie mówcie jego mamie o tym",  # Polish: don't tell his mum
            "I've got my tablets counted out for tonight",
            "he's made a kill list and two of the names are in my class",
            "I hope somebody batters him on the way home",
            "that boy deserves to be set on fire",
            "I'll show your parents what you sent me unless you reply",
            "she's started weighing herself before every meal",
            "Teen models wanted, no parent signature needed, paid in vouchers",
            "modelling work for girls aged 12 and over, message for details",
            "our lad hasn't come home from football, anyone seen him?",
            "there's a bloke who sits there watching the kids at the gate every day",
            "a man was asking the kids which bus they get home",
            "Year 9s, give me a message on WhatsApp, it's quicker than school email",
            "no need to tell your parents, just message me",
            "it'll all be over soon, the end of everything",
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "the PCSO said 'don't tell your mum' is the phrase to listen out for",
            "Great talk. Groomers say 'this is our little secret', so now my kids know",
            "she repeated it word for word - 'want to earn some easy money?'",
            # a school's own phrase
            "Parents evening: no parents needed for the Year 11 revision session",
            "the coach hasn't arrived yet, ring the office",
            "Mum weighs herself at slimming world on Tuesdays",
        ],
    )
    def test_leaves_alone(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []

    def test_the_schools_warning_about_messages_going_round_may_quote_them(
        self, rule: SafeguardingRule
    ) -> None:
        text = (
            'We\'ve been made aware of messages saying "send me a pic". Screenshot, block'
            " and report to CEOP."
        )
        assert check(rule, text, own=True) == []
        assert check(rule, 'send me a pic "now"', own=True)


class TestKindsFromTheThirtyFourthToThirtySixthBlindSets:
    """Staff setting up a group parents are kept out of, or sending a pupil to their own
    phone or Instagram; a stranger asking to email children privately; a foster child's
    birth parent; a stranger calling on children at night with sweets; a child watched
    for by her coat; an adult still working with children; home bad again. A warning
    retold in its examples' words, a parents' group and a lost coat are not."""

    @pytest.mark.parametrize(
        "text",
        [
            "Made a group chat for the netball squad, parents don't need to be in it",
            "revision tips on the group, don't add your parents though x",
            "Year 10, text my own phone if you're stuck, it doesn't need to go through school",
            "Well done Jess! I've messaged you on my Insta about next season",
            "the kids are welcome to email me privately, I love hearing from them",
            "happy to be a pen pal, no need to involve parents",
            "her birth mum has found this page and keeps commenting",
            "the birth dad of my foster son is asking where the trip is going",
            "they're camping by the lake? I could pop over one night with some sweets",
            "I'll keep an eye out for that red coat at the gate tomorrow",
            "he used to make us stay behind. Is he still working with kids?",
            "can I stay late at choir, things are bad at home again",
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text",
        [
            "They never say 'I'm a stranger', they say 'this is our secret'. Talk to them.",
            "WhatsApp group for Communion parents, message the office to be added",
            "Lost: a red coat in the hall, keep an eye out for it please",
            "my dad's still working with the council on the new crossing",
            # lost property, and a parents' session retold (holdout38)
            "whoever took the cricket bag, please put it back, no questions asked",
            "Useful session. Lines like 'don't tell your mum' are red flags now I know",
            # a warning retold (holdout37)
            "Kids should be told never to reply to those 'dm me babe' posts",
        ],
    )
    def test_leaves_alone(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []

    def test_the_schools_reminder_quoting_what_not_to_answer(self, rule: SafeguardingRule) -> None:
        """An own post quoting what to watch for, and saying to tell a trusted adult."""
        text = (
            "Reminder from the safeguarding team: if anyone online says \"don't tell your"
            ' parents", tell a trusted adult.'
        )
        assert check(rule, text, own=True) == []


class TestDisclosuresTheSignalHeldOnlyByMemory:
    """Disclosures each seen in one labelled item, that only the learned signal found (and
    only alerted): the list holds them, in other words than the item's."""

    @pytest.mark.parametrize(
        "text",
        [
            "babam yine beni dövdü",  # Turkish: dad beat me again
            "bu gece nerede kalacağımı bilmiyorum",  # Turkish: don't know where I'll stay
            "man nemikham zende basham",  # Farsi: I don't want to be alive
            "handidi kuenda kumba",  # Shona: I don't want to go home
            "handichadi kurarama",  # Shona: I no longer want to live
            "nab geza kikid ayfetun",  # Tigrinya: I don't want to go home
            "aš nebenoriu gyventi",  # Lithuanian: I don't want to live any more
            "mama vėl girta",  # Lithuanian: mum drunk again
            "waligay soo toosin",  # Somali: never wake up
            "enikku jeevikkan ishtamilla",  # Malayalam: I don't want to live
            "achoghi m ibi ndu",  # Igbo: I don't want to live
            "achoghi m ila ulo",  # Igbo: I don't want to go home
            "naan thevai illa",  # Tamil: I'm not needed
            "tėvams nereikia žinoti",  # Lithuanian: parents don't need to know
        ],
    )
    def test_catches(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text)

    @pytest.mark.parametrize(
        "text", ["the ferry from Dover was late", "Mama's girls choir sang at Eid"]
    )
    def test_leaves_alone(self, rule: SafeguardingRule, text: str) -> None:
        assert check(rule, text) == []
