"""findings allow: a false positive is unhidden and its text not flagged again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import connectors
from monitor.allow import allow_finding
from monitor.config import Config, load_config
from monitor.engine import Engine
from monitor.errors import PermanentError
from monitor.poller import Poller
from monitor.store import ActionState, Store
from tests.scripted import SCRIPT, START, FakeClock, ScriptedConnector, WordRule
from tests.test_poller import comment


@pytest.fixture(autouse=True)
def _scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    SCRIPT.__init__()  # type: ignore[misc]
    monkeypatch.setitem(connectors.REGISTRY, "feed", "tests.scripted:ScriptedConnector")


@pytest.fixture(name="config")
def fixture_config(write_config: Callable[..., Path]) -> Config:
    return load_config(
        write_config('[[sources]]\nname = "blog"\nkind = "feed"\nurl = "https://x.test/f"\n')
    )


def poll(config: Config, store: Store) -> None:
    clock = FakeClock()
    Poller(config, store, Engine([WordRule()], {}), clock=clock, sleep=clock.sleep).poll(
        config.sources[0]
    )


class TestAllow:
    def test_unhides_and_remembers(self, config: Config) -> None:
        """The hidden item is unhidden; the same text is not flagged again by that rule."""
        store = Store(config.storage.path)
        SCRIPT.fetches = [[comment("1", "Badword Lane car boot sale")]]
        poll(config, store)
        assert SCRIPT.hidden == ["1"]
        (finding,) = store.findings()
        result = allow_finding(config, store, finding.id, now=START, sleep=FakeClock().sleep)
        assert result.unhidden and SCRIPT.hidden == []
        (after,) = store.findings()
        assert (after.status, after.action_state) == ("allowed", ActionState.REVERSED)
        SCRIPT.fetches = [[comment("2", "badword lane car boot sale"), comment("3", "you badword")]]
        poll(config, store)
        assert [f.item.platform_id for f in store.findings()] == ["1", "3"]

    def test_other_text_still_flagged(self, config: Config) -> None:
        """Allowing one comment never silences a different comment with the same word."""
        store = Store(config.storage.path)
        SCRIPT.fetches = [[comment("1", "badword one")]]
        poll(config, store)
        allow_finding(config, store, store.findings()[0].id, now=START)
        SCRIPT.fetches = [[comment("2", "badword two")]]
        poll(config, store)
        assert len(store.findings()) == 2

    def test_unhide_failure_is_reported(
        self, config: Config, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When the platform refuses to unhide, the result says so; the finding stays allowed."""
        store = Store(config.storage.path)
        SCRIPT.fetches = [[comment("1", "badword")]]
        poll(config, store)

        def refuse(self: ScriptedConnector, item: object) -> object:
            raise PermanentError("(#10) permission pages_manage_engagement missing")

        monkeypatch.setattr(ScriptedConnector, "unhide", refuse)
        result = allow_finding(
            config, store, store.findings()[0].id, now=START, sleep=FakeClock().sleep
        )
        assert not result.unhidden
        assert result.unhide_error is not None and "pages_manage_engagement" in result.unhide_error
        assert store.findings()[0].status == "allowed"

    def test_unknown_id(self, config: Config) -> None:
        """An unknown id is a KeyError (the CLI turns it into exit 2)."""
        with pytest.raises(KeyError):
            allow_finding(config, Store(config.storage.path), 999)
