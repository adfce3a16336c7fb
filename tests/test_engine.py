"""The engine: configured rules over one normalisation, actions from the config."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.engine import Engine, build_engine, build_rules
from monitor.errors import ConfigError
from monitor.lists import read_terms
from monitor.models import ActionKind, Hit, Item, ItemKind, Media, Severity


def item(text: str, alt: str = "") -> Item:
    return Item(
        source="s",
        platform_id="1",
        kind=ItemKind.COMMENT,
        text=text,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        media=(Media(url="https://x.test/a.jpg", alt_text=alt),) if alt else (),
    )


class TestDefaults:
    def test_default_engine_flags_abuse_with_default_action(self) -> None:
        """Without a config the shipped lists and default actions apply."""
        (finding,) = build_engine(None).vet(item("what a load of sh1t"))
        assert (finding.rule, finding.action, finding.severity) == (
            "abuse",
            ActionKind.HIDE,
            Severity.HIGH,
        )
        assert finding.match == "sh1t"

    def test_alt_text_is_vetted(self) -> None:
        """Media alt text is read as well as the body."""
        assert build_engine(None).vet(item("nice photo", alt="what a load of shite"))

    def test_benign_text(self) -> None:
        """Criticism is not abuse."""
        assert (
            build_engine(None).vet(item("Really disappointed with how the trip was handled")) == []
        )


class TestConfigured:
    def test_action_and_severity_overrides(self, write_config: Callable[..., Path]) -> None:
        """[rules.abuse] action and severity replace the rule's defaults."""
        config = load_config(write_config('[rules.abuse]\naction = "alert"\nseverity = "urgent"\n'))
        (finding,) = build_engine(config).vet(item("shit"))
        assert (finding.action, finding.severity) == (ActionKind.ALERT, Severity.URGENT)

    def test_disabled_rule(self, write_config: Callable[..., Path]) -> None:
        """A disabled rule finds nothing."""
        config = load_config(write_config("[rules.abuse]\nenabled = false\n"))
        assert build_engine(config).vet(item("shit")) == []

    def test_extra_and_allow_terms(self, write_config: Callable[..., Path], tmp_path: Path) -> None:
        """Extra list files add terms; allow_terms silence them."""
        (tmp_path / "local.txt").write_text("# our own\nplonker\n")
        config = load_config(
            write_config(
                '[rules.abuse]\nextra_terms_files = ["local.txt"]\nallow_terms = ["shit"]\n'
            )
        )
        engine = build_engine(config)
        assert [f.entry for f in engine.vet(item("you plonker"))] == ["plonker"]
        assert engine.vet(item("shit")) == []

    def test_bad_list_entry_names_the_lists(
        self, write_config: Callable[..., Path], tmp_path: Path
    ) -> None:
        """A malformed entry in an extra list is a config error naming the files."""
        (tmp_path / "local.txt").write_text("bad*entry\n")
        config = load_config(write_config('[rules.abuse]\nextra_terms_files = ["local.txt"]\n'))
        with pytest.raises(ConfigError, match=r"local\.txt"):
            build_engine(config)


class TestLists:
    def test_comments_and_blanks_dropped(self, tmp_path: Path) -> None:
        """Comment lines, trailing comments and blank lines are not entries."""
        path = tmp_path / "l.txt"
        path.write_text("# header\n\ntwat  # insult\n  fuck*\n!shitake\n")
        assert read_terms(path) == ["twat", "fuck*", "!shitake"]

    def test_not_utf8_names_line(self, tmp_path: Path) -> None:
        """A list saved in a legacy encoding is refused, naming the line."""
        path = tmp_path / "l.txt"
        path.write_bytes(b"ok\nna\xefve\n")
        with pytest.raises(ConfigError, match=r"l\.txt:2: word list is not UTF-8"):
            read_terms(path)


