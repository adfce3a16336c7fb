"""One poll of one source: fetch, store, vet, act, and health on the transitions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

import connectors
from monitor.config import Config, load_config
from monitor.engine import NEEDS_REVIEW, Engine
from monitor.errors import AuthExpired, PermanentError, RateLimited, TemporaryError
from monitor.models import ActionKind, Cursor, Hit, Item, ItemKind, Severity
from monitor.poller import Poller
from monitor.rules.normalise import NormalisedText
from monitor.store import ActionState, Store
from tests.scripted import SCRIPT, START, FakeClock, WordRule


class ContactRule(WordRule):
    """Stands in for the safeguarding rule: hits ``dm me``."""

    id = "safeguarding"

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        at = text.text.find("dm me")
        if at < 0:
            return []
        return [Hit(rule=self.id, severity=Severity.URGENT, start=at, end=at + 5, match="dm me")]


class BrokenRule:
    """A rule with a bug."""

    id = "broken"
    default_action = ActionKind.ALERT
    default_severity = Severity.HIGH

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        raise ZeroDivisionError


def comment(pid: str, text: str, *, own: bool = False) -> Item:
    return Item(
        source="blog",
        platform_id=pid,
        kind=ItemKind.COMMENT,
        text=text,
        created_at=START,
        is_own=own,
        permalink=f"https://blog.test/#comment-{pid}",
    )


@pytest.fixture(autouse=True)
def _scripted_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve feed sources with the scripted connector for these tests."""
    SCRIPT.__init__()  # type: ignore[misc]  # a fresh script for each test
    monkeypatch.setitem(connectors.REGISTRY, "feed", "tests.scripted:ScriptedConnector")


@pytest.fixture(name="config")
def fixture_config(write_config: Callable[..., Path]) -> Config:
    path = write_config(
        "[health]\nalert_after_failures = 2\n"
        '[[sources]]\nname = "blog"\nkind = "feed"\nurl = "https://blog.test/comments/feed/"\n'
    )
    text = path.read_text().replace("attempts = 1", "attempts = 3")
    path.write_text(text)
    return load_config(path)


@pytest.fixture(name="store")
def fixture_store(config: Config) -> Store:
    return Store(config.storage.path)


@pytest.fixture(name="clock")
def fixture_clock() -> FakeClock:
    return FakeClock()


def poller(
    config: Config, store: Store, clock: FakeClock, rules: Sequence[object] = (WordRule(),)
) -> Poller:
    engine = Engine(rules, config.rules)  # type: ignore[arg-type]
    return Poller(config, store, engine, clock=clock, sleep=clock.sleep)


