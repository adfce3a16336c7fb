"""The engine: configured rules over one normalisation, actions from the config."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.engine import build_engine
from monitor.errors import ConfigError
from monitor.lists import read_terms
from monitor.models import ActionKind, Item, ItemKind, Media, Severity


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
