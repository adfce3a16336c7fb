"""Bad input for the engine: any text, in any item, through the normaliser and every rule.

The rules are built by ``monitor.engine.build_rules`` from a config (so the
account audit's rule is there too) with a small roster whose names are not
all ASCII. Texts are drawn from all of Unicode, lone surrogates included,
with the characters filter-dodgers use (bidi overrides, zero-width and
invisible characters, homoglyphs, emoji) and the pieces the rules look for,
up to huge strings. Nothing may raise, every span must lie in the text, and
the engine must never have to mark an item ``needs_review`` (which is what
it does when a rule raises).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.config import Config, parse_config
from monitor.engine import NEEDS_REVIEW, Engine, build_rules
from monitor.models import Item, ItemKind, Media
from monitor.roster import Pupil
from monitor.rules import Rule
from monitor.rules.normalise import normalise

PUPILS = [
    Pupil(first_name="Amelia", last_name="Hart", photo_consent=True),
    Pupil(first_name="Zoë", last_name="O'Brien", photo_consent=False, known_as="Zo"),
    Pupil(first_name="Jamie", last_name="Smith", photo_consent=False),
    Pupil(first_name="Siân", last_name="Llewelyn-Jones", photo_consent=True),
    Pupil(first_name="Mohammed", last_name="Al-Sayed", photo_consent=False, known_as="Mo"),
]

CONFIG: Config = parse_config(
    """
[school]
name = "Test Primary"
aup_url = "https://www.test.sch.uk/aup"
domains = ["test.sch.uk"]

[email]
sender = "monitor@test.sch.uk"
slt = ["slt@test.sch.uk"]
dsl = ["dsl@test.sch.uk"]

[rules.personal_info]
allow_terms = ["01632 960000"]

[rules.unsafe_link]
allow_domains = ["bbc.co.uk"]
""",
    Path("/nonexistent/monitor.toml"),
)
RULES: list[Rule] = build_rules(CONFIG, pupils=PUPILS)
ENGINE = Engine(RULES, CONFIG.rules)

#: what filter-dodgers and broken clients send
TRICKY = [
    "\u202e", "\u202d", "\u202c", "\u2066", "\u2069", "\u200b", "\u200c", "\u200d", "\u2060",
    "\ufeff", "\u00ad", "\u034f", "\u2800", "\u3164", "\ufe0f", "\U000e0100", "\u0301",
    "\u0338", "\ud800", "\udfff", "\udc80", "\x00", "\r\n", "\t", "\u2028", "\u0085",
    "😀", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "ａ", "𝐛", "ﬁ", "ß", "İ", "ǅ", "а", "ο", "ѕ",
    "f*ck", "sh1t", "f u c k", "dm me", "Jamie Smith", "Zoë", "07911 123456",
    "+44 7911 123456", "LS6 2AB", "bit.ly/x", "http://", "https://xn--80ak6aa92e.com",
    "www.", "@", "#", "://", "test.sch.uk", "tset.sch.uk", "01/02/2015", "[", "]", "%",
]  # fmt: skip

characters = st.one_of(
    st.characters(exclude_categories=()),  # all of Unicode, lone surrogates included
    st.characters(categories=["Cs"]),
    st.sampled_from(TRICKY),
)
texts = st.lists(characters, max_size=120).map("".join)
huge = st.builds(lambda piece, n: (piece * n)[:50_000], texts, st.integers(100, 5_000))

media = st.builds(
    Media,
    url=st.one_of(st.just("https://cdn.test/Jamie_Smith.jpg"), texts),
    type=st.sampled_from(["", "image/jpeg", "photo", "video", "IMAGE"]),
    alt_text=texts,
    location=st.one_of(st.none(), st.just("53.8,-1.55"), texts),
)

items = st.builds(
    Item,
    source=st.sampled_from(["fb", "blog", "x"]),
    platform_id=st.just("1"),
    kind=st.sampled_from(list(ItemKind)),
    text=texts,
    created_at=st.just(datetime(2026, 3, 1, tzinfo=UTC)),
    title=st.one_of(st.none(), texts),
    author_name=st.one_of(st.none(), texts),
    is_own=st.booleans(),
    media=st.lists(media, max_size=3).map(tuple),
    permalink=st.one_of(st.none(), texts),
)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: huge texts cost a second or so each: fewer of them
HUGE = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestNormalisation:
    @FUZZ
    @given(st.one_of(texts, huge), st.integers(-5, 400), st.integers(-5, 400))
    def test_any_text_normalises_with_offsets_in_range(self, text: str, a: int, b: int) -> None:
        """Any string normalises; offsets are monotonic and every span maps inside the original."""
        n = normalise(text)
        assert len(n.offsets) == len(n.text) + 1
        assert n.offsets[-1] == len(text)
        assert all(x <= y for x, y in zip(n.offsets, n.offsets[1:], strict=False))
        start, end = n.original_span(a, b)
        assert 0 <= start <= end <= len(text)
        folded = n.fold_diacritics()
        assert len(folded.offsets) == len(folded.text) + 1
        assert folded.offsets[-1] == len(text)


class TestEveryRule:
    @FUZZ
    @given(items)
    def test_no_rule_raises_and_spans_lie_in_the_text(self, item: Item) -> None:
        """Every rule returns for any item; each hit names its rule and points inside the text."""
        original = item.searchable_text()
        text = normalise(original)
        for rule in RULES:
            for hit in rule.check(text, item):
                assert hit.rule == rule.id
                assert 0 <= hit.start <= hit.end <= len(original), rule.id

    @FUZZ
    @given(items)
    def test_the_engine_never_needs_a_human_because_a_rule_broke(self, item: Item) -> None:
        """vet returns at most one finding per rule and never a needs_review one."""
        found = ENGINE.vet(item)
        rules = [f.rule for f in found]
        assert NEEDS_REVIEW not in rules
        assert len(rules) == len(set(rules))

    @HUGE
    @given(huge, st.sampled_from(list(ItemKind)))
    def test_huge_texts_too(self, text: str, kind: ItemKind) -> None:
        """Tens of thousands of hostile characters: every rule still returns."""
        item = Item(source="fb", platform_id="1", kind=kind, text=text,
                    created_at=datetime(2026, 3, 1, tzinfo=UTC))  # fmt: skip
        assert NEEDS_REVIEW not in [f.rule for f in ENGINE.vet(item)]