class TestFlow:
    def test_new_items_are_vetted_hidden_and_alerted_once(
        self, config: Config, store: Store, clock: FakeClock
    ) -> None:
        """A flagged comment is stored, vetted, hidden, and queued for SLT once."""
        SCRIPT.fetches = [
            [comment("1", "you badword"), comment("2", "lovely")],
            [comment("1", "you badword"), comment("2", "lovely")],
        ]
        p = poller(config, store, clock)
        first = p.poll(config.sources[0])
        assert (first.fetched, first.new, first.vetted, first.hidden) == (2, 2, 2, 1)
        assert SCRIPT.hidden == ["1"]
        second = p.poll(config.sources[0])
        assert (second.new, second.vetted, second.hidden) == (0, 0, 0)
        (row,) = store.outbox()
        assert row.recipients == ("slt@test.sch.uk",)
        assert store.findings()[0].action_state == ActionState.DONE

    def test_own_posts_are_alerted_not_hidden(
        self, config: Config, store: Store, clock: FakeClock
    ) -> None:
        """The school's own post cannot be hidden: the action is manual and SLT is told."""
        SCRIPT.fetches = [[comment("1", "badword", own=True)]]
        poller(config, store, clock).poll(config.sources[0])
        assert SCRIPT.hidden == []
        (sf,) = store.findings()
        assert sf.action_state == ActionState.MANUAL
        assert len(store.outbox()) == 1

    def test_failed_hide_is_recorded_for_the_alert(
        self, config: Config, store: Store, clock: FakeClock
    ) -> None:
        """A hide that still fails after retries is recorded as failed with the reason."""
        SCRIPT.fetches = [[comment("1", "badword")]]
        SCRIPT.hides = [TemporaryError("HTTP 503")] * 3
        report = poller(config, store, clock).poll(config.sources[0])
        assert report.hide_failed == 1
        (sf,) = store.findings()
        assert (sf.action_state, sf.action_detail) == (ActionState.FAILED, "HTTP 503")

    def test_rate_limited_hide_waits_for_the_window_to_end(
        self, config: Config, store: Store, clock: FakeClock
    ) -> None:
        """A hide refused for a rate limit stays pending; a poll inside the window asks the
        platform for no hide at all, and the first poll after it does them all."""
        SCRIPT.fetches = [[comment("1", "badword"), comment("2", "badword")], [], []]
        SCRIPT.hides = [RateLimited("429", until=START + timedelta(minutes=15))]
        p = poller(config, store, clock)
        first = p.poll(config.sources[0])
        assert (first.hidden, first.hide_failed) == (0, 0)
        assert [sf.action_state for sf in store.findings()] == [ActionState.PENDING] * 2
        clock.now = START + timedelta(minutes=5)
        inside = p.poll(config.sources[0])
        assert (inside.hidden, SCRIPT.hidden) == (0, [])  # a hide call would have succeeded
        assert [sf.action_state for sf in store.findings()] == [ActionState.PENDING] * 2
        clock.now = START + timedelta(minutes=15)
        after = p.poll(config.sources[0])
        assert after.hidden == 2
        assert SCRIPT.hidden == ["1", "2"]

    def test_items_stored_before_a_crash_are_vetted_next_poll(
        self, config: Config, store: Store, clock: FakeClock
    ) -> None:
        """Items stored but never vetted (a crash) are vetted by the next poll."""
        store.save_fetch(
            source="blog", kind="feed", items=[comment("9", "badword")], cursor=Cursor(), now=START
        )
        SCRIPT.fetches = [[]]
        report = poller(config, store, clock).poll(config.sources[0])
        assert report.vetted == 1
        assert [sf.item.platform_id for sf in store.findings()] == ["9"]

    def test_a_broken_rule_sends_the_item_to_a_human(
        self, config: Config, store: Store, clock: FakeClock
    ) -> None:
        """A rule that raises yields a needs_review finding; the other rules still run."""
        SCRIPT.fetches = [[comment("1", "badword")]]
        poller(config, store, clock, rules=(BrokenRule(), WordRule())).poll(config.sources[0])
        assert sorted(sf.finding.rule for sf in store.findings()) == ["abuse", NEEDS_REVIEW]


class TestRouting:
    def test_safeguarding_goes_to_the_dsl_one_by_one(
        self, config: Config, store: Store, clock: FakeClock
    ) -> None:
        """Each safeguarding finding is its own email to the DSL; the rest is one SLT email."""
        SCRIPT.fetches = [
            [
                comment("1", "dm me x"),
                comment("2", "dm me y"),
                comment("3", "badword"),
                comment("4", "badword again"),
            ]
        ]
        poller(config, store, clock, rules=(ContactRule(), WordRule())).poll(config.sources[0])
        rows = store.outbox()
        dsl = [r for r in rows if r.recipients == ("dsl@test.sch.uk",)]
        slt = [r for r in rows if r.recipients == ("slt@test.sch.uk",)]
        assert [len(r.payload["findings"]) for r in dsl] == [1, 1]
        assert all(r.payload["urgent"] for r in dsl)
        assert [len(r.payload["findings"]) for r in slt] == [2]

    def test_head_who_is_also_dsl_gets_batches_as_batches(
        self, write_config: Callable[..., Path], clock: FakeClock
    ) -> None:
        """When SLT and DSL are the same person, SLT batches are still not marked urgent."""
        path = write_config('[[sources]]\nname = "blog"\nkind = "feed"\nurl = "https://b.test/f"\n')
        path.write_text(path.read_text().replace('"dsl@test.sch.uk"', '"slt@test.sch.uk"'))
        config = load_config(path)
        SCRIPT.fetches = [[comment("1", "badword"), comment("2", "badword")]]
        poller(config, Store(config.storage.path), clock).poll(config.sources[0])
        (row,) = Store(config.storage.path).outbox()
        assert row.payload["urgent"] is False

    def test_digest_only_findings_send_nothing_now(
        self, write_config: Callable[..., Path], clock: FakeClock
    ) -> None:
        """A rule mapped to digest is stored but not alerted."""
        config = load_config(
            write_config(
                '[rules.abuse]\naction = "digest"\n'
                '[[sources]]\nname = "blog"\nkind = "feed"\nurl = "https://blog.test/f"\n'
            )
        )
        store = Store(config.storage.path)
        SCRIPT.fetches = [[comment("1", "badword")]]
        poller(config, store, clock).poll(config.sources[0])
        assert [sf.finding.action for sf in store.findings()] == [ActionKind.DIGEST]
        assert store.outbox() == []
        assert SCRIPT.hidden == []


