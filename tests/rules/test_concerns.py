"""Specification of ``concerns``: safeguarding concerns that show as two signs together,
which the safeguarding rule reports (and the abuse rule too, for threats)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.models import Severity
from monitor.rules.abuse import AbuseRule
from monitor.rules.concerns import CONCERNS, Concern, Concerns
from monitor.rules.normalise import normalise
from monitor.rules.phrases import PhraseMatcher, share_prefilter
from monitor.rules.safeguarding import SafeguardingRule
from tests.rules.helpers import DATA, check, terms


def shared() -> Concerns:
    """Concerns whose anchors ride an automaton shared with a word list, as in the engine."""
    concerns = Concerns()
    share_prefilter(
        [PhraseMatcher(["dm me"], default_severity=Severity.URGENT, label="x")],
        clients=[concerns],
    )
    return concerns


SHARED = shared()
REFERENCE = Concerns(prefilter=False)


def found(text: str, *, abuse_only: bool = False) -> list[str]:
    """The concerns found in ``text``; the prefiltered matcher must agree with the reference."""
    normalised = normalise(text)
    spans = SHARED.find(normalised, abuse_only=abuse_only)
    assert spans == REFERENCE.find(normalised, abuse_only=abuse_only)
    assert spans == Concerns().find(normalised, abuse_only=abuse_only)  # built alone
    return [entry for _, _, entry in spans]


class TestFinds:
    @pytest.mark.parametrize(
        ("text", "entry"),
        [
            ("bringin a knife tmrw to sort out the yr 10s", "threat with a weapon"),
            ("this school is gonna get shot up on friday. watch.", "threat with a weapon"),
            ("ill stab u after school u grass", "threat with a weapon"),
            ("gonna batter Kacper behind the co-op after school", "threat of violence at school"),
            ("touch my son again and I'll break his f***ing legs", "threat of violence at school"),
            ("theres a bomb in the sports hall lol ur all dead", "telling people they are dead"),
            ("started cutting again. dont even care who knows", "self-harm (cutting)"),
            ("this is my last post. sorry mum x", "a farewell (suicide risk)"),
            ("wrote goodbye letters to my friends last night", "a farewell (suicide risk)"),
            (
                "i keep looking at the bridge on the walk to school",
                "drawn to a height or a railway (suicide risk)",
            ),
            ("3 days no food now cos i look disgusting", "not eating, hating their body"),
            ("not stopping til i can see my ribs", "not eating, hating their body"),
            ("nothing in our cupboards and i havent had tea since friday", "no food at home"),
            ("i just dont want to be home when he gets back", "afraid of someone at home"),
            ("got a bruise where she grabbed me", "an injury and who caused it"),
            ("told miss i fell off my bike", "an injury and who caused it"),
            (
                "mums boyfriend keeps coming in my room at night",
                "someone coming into a child's room at night",
            ),
            ("he makes me send him pics", "pictures demanded or threatened"),
            ("says hell post them on here if i stop", "pictures demanded or threatened"),
            (
                "an older lad pays him to hold stuff for him",
                "paid to carry or hold things (exploitation)",
            ),
            (
                "lookin for runners 13-16, hmu on snap",
                "paid to carry or hold things (exploitation)",
            ),
            ("any of u year 8 girls want to earn £50 easy?", "money offered to pupils"),
            (
                "how old is she now? which gate does she come out of?",
                "a child's age asked with where or how to reach them",
            ),
            ("this is our lil secret ok", "secrecy asked of a child"),
            ("delete after u read", "secrecy asked of a child"),
            ("just dont say nothing to ur dad", "secrecy asked of a child"),
            ("come round mine after, my mums out", "invited to an empty house"),
            ("meet me at the rec after footy, come on ur own yeah", "asked to come alone"),
            (
                "beautiful eyes on the little one, I'd love to send her a present",
                "a gift or modelling offered to a child for their looks",
            ),
            ("she could model", "a gift or modelling offered to a child for their looks"),
            (
                "I buy vbucks for my fav followers, tell me ur age",
                "game money or gift cards for a child's contact or details",
            ),
            (
                "unlimited robux, just put in ur username and password",
                "a child's password asked for",
            ),
            (
                "a man in a grey van was asking some of the year 5s if they wanted a lift home",
                "lifts offered to children by a man, a stranger or staff",
            ),
            (
                "why is the coach giving two of the girls lifts every week?",
                "lifts offered to children by a man, a stranger or staff",
            ),
            (
                # (a warning's "never type" silences it; a groomer's "dont tell" does not)
                "free robux if u send ur password, dont tell ur mum",
                "a child's password asked for",
            ),
            ("send me a screenshot on snap so i know ur legit", "moving a child to a private app"),
            (
                "the blonde girl second from left, does she get the 42 bus home?",
                "a child in a photo, and where to find them",
            ),
            (
                "Is that Sophie in the 3rd pic? does she still get the number 12 bus?",
                "a child in a photo, and where to find them",
            ),
            (
                "what park do these kids play at on weekends",
                "a child in a photo, and where to find them",
            ),
            (
                "is that the Begum girl? which bus does she get home",
                "a child in a photo, and where to find them",
            ),
            (
                "i got ur pics. £200 in steam cards by 10 or every1 at ur school sees them",
                "blackmail with a child's pictures",
            ),
            (
                "ive still got the video u sent. 100 quid or it goes in the groupchat",
                "blackmail with a child's pictures",
            ),
            (
                "need a youngen to hold some bits at his yard for a week, no questions",
                "carrying or holding things for someone (exploitation)",
            ),
            (
                "just need to carry a bag there and back, all paid for",
                "carrying or holding things for someone (exploitation)",
            ),
            ("i hate bedtime cos my uncle comes in", "someone coming in at bedtime"),
            ("Isla is stunning, what class is she in?", "a child's looks, and where they are"),
            (
                "skipping lunch every day. if i get under 6 stone ill finally be happy",
                "not eating, hating their body",
            ),
            # added after the eighth blind set and three focused sets, by kinds
            ("so sorry for everything. bye x", "a farewell (suicide risk)"),
            (
                "you were the only one who was ever kind to me. sorry for everything",
                "a farewell (suicide risk)",
            ),
            (
                "he had bruises on his neck and said his stepdad did it",
                "an injury and who caused it",
            ),
            (
                "lads, sick of being told you're the problem? join our group chat",
                "a grievance and an invitation offered to young people (radicalisation)",
            ),
            (
                "real patriots meet on saturdays, 14+ welcome, message me",
                "a grievance and an invitation offered to young people (radicalisation)",
            ),
            ("the girl in the middle is sexy for year 8", "a sexual remark about a child"),
            ("so hot for a year 9 😍", "a sexual remark about a child"),
            (
                "Keep your kids at home on Monday. You've been warned.",
                "a threat to the school's safety",
            ),
            (
                "something bad is gonna happen at that school, mark my words",
                "a threat to the school's safety",
            ),
            (
                "there's a man in a car by the fence filming the kids every morning",
                "someone photographing children",
            ),
            (
                "the little girl next door is left on her own all weekend",
                "a child left alone or uncared for",
            ),
            (
                "that boy in year 3 has been in the same clothes all week",
                "a child left alone or uncared for",
            ),
            ("got you a new phone, just don't tell anyone ok", "a gift with a secret"),
            (
                "turn ur camera on and ill buy u the battle pass",
                "a child asked to turn a camera on",
            ),
            (
                "can i talk to you about what happens at my dads house",
                "what happens at a parent's house",
            ),
            (
                "its me from roblox, what school do u go to",
                "a stranger from a child's game asking where they are",
            ),
            (
                "im deleting my socials after this. thanks to the people who were nice to me. bye",
                "a farewell (suicide risk)",
            ),
            (
                "had a yoghurt all day and that's all, 5th day in a row, nearly there",
                "eating almost nothing, day after day",
            ),
            (
                "only eaten some grapes today nothing else, need to get thin for the disco",
                "eating almost nothing, day after day",
            ),
            (
                "haven't seen her for three weeks and the curtains are drawn all day",
                "a child not seen for weeks",
            ),
            (
                "Is anyone checking on him? He hasn't been at school since half term",
                "a child not seen for weeks",
            ),
            ("how do u hide scars in summer", "self-harm (cutting)"),
        ],
    )
    def test_two_signs_together(self, text: str, entry: str) -> None:
        """Each concern, as someone who had not seen the rule wrote it."""
        assert entry in found(text)

    @pytest.mark.parametrize(
        "text",
        [
            "W1LL BR1NG A KN1FE T0M0RR0W",
            "i'll   stab   you",
            "ｉｌｌ ｓｔａｂ ｕ",  # fullwidth
            "ill st\u200bab u",  # a zero-width space inside the word
        ],
    )
    def test_disguised_the_way_the_lists_are(self, text: str) -> None:
        """The shared normalisation applies: case, leetspeak, spacing, width, invisibles."""
        assert "threat with a weapon" in found(text)


class TestLeavesAlone:
    @pytest.mark.parametrize(
        "text",
        [
            # teaching, news and kitchens
            "Thank you to PC Jones for the knife crime awareness talk tomorrow",
            "please bring a plastic knife and fork for the teddy bears picnic tomorrow",
            "Cutting the grass again on Friday, so the field is closed",
            "They've started cutting the budget again, disgraceful",
            # sport and everyday talk
            "we're gonna batter them on Saturday, come on the U12s!",
            "what a shot! that goal blew us away",
            "you're dead right about the parking",
            "the kids would love to send her a present for her retirement",
            "My daughter is in the 3rd pic! she loved the bus trip",
            "what time do the kids get back from the trip?",
            "please don't tell your dad about his surprise party on Friday",
            "our secret santa is on Friday",
            "Can parents come on their own or bring the family?",
            "I don't want to go home, I love it here! best trip ever",
            "how old do you have to be to join the choir? what school do they rehearse at?",
            "win a £50 amazon gift card in the PTA raffle, tickets from the office",
            "reset your password on the homework app, it's free",
            "Can anyone give my lad a lift home from football? Happy to chip in",
            "Lift share please! Anyone driving up from the village? My husband offered lifts",
            "Stranger awareness: reception talked about what to do if someone offers us "
            "sweets or a lift",
            "Online safety tip: if a game says 'click here for FREE Robux', it's a scam. Never "
            "type your password into a site somebody sends you",
            "Grandad still has the photos you sent of the nativity, going to print them",
            "Can someone hold the bags at the cake sale? All money to the PTA",
            "we'll take the bags of costumes home after the show",
            "bedtime stories week: Mr Jones came in to read to Year 2",
            "Lovely photos! The choir looked stunning",
            # near the concerns added after the eighth blind set
            "Bye everyone and thank you for everything, what a lovely 7 years",
            "Sorry for everything that went wrong with the trip, we will do better",
            "Our history lesson looked at how extremists recruit young people who feel "
            "their country is being taken",
            "it's so hot for sports day, year 6 please bring water",
            "Please keep your child at home for 48 hours after sickness",
            "Something big is going to happen at the summer fair, watch this space!",
            "The photographer will be taking photos of the children on Monday, consent forms",
            "our dog was left alone for hours",
            "surprise party for miss on friday, don't tell anyone!",
            "please remind children to turn your camera on during the live lesson",
            "can we talk about what happens at home time with the parking",
            "my son plays roblox every night, is it safe?",
            "he had a banana at break and that's it, he's off his food with the bug",
            "Apple day in Year 2: every child ate an apple and drew it, all week long",
            "Deleting my old account, follow the new PTA page instead. Bye for now!",
            "Please check on the class rabbits over half term, the hutch has been empty since",
            "Our son hasn't been in since Monday with flu, sorry",
            "the sports hall is empty since the leak, PE is outside",
        ],
    )
    def test_what_a_school_page_is_full_of(self, text: str) -> None:
        """Parents, staff and sport: no concern."""
        assert found(text) == []

    def test_get_stabbed_is_the_writer_threatened_not_threatening(self) -> None:
        """A child saying they will get stabbed is a disclosure (the list's), not a threat."""
        assert found("he says ill get stabbed", abuse_only=True) == []


class TestAPrivateLineRoundTheSchool:
    """A private line to an adult offered with a way round the school: staff or a
    stranger moving a pupil off the school's channels (holdout37 and 38, first runs)."""

    @pytest.mark.parametrize(
        "text",
        [
            "Squad, just WhatsApp me directly on my own phone, no need to go through the office",
            "Boarders, message me on my Instagram any time, it doesn't need to go through matron",
            "team news is on a group from my own account, easier than going through school email",
            "lifts to the fair: ring Dave direct on 07700 900948, don't go through reception",
            "dm me privately and we'll keep it between us",
        ],
    )
    def test_finds(self, text: str) -> None:
        assert found(text) == ["a private line offered round the school"]

    @pytest.mark.parametrize(
        "text",
        [
            # warnings about it, and grown-ups arranging things
            "Staff will never ask you to message them directly instead of using school email",
            "Red flags: 'text me on my own phone, it's easier than going through school'",
            "Message me directly about the cake sale rota",
            "Call the office directly, it's quicker than going through the app",
        ],
    )
    def test_leaves_alone(self, text: str) -> None:
        assert found(text) == []


class TestInTheRules:
    def test_a_threat_is_safeguarding_and_abuse(self) -> None:
        concerns = Concerns()
        safeguarding = SafeguardingRule(terms("safeguarding.txt"), concerns=concerns)
        abuse = AbuseRule(terms("abuse.txt"), concerns=concerns)
        text = "bringin a knife tmrw to sort out the yr 10s who jumped me"
        (hit,) = check(safeguarding, text)
        assert hit.entry == "threat with a weapon"
        assert hit.severity is Severity.URGENT
        assert text[hit.start : hit.end] == hit.match
        assert [h.entry for h in check(abuse, text)] == ["threat with a weapon"]

    def test_a_disclosure_is_safeguarding_only(self) -> None:
        concerns = Concerns()
        abuse = AbuseRule(terms("abuse.txt"), concerns=concerns)
        safeguarding = SafeguardingRule(terms("safeguarding.txt"), concerns=concerns)
        text = "started cutting again. dont even care who knows"
        assert check(abuse, text) == []
        assert [h.entry for h in check(safeguarding, text)] == ["self-harm (cutting)"]

    def test_the_admins_allow_terms_silence_a_concern(self) -> None:
        """An allow-term over the words a concern matched drops it, as it drops list hits."""
        rule = SafeguardingRule([], allow_terms=["come on ur own"])
        assert check(rule, "come on ur own to the rec") == []
        assert check(SafeguardingRule([]), "come on ur own to the rec")

    def test_the_span_quotes_what_was_written(self) -> None:
        rule = SafeguardingRule([])
        (hit,) = check(rule, "Zoë said: I keep looking at the BRIDGE.")
        assert hit.match == "keep looking at the BRIDGE"


class TestPrefilter:
    def test_it_never_changes_what_is_found(self) -> None:
        """Over every labelled item, the prefilter's verdicts equal running every pattern."""
        for path in sorted(DATA.glob("*.jsonl")):
            for line in path.read_text("utf-8").splitlines():
                text = normalise(json.loads(line)["text"])
                assert SHARED.find(text) == REFERENCE.find(text), text.original

    def test_every_concern_has_anchors(self) -> None:
        assert all(c.anchors for c in CONCERNS)

    @pytest.mark.parametrize("concern", CONCERNS, ids=lambda c: c.entry)
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_any_text_showing_a_concern_holds_its_anchor_words(
        self, concern: Concern, data: st.DataObject
    ) -> None:
        """Texts written from a concern's own pattern (and its second sign's), in every
        spelling the pattern allows: the prefilter finds what running every pattern
        finds. This caught anchors that missed "hide my scars" and "multistorey"."""
        shown = data.draw(st.from_regex(concern.pattern, fullmatch=True, alphabet=_PLAIN))
        if concern.near is not None:
            near = data.draw(st.from_regex(concern.near, fullmatch=True, alphabet=_PLAIN))
            shown = f"{shown} {near}"
        text = normalise(shown)
        assert SHARED.find(text) == REFERENCE.find(text), shown


#: lower-case letters, digits, spaces and punctuation: what the patterns read once a
#: text is normalised
_PLAIN = st.characters(codec="ascii", categories=["Ll", "Nd", "Zs", "Po", "Pd", "Sc", "Sm"])