class TestFullRuleSet:
    def test_every_rule_is_built_and_known(self) -> None:
        """build_rules builds one rule per id it ships, each named in RULE_IDS."""
        from monitor.rules import RULE_IDS  # noqa: PLC0415

        ids = build_engine(None).rule_ids
        assert set(ids) <= RULE_IDS
        assert set(ids) == RULE_IDS - {"aup_link_missing"}

    @pytest.mark.parametrize(
        ("text", "rule"),
        [
            ("whats ur snap x", "safeguarding"),
            ("call me on 07911 123456", "personal_info"),
            ("free stuff bit.ly/x", "unsafe_link"),
            ("see coolstuff.net", "unknown_link"),
        ],
    )
    def test_each_text_rule_fires_through_the_engine(self, text: str, rule: str) -> None:
        """The engine runs every text rule over one normalisation."""
        assert rule in [f.rule for f in build_engine(None).vet(item(text))]

    def test_every_finding_has_a_normalised_form(self) -> None:
        """Finding.normalised is filled for every rule (what an allow remembers)."""
        findings = build_engine(None).vet(item("dm me, shit, 07911 123456, bit.ly/x, a.net"))
        assert len(findings) == 5
        assert all(f.normalised for f in findings)


class TestFingerprint:
    def test_stable_and_rule_scoped(self) -> None:
        """The same rule and normalised text give the same fingerprint; another rule does not."""
        from monitor.engine import fingerprint  # noqa: PLC0415

        assert fingerprint("abuse", "twat") == fingerprint("abuse", " twat ")
        assert fingerprint("abuse", "twat") != fingerprint("pupil_name", "twat")
        assert len(fingerprint("abuse", "twat")) == 64

    def test_variants_share_a_fingerprint(self, tmp_path: Path) -> None:
        """Two spellings of the same phone number are one fingerprint."""
        from monitor.engine import fingerprint  # noqa: PLC0415

        engine = build_engine(None)
        a = engine.vet(item("ring 07911 123456"))[0]
        b = engine.vet(item("ring +44 (0)7911-123-456"))[0]
        assert fingerprint(a.rule, a.normalised) == fingerprint(b.rule, b.normalised)