class TestNotices:
    def test_standing_limitations_are_kept_for_status(
        self, config: Config, store: Store, clock: FakeClock
    ) -> None:
        """A connector's notice is stored with the source and replaced on the next success."""
        SCRIPT.notices = ["replies cannot be searched at this access tier"]
        p = poller(config, store, clock)
        p.poll(config.sources[0])
        assert store.source_state("blog", "feed").notices == (SCRIPT.notices[0],)
        SCRIPT.notices = []
        p.poll(config.sources[0])
        assert store.source_state("blog", "feed").notices == ()


class TestFailures:
    def test_temporary_errors_are_retried_with_backoff(
        self, config: Config, store: Store, clock: FakeClock
    ) -> None:
        """Two temporary failures then success: one poll, retried with growing waits."""
        SCRIPT.fetches = [
            TemporaryError("timeout"),
            TemporaryError("timeout"),
            [comment("1", "hi")],
        ]
        report = poller(config, store, clock).poll(config.sources[0])
        assert report.ok and report.new == 1
        assert len(clock.slept) == 2
        assert store.source_state("blog", "feed").healthy

    def test_failing_source_is_reported_once_after_threshold(
        self, config: Config, store: Store, clock: FakeClock
    ) -> None:
        """The admin is emailed once when a source has failed the configured number of polls."""
        p = poller(config, store, clock)
        for _ in range(4):
            SCRIPT.fetches = [TemporaryError("HTTP 500")] * 3
            report = p.poll(config.sources[0])
            assert report.error == "HTTP 500"
        health = [r for r in store.outbox() if r.kind == "health"]
        assert [r.payload["event"] for r in health] == ["failing"]
        state = store.source_state("blog", "feed")
        assert (state.healthy, state.consecutive_failures) == (False, 4)

    def test_recovery_is_reported(self, config: Config, store: Store, clock: FakeClock) -> None:
        """After a reported failure, the first good poll emails "recovered"."""
        SCRIPT.fetches = [AuthExpired("token expired"), []]
        p = poller(config, store, clock)
        p.poll(config.sources[0])
        p.poll(config.sources[0])
        assert [r.payload["event"] for r in store.outbox()] == ["failing", "recovered"]
        assert store.source_state("blog", "feed").healthy

    @pytest.mark.parametrize("error", [AuthExpired("expired"), PermanentError("HTTP 404")])
    def test_errors_that_will_not_heal_are_reported_at_once(
        self, config: Config, store: Store, clock: FakeClock, error: Exception
    ) -> None:
        """Expired credentials and permanent errors email the admin at once, without retrying."""
        SCRIPT.fetches = [error]
        poller(config, store, clock).poll(config.sources[0])
        assert SCRIPT.fetch_calls == 1
        assert [r.payload["event"] for r in store.outbox()] == ["failing"]

    def test_rate_limit_skips_the_source_until_reset(
        self, config: Config, store: Store, clock: FakeClock
    ) -> None:
        """A rate limit is honoured: the source is skipped until the reset, then polled."""
        SCRIPT.fetches = [
            RateLimited("429", until=START + timedelta(minutes=15)),
            [comment("1", "hi")],
        ]
        p = poller(config, store, clock)
        first = p.poll(config.sources[0])
        assert first.skipped_until == START + timedelta(minutes=15) and not first.ok
        clock.now += timedelta(minutes=5)
        assert p.poll(config.sources[0]).skipped_until is not None
        assert SCRIPT.fetch_calls == 1
        clock.now += timedelta(minutes=11)
        assert p.poll(config.sources[0]).new == 1
        assert store.outbox() == []  # a rate limit is not a failure to email about

    def test_a_bug_does_not_escape(self, config: Config, store: Store, clock: FakeClock) -> None:
        """An unexpected exception is recorded as the source's error; poll() returns."""
        SCRIPT.fetches = [ValueError("surprise")]
        report = poller(config, store, clock).poll(config.sources[0])
        assert report.error is not None and "surprise" in report.error
        assert store.source_state("blog", "feed").error_category == "internal"
