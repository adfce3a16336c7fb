"""The account audit: each About page must link to the ICT Acceptable Use Policy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import connectors
from monitor.audit import profile_item, run_audit
from monitor.config import Config, load_config
from monitor.errors import AuthExpired
from monitor.models import Profile
from monitor.rules.aup_link import AupLinkRule, link_key
from monitor.rules.normalise import normalise
from monitor.store import Store
from tests.scripted import SCRIPT, START, FakeClock
from tests.test_store import item

AUP = "https://www.test.sch.uk/aup"


@pytest.fixture(autouse=True)
def _scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    SCRIPT.__init__()  # type: ignore[misc]
    monkeypatch.setitem(connectors.REGISTRY, "feed", "tests.scripted:ScriptedConnector")


@pytest.fixture(name="config")
def fixture_config(write_config: Callable[..., Path]) -> Config:
    return load_config(
        write_config('[[sources]]\nname = "fb"\nkind = "feed"\nurl = "https://x.test/f"\n')
    )


def audit(config: Config, store: Store) -> bool | None:
    clock = FakeClock()
    (result,) = run_audit(config, store, START, sleep=clock.sleep)
    return result.ok


class TestRule:
    @pytest.mark.parametrize(
        "bio",
        [
            "Our policy: https://www.test.sch.uk/aup",
            "Read test.sch.uk/aup/ before joining.",
            "Rules: HTTP://TEST.SCH.UK/aup.",
            "See www.test.sch.uk/aup?utm=bio",
        ],
    )
    def test_link_present_in_any_form(self, bio: str) -> None:
        """Scheme, www., case, a trailing slash, full stop or query do not matter."""
        item = profile_item("s", Profile(name="School", about=bio), START)
        assert AupLinkRule(AUP).check(normalise(item.text), item) == []

    @pytest.mark.parametrize(
        "bio",
        ["Welcome to our page!", "https://www.test.sch.uk/", "https://test.sch.uk/aup-old", "aup"],
    )
    def test_link_missing(self, bio: str) -> None:
        """Another page of the site, a longer path or the word alone is not the link."""
        item = profile_item("s", Profile(name="School", about=bio), START)
        (hit,) = AupLinkRule(AUP).check(normalise(item.text), item)
        assert hit.entry == AUP

    def test_only_profiles(self) -> None:
        """Ordinary items are not audited."""
        comment = item("1", "no link here")
        assert AupLinkRule(AUP).check(normalise(comment.text), comment) == []

    def test_link_key(self) -> None:
        """Two spellings of the same page give the same key."""
        assert link_key("https://www.Test.sch.uk/aup/") == link_key("test.sch.uk/aup")


class TestAudit:
    def test_missing_link_alerted_once(self, config: Config) -> None:
        """A missing link is a finding and one SLT alert; the next audit repeats neither."""
        SCRIPT.profile = Profile(
            name="School", about="Welcome!", links=("https://www.test.sch.uk/",)
        )
        store = Store(config.storage.path)
        assert audit(config, store) is False
        assert audit(config, store) is False
        (row,) = store.outbox()
        assert row.recipients == ("slt@test.sch.uk",)
        (finding,) = store.findings()
        assert finding.finding.rule == "aup_link_missing"
        assert store.audit_state("fb")[0] is False

    def test_fixed_then_missing_again_alerts_again(self, config: Config) -> None:
        """Each time the link goes missing is told once; a fixed page is recorded."""
        store = Store(config.storage.path)
        SCRIPT.profile = Profile(name="School", about="Welcome!")
        audit(config, store)
        SCRIPT.profile = Profile(name="School", about=f"Policy {AUP}")
        assert audit(config, store) is True
        SCRIPT.profile = Profile(name="School", about="Edited again")
        assert audit(config, store) is False
        assert len(store.outbox()) == 2

    def test_present_link_is_quiet(self, config: Config) -> None:
        """A page with the link gives no finding and no email."""
        SCRIPT.profile = Profile(name="School", about=f"Policy: {AUP}")
        store = Store(config.storage.path)
        assert audit(config, store) is True
        assert store.findings() == [] and store.outbox() == []

    def test_unreadable_profile_is_reported_not_raised(self, config: Config) -> None:
        """A profile that cannot be read leaves the account unaudited, with the reason."""
        SCRIPT.profile = AuthExpired("token expired")
        store = Store(config.storage.path)
        (result,) = run_audit(config, store, START, sleep=FakeClock().sleep)
        assert result.ok is None and "token expired" in result.detail

    def test_disabled_rule(self, write_config: Callable[..., Path]) -> None:
        """With the rule disabled nothing is audited."""
        config = load_config(
            write_config(
                "[rules.aup_link_missing]\nenabled = false\n"
                '[[sources]]\nname = "fb"\nkind = "feed"\nurl = "https://x.test/f"\n'
            )
        )
        (result,) = run_audit(config, Store(config.storage.path), START)
        assert result.ok is None