class TestPerSource:
    def test_source_override_replaces_rule_settings(
        self, write_config: Callable[..., Path]
    ) -> None:
        """[[sources]] rules.<id> overrides [rules.<id>] for that source's items only."""
        config = load_config(
            write_config(
                '[rules.abuse]\naction = "alert"\n'
                '[[sources]]\nname = "blog"\nkind = "feed"\nurl = "https://x.test/f"\n'
                '[sources.rules.abuse]\naction = "digest"\nseverity = "info"\n'
                "[sources.rules.unknown_link]\nenabled = false\n"
            )
        )
        engine = build_engine(config)
        blog = Item(
            source="blog",
            platform_id="1",
            kind=ItemKind.COMMENT,
            text="shit, see coolstuff.net",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        (finding,) = engine.vet(blog)
        assert (finding.action, finding.severity) == (ActionKind.DIGEST, Severity.INFO)
        other = [f.rule for f in engine.vet(item("shit, see coolstuff.net"))]
        assert other == ["abuse", "unknown_link"]
        assert engine.vet(item("shit"))[0].action is ActionKind.ALERT
        assert config.rule_for("blog", "abuse").action is ActionKind.DIGEST

    def test_unknown_rule_in_source_is_a_config_error(
        self, write_config: Callable[..., Path]
    ) -> None:
        """A source override of a rule that does not exist names the key."""
        with pytest.raises(ConfigError, match="unknown rule 'nope'"):
            load_config(
                write_config(
                    '[[sources]]\nname = "blog"\nkind = "feed"\nurl = "https://x.test/f"\n'
                    "[sources.rules.nope]\nenabled = false\n"
                )
            )

    def test_recipients_validated(self, write_config: Callable[..., Path]) -> None:
        """Per-rule recipients must be email addresses."""
        with pytest.raises(ConfigError, match="not an email address"):
            load_config(write_config('[rules.pupil_name]\nrecipients = ["office"]\n'))


class TestLinkSettings:
    def test_allow_domains_and_blocklist_files(
        self, write_config: Callable[..., Path], tmp_path: Path
    ) -> None:
        """allow_domains silence unknown domains; blocklist files (relative paths) block."""
        (tmp_path / "filter.txt").write_text("# gambling\ncasino-bonus.com\n")
        config = load_config(
            write_config(
                '[rules.unsafe_link]\nallow_domains = ["coolstuff.net"]\n'
                'blocklist_files = ["filter.txt"]\n'
            )
        )
        engine = build_engine(config)
        assert engine.vet(item("see coolstuff.net")) == []
        (finding,) = engine.vet(item("casino-bonus.com/win"))
        assert (finding.rule, finding.entry) == ("unsafe_link", "blocklisted domain")

    def test_missing_blocklist_is_a_config_error(self, write_config: Callable[..., Path]) -> None:
        """A block list that cannot be read stops the build with its path."""
        config = load_config(write_config('[rules.unsafe_link]\nblocklist_files = ["no.txt"]\n'))
        with pytest.raises(ConfigError, match=r"no\.txt"):
            build_engine(config)


class TestRosterConfig:
    def test_roster_with_mapping_feeds_pupil_name(
        self, write_config: Callable[..., Path], tmp_path: Path
    ) -> None:
        """[roster] column mapping reads an MIS export as it is; known-as names match too."""
        (tmp_path / "pupils.csv").write_text(
            "Forename,Surname,Preferred,Photo Permission\nAlexander,Smith-Jones,Alex,No\n"
        )
        config = load_config(
            write_config(
                '[roster]\npath = "pupils.csv"\nfirst_name = "Forename"\nlast_name = "Surname"\n'
                'known_as = "Preferred"\nphoto_consent = "Photo Permission"\n'
            )
        )
        engine = build_engine(config)
        for text in ["Alex Smith-Jones", "Alexander Smith Jones", "#AlexSmithJones"]:
            assert [f.rule for f in engine.vet(item(text))] == ["pupil_name"], text
        assert engine.vet(item("Alex won")) == []


class _Counting:
    """A rule that counts its calls and says it applies only to items with media."""

    id = "abuse"
    default_action = ActionKind.ALERT
    default_severity = Severity.WARNING

    def __init__(self) -> None:
        self.calls = 0

    @staticmethod
    def applies(kind: ItemKind, *, has_media: bool) -> bool:
        return has_media

    def check(self, text: object, item: Item) -> list[Hit]:
        self.calls += 1
        return [Hit(rule=self.id, severity=self.default_severity, start=0, end=1, match="x")]


class TestApplies:
    def test_rule_is_not_called_for_items_it_does_not_apply_to(self) -> None:
        """``Rule.applies`` saying no keeps ``check`` from being called; yes, and it runs."""
        rule = _Counting()
        engine = Engine([rule], {})
        assert engine.vet(item("no media here")) == []
        assert rule.calls == 0
        (finding,) = engine.vet(item("with a photo", alt="a photo"))
        assert (finding.rule, rule.calls) == ("abuse", 1)
        # the plan for text without media is kept; the rule still is not called
        assert engine.vet(item("more text")) == []
        assert rule.calls == 1

    def test_media_and_message_rules_skip_plain_comments(self) -> None:
        """The shipped media and message rules say they do not apply to a plain comment,
        and do apply where they can find something."""
        rules = {r.id: r for r in build_rules(None)}
        for rule_id, kind, has_media in (
            ("photo_consent", ItemKind.MEDIA, False),
            ("photo_consent", ItemKind.POST, True),
            ("location_metadata", ItemKind.POST, True),
            ("private_message", ItemKind.MESSAGE, False),
        ):
            applies = getattr(rules[rule_id], "applies")  # noqa: B009 - optional on a Rule
            assert applies(ItemKind.COMMENT, has_media=False) is False, rule_id
            assert applies(kind, has_media=has_media) is True, rule_id
