"""The digest: its schedule across DST, once per period across restarts, the all clear, content.

Every email here goes through a real SMTP server on loopback and is parsed
back from the bytes it received. Time is moved by passing ``now`` (the
daemon's clock), never by sleeping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from itertools import islice
from pathlib import Path

import pytest

from monitor import cli
from monitor.config import Config, load_config
from monitor.digest import (
    Due,
    collect,
    due_times,
    latest_slot,
    next_due,
    queue_digest,
    queue_manual_digest,
)
from monitor.errors import ConfigError
from monitor.mailer import Mailer
from monitor.models import ActionKind, Cursor, Finding, Item, ItemKind, Severity
from monitor.outbox import flush, shortener_for
from monitor.sandbox.smtp_server import SmtpServer
from monitor.store import ActionState, PlannedAction, Store
from tests.conftest import MINIMAL

SOURCES = """
[[sources]]
name = "blog"
kind = "feed"
url = "https://blog.test.sch.uk/comments/feed/"
owner = "Mr R. Patel"
approved_by = "Headteacher"
approved_on = 2026-09-01

[[sources]]
name = "youtube"
kind = "feed"
url = "https://www.youtube.com/feeds/videos.xml?channel_id=UC1"
own_content = true
"""


def utc(*args: int) -> datetime:
    """A UTC instant."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture(name="smtp")
def fixture_smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(name="make_config")
def fixture_make_config(tmp_path: Path, smtp: SmtpServer) -> Callable[..., Config]:
    """A config with ``email`` lines added to [email] and ``extra`` TOML appended."""

    def make(email: str = "", extra: str = SOURCES) -> Config:
        text = MINIMAL.format(smtp_port=smtp.port).replace(
            "timeout = 5\n", f"timeout = 5\n{email}\n"
        )
        path = tmp_path / "monitor.toml"
        path.write_text(text + extra, encoding="utf-8")
        return load_config(path)

    return make


@pytest.fixture(name="config")
def fixture_config(make_config: Callable[..., Config]) -> Config:
    return make_config()


@pytest.fixture(name="store")
def fixture_store(config: Config) -> Iterator[Store]:
    with Store(config.storage.path) as store:
        yield store


def seed(
    store: Store,
    found_at: datetime,
    *,
    pid: str = "c1",
    text: str = "you are an idiot",
    author: str | None = "Angry Parent",
    permalink: str | None = "https://blog.test.sch.uk/trip#comment-1",
    rule: str = "abuse",
    state: str | None = ActionState.MANUAL,
    detail: str = "feeds cannot hide comments",
    source: str = "blog",
) -> int:
    """Store one comment flagged at ``found_at`` (action ``state``); return its item id."""
    item = Item(
        source=source,
        platform_id=pid,
        kind=ItemKind.COMMENT,
        text=text,
        created_at=found_at - timedelta(minutes=5),
        author_name=author,
        permalink=permalink,
    )
    store.save_fetch(source=source, kind="feed", items=[item], cursor=Cursor(), now=found_at)
    (stored,) = store.unvetted(source)
    action = ActionKind.HIDE if state else ActionKind.ALERT
    finding = Finding(
        rule=rule, severity=Severity.HIGH, action=action, match="idiot", start=0, end=1
    )
    actions = (
        [PlannedAction(item_id=stored.id, kind="hide", state=state, detail=detail)] if state else []
    )
    store.save_vetting(findings=[(stored.id, [finding])], actions=actions, outbox=[], now=found_at)
    return stored.id


def healthy(store: Store, at: datetime) -> None:
    """Record a successful poll of every source at ``at``."""
    for name in ("blog", "youtube"):
        store.save_fetch(source=name, kind="feed", items=[], cursor=Cursor(), now=at)


def send(store: Store, config: Config, now: datetime) -> None:
    """Flush the outbox through the loopback server at ``now``."""
    report = flush(store, config, Mailer(config.email), clock=lambda: now)
    assert report.pending == report.failed == 0, report.error


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert isinstance(content, str)
    return content


def html_of(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    content = body.get_content()
    assert isinstance(content, str)
    return content


# Mon 26 Oct 2026 is the first weekday after the clocks go back (Sun 25 Oct);
# Mon 30 Mar 2026 the first after they go forward (Sun 29 Mar).
class TestSchedule:
    @pytest.mark.parametrize(
        ("after", "expected"),
        [
            (utc(2026, 10, 21, 12), utc(2026, 10, 22, 6, 30)),  # Thu 07:30 BST
            (utc(2026, 10, 23, 6, 30), utc(2026, 10, 26, 7, 30)),  # Fri's passed -> Mon 07:30 GMT
            (utc(2026, 10, 23, 6, 29), utc(2026, 10, 23, 6, 30)),  # Fri 07:30 BST, a minute away
            (utc(2026, 3, 27, 12), utc(2026, 3, 30, 6, 30)),  # after spring change: 07:30 BST
            (utc(2026, 12, 31, 23), utc(2027, 1, 1, 7, 30)),  # New Year's Day is a Friday
        ],
        ids=["summer", "autumn change", "exactly before", "spring change", "new year"],
    )
    def test_next_due_is_0730_local_on_weekdays(
        self, config: Config, after: datetime, expected: datetime
    ) -> None:
        """07:30 in London on Monday to Friday, whatever the UTC offset that day."""
        assert next_due(config, after) == Due(expected)

    def test_the_local_time_stays_put_across_the_autumn_change(self, config: Config) -> None:
        """Over a DST change every digest is at 07:30 local, weekends skipped."""
        times = [d.at for d in islice(due_times(config, utc(2026, 10, 21, 12)), 6)]
        local = [t.astimezone(config.zone) for t in times]
        assert [f"{t:%a %H:%M %Z}" for t in local] == [
            "Thu 07:30 BST",
            "Fri 07:30 BST",
            "Mon 07:30 GMT",
            "Tue 07:30 GMT",
            "Wed 07:30 GMT",
            "Thu 07:30 GMT",
        ]

    def test_several_times_and_days(self, make_config: Callable[..., Config]) -> None:
        """Each listed time on each listed day, in order."""
        config = make_config('digest = ["16:00", "7:30"]\ndigest_days = ["Tuesday", "sat"]')
        times = [d.at for d in islice(due_times(config, utc(2026, 11, 23)), 4)]
        assert times == [
            utc(2026, 11, 24, 7, 30),
            utc(2026, 11, 24, 16),
            utc(2026, 11, 28, 7, 30),
            utc(2026, 11, 28, 16),
        ]

    def test_a_time_the_clock_skips_is_sent_an_hour_later(
        self, make_config: Callable[..., Config]
    ) -> None:
        """01:30 does not exist on 29 Mar 2026 in London: that day it is sent at 02:30 BST."""
        config = make_config('digest = ["01:30"]\ndigest_days = ["sun"]')
        due = next_due(config, utc(2026, 3, 28))
        assert due is not None
        assert f"{due.at.astimezone(config.zone):%H:%M %Z}" == "02:30 BST"

    def test_a_time_the_clock_repeats_is_sent_once(
        self, make_config: Callable[..., Config]
    ) -> None:
        """01:30 happens twice on 25 Oct 2026: the digest is sent at the first only."""
        config = make_config('digest = ["01:30"]\ndigest_days = ["sun"]')
        first, second = (d.at for d in islice(due_times(config, utc(2026, 10, 24)), 2))
        assert first == utc(2026, 10, 25, 0, 30)
        assert second == utc(2026, 11, 1, 1, 30)

    def test_weekly_summary_is_due_beside_the_daily_digest(
        self, make_config: Callable[..., Config]
    ) -> None:
        """weekly = "fri 16:00" adds a weekly Due on Fridays."""
        config = make_config('weekly = "Friday 16:00"')
        dues = list(islice(due_times(config, utc(2026, 11, 23)), 6))
        assert Due(utc(2026, 11, 27, 16), weekly=True) in dues
        assert sum(d.weekly for d in dues) == 1

    def test_no_digest_configured(self, make_config: Callable[..., Config]) -> None:
        """digest = [] turns the daily digest off."""
        config = make_config("digest = []")
        assert next_due(config, utc(2026, 11, 23)) is None
        with Store(config.storage.path) as store:
            assert not queue_digest(config, store, utc(2026, 11, 24, 8))

    def test_latest_slot_is_at_or_before_now(self, config: Config) -> None:
        """The period a call belongs to is the latest scheduled time at or before it."""
        assert latest_slot(config, utc(2026, 11, 24, 7, 30)) == utc(2026, 11, 24, 7, 30)
        assert latest_slot(config, utc(2026, 11, 24, 7, 29)) == utc(2026, 11, 23, 7, 30)
        assert latest_slot(config, utc(2026, 11, 29, 12)) == utc(2026, 11, 27, 7, 30)

    def test_naive_time_is_refused(self, config: Config) -> None:
        """The schedule works in aware instants only."""
        with pytest.raises(ValueError, match="timezone-aware"):
            next(due_times(config, datetime(2026, 1, 1)))


class TestOncePerPeriod:
    def test_restart_in_the_middle_sends_the_period_once(
        self, config: Config, smtp: SmtpServer
    ) -> None:
        """A digest queued, then the daemon restarted (new Store, same file): sent once."""
        due = utc(2026, 11, 24, 7, 30)
        with Store(config.storage.path) as store:
            seed(store, due - timedelta(hours=3))
            assert queue_digest(config, store, due)
            assert not queue_digest(config, store, due + timedelta(seconds=5))
        # The daemon died before sending; the new one runs the missed job again.
        with Store(config.storage.path) as store:
            assert not queue_digest(config, store, due + timedelta(minutes=2))
            send(store, config, due + timedelta(minutes=2))
        with Store(config.storage.path) as store:
            assert not queue_digest(config, store, due + timedelta(hours=1))
            send(store, config, due + timedelta(hours=1))
        assert len(smtp.messages) == 1
        assert "digest" in smtp.messages[0]["Subject"].lower()

    def test_periods_follow_on_without_gap_or_overlap_across_dst(
        self, config: Config, store: Store, smtp: SmtpServer
    ) -> None:
        """Friday's digest ends where Monday's (after the clocks change) begins."""
        friday, monday = utc(2026, 10, 23, 6, 30), utc(2026, 10, 26, 7, 30)
        seed(store, friday - timedelta(hours=1), pid="before")
        assert queue_digest(config, store, friday)
        seed(store, utc(2026, 10, 24, 20), pid="weekend")
        assert queue_digest(config, store, monday)
        send(store, config, monday)
        fri, mon = (text_of(m) for m in smtp.messages)
        assert "Fri 23 Oct 2026, 07:30 BST" in fri
        assert "Period: Fri 23 Oct 2026, 07:30 BST to Mon 26 Oct 2026, 07:30 GMT" in mon
        assert "#1 [ACTION]" in fri and "#1 [ACTION]" not in mon
        assert "#2 [ACTION]" in mon and "#2 [ACTION]" not in fri

    def test_daemon_down_over_several_times_sends_one_digest(
        self, config: Config, store: Store
    ) -> None:
        """Back after three missed digests, one digest covers the whole gap."""
        assert queue_digest(config, store, utc(2026, 11, 23, 7, 30))
        assert queue_digest(config, store, utc(2026, 11, 26, 9))
        assert not queue_digest(config, store, utc(2026, 11, 26, 9, 5))
        last = store.latest_outbox("digest", "digest:daily:")
        assert last is not None
        assert last.payload["start"] == utc(2026, 11, 23, 7, 30).isoformat()
        assert last.key == f"digest:daily:slot:{utc(2026, 11, 26, 7, 30).isoformat()}"

    def test_first_digest_starts_at_the_previous_scheduled_time(
        self, config: Config, store: Store
    ) -> None:
        """The very first Monday digest covers the weekend, from Friday 07:30."""
        assert queue_digest(config, store, utc(2026, 11, 30, 7, 30))
        (row,) = store.outbox()
        assert row.payload["start"] == utc(2026, 11, 27, 7, 30).isoformat()

    def test_a_failed_digest_is_covered_again(self, config: Config, store: Store) -> None:
        """A digest the server refused for good never reached SLT: the next one re-covers it."""
        assert queue_digest(config, store, utc(2026, 11, 24, 7, 30))
        (row,) = store.outbox()
        store.mark_attempt_failed(row.id, "554 no", permanent=True)
        assert queue_digest(config, store, utc(2026, 11, 25, 7, 30))
        newest = store.latest_outbox("digest", "digest:daily:")
        assert newest is not None
        assert newest.payload["start"] == row.payload["start"]

    def test_manual_digest_moves_the_next_period_on(self, config: Config, store: Store) -> None:
        """`social-monitor digest` at 10:00 makes the next scheduled one start at 10:00."""
        assert queue_digest(config, store, utc(2026, 11, 24, 7, 30))
        assert queue_manual_digest(config, store, utc(2026, 11, 24, 10))
        assert queue_digest(config, store, utc(2026, 11, 25, 7, 30))
        newest = store.latest_outbox("digest", "digest:daily:")
        assert newest is not None
        assert newest.payload["start"] == utc(2026, 11, 24, 10).isoformat()

    def test_weekly_and_daily_are_separate_series(self, make_config: Callable[..., Config]) -> None:
        """The weekly summary does not shorten the daily digest's period, nor the reverse."""
        config = make_config('weekly = "fri 07:30"')
        with Store(config.storage.path) as store:
            friday = utc(2026, 11, 27, 7, 30)
            assert queue_digest(config, store, friday)
            assert queue_digest(config, store, friday, weekly=True)
            assert not queue_digest(config, store, friday, weekly=True)
            weekly = store.latest_outbox("digest", "digest:weekly:")
            assert weekly is not None
            assert weekly.payload["start"] == (friday - timedelta(days=7)).isoformat()


class TestAllClear:
    def test_empty_period_sends_a_short_all_clear(
        self, config: Config, store: Store, smtp: SmtpServer
    ) -> None:
        """No findings, nothing waiting, every account healthy: "All clear", still a digest."""
        now = utc(2026, 11, 24, 7, 30)
        healthy(store, now - timedelta(minutes=5))
        assert queue_digest(config, store, now)
        send(store, config, now)
        (message,) = smtp.messages
        assert message["Subject"] == "[Test Primary] All clear: daily digest, Tue 24 Nov"
        text = text_of(message)
        assert text.startswith("All clear: nothing was flagged on the school's 2 accounts")
        assert "You need to: Approve or remove 1 account in the register." in text
        assert "== Findings ==" not in text
        assert "youtube (web feed): OK; last successful check Tue 24 Nov 2026, 07:25 GMT" in text

    def test_send_empty_false_skips_it(self, make_config: Callable[..., Config]) -> None:
        """send_empty = false: an empty period queues nothing."""
        config = make_config("send_empty = false")
        with Store(config.storage.path) as store:
            healthy(store, utc(2026, 11, 24, 7))
            assert not queue_digest(config, store, utc(2026, 11, 24, 7, 30))
            assert store.outbox(None) == []
            seed(store, utc(2026, 11, 24, 9))
            assert queue_digest(config, store, utc(2026, 11, 25, 7, 30))

    def test_a_failing_account_is_never_all_clear(
        self, config: Config, store: Store, smtp: SmtpServer
    ) -> None:
        """An account the monitor cannot read makes the digest say so, not "all clear"."""
        now = utc(2026, 11, 24, 7, 30)
        healthy(store, now - timedelta(hours=2))
        store.record_failure(
            source="youtube",
            kind="feed",
            error="HTTP 401: token expired",
            category="auth",
            now=now - timedelta(hours=1),
        )
        assert queue_digest(config, store, now)
        send(store, config, now)
        (message,) = smtp.messages
        assert "All clear" not in message["Subject"]
        assert "digest" in message["Subject"]
        text = text_of(message)
        assert "1 account cannot be checked" in text.splitlines()[0]
        assert "Login expired or refused" in text
        assert "HTTP 401: token expired" in text


@pytest.fixture(name="busy")
def fixture_busy(config: Config, store: Store, smtp: SmtpServer) -> EmailMessage:
    """A digest over a day with findings of every kind of outcome, as received."""
    now = utc(2026, 11, 24, 7, 30)
    seed(store, now - timedelta(hours=20), pid="manual", text="Mr Smith is an idiot")
    seed(
        store,
        now - timedelta(hours=10),
        pid="hostile",
        text='<script>alert(1)</script> <a href="javascript:x">idiot</a>',
        author="<b>Bold</b>",
        permalink="javascript:alert(1)",
    )
    seed(store, now - timedelta(hours=8), pid="hidden", state=ActionState.DONE, detail="")
    seed(
        store,
        now - timedelta(hours=7),
        pid="sg",
        rule="safeguarding",
        text="meet me after school",
        author="Stranger",
        state=None,
    )
    for n, days_ago in enumerate((3, 3, 12)):  # earlier findings, for the chart only
        seed(store, now - timedelta(days=days_ago), pid=f"old{n}", state=ActionState.DONE)
    healthy(store, now - timedelta(minutes=10))
    store.record_audit(
        source="youtube",
        kind="feed",
        ok=False,
        detail="the About page has no AUP link",
        now=now - timedelta(hours=1),
    )
    assert queue_manual_digest(config, store, now)
    send(store, config, now)
    return smtp.messages[-1]


class TestContent:
    def test_headers(self, busy: EmailMessage) -> None:
        """From, To (SLT), Date, Message-ID and a subject with "digest" and the counts."""
        assert busy["From"] == "monitor@test.sch.uk"
        assert busy["To"] == "slt@test.sch.uk"
        assert busy["Date"] and busy["Message-ID"]
        # Python's folder moves a long subject starting "[" to a continuation
        # line; unfolding leaves a leading space that mail clients trim.
        assert busy["Subject"].strip() == (
            "[Test Primary] Daily digest, Tue 24 Nov: 4 findings, 2 waiting for you"
        )

    def test_first_lines_say_what_happened_what_was_done_what_to_do(
        self, busy: EmailMessage
    ) -> None:
        """Happened, done, to do: the three lines a phone shows."""
        first = text_of(busy).splitlines()[:3]
        assert first[0] == "4 findings since Mon 23 Nov 2026, 07:30 GMT."
        assert first[1].startswith("Already done: ")
        assert "hidden automatically: 1" in first[1]
        assert "sent to the DSL at once: 1" in first[1]
        assert first[2].startswith('You need to: Deal with 2 items under "Waiting for you"')

    def test_counts_per_account_and_rule(self, busy: EmailMessage) -> None:
        """The period's findings counted per account and rule (earlier ones not)."""
        text = text_of(busy)
        assert "blog (web feed): abuse x 3" in text
        assert "blog (web feed): safeguarding x 1" in text

    def test_each_finding_has_excerpt_author_link_action(self, busy: EmailMessage) -> None:
        """A finding shows what was written, by whom, where, and what was done."""
        text = text_of(busy)
        assert "Author:  Angry Parent" in text
        assert "Excerpt: Mr Smith is an idiot" in text
        assert "Link:    https://blog.test.sch.uk/trip#comment-1" in text
        assert "Done:    Not hidden: feeds cannot hide comments." in text
        assert "Hidden automatically (not deleted: the evidence is kept)." in text

    def test_safeguarding_details_stay_with_the_dsl(self, busy: EmailMessage) -> None:
        """SLT see that a safeguarding finding happened, not its content or author."""
        for body in (text_of(busy), html_of(busy)):
            assert "meet me after school" not in body
            assert "Stranger" not in body
            assert "safeguarding lead only" in body

    def test_waiting_for_a_human(self, busy: EmailMessage) -> None:
        """Items to remove by hand are listed with what to do."""
        text = text_of(busy)
        waiting = text.split("== Waiting for you ==")[1].split("==")[0]
        assert "Remove it by hand: https://blog.test.sch.uk/trip#comment-1" in waiting
        assert waiting.count("Remove it by hand") == 2

    def test_audit_health_and_register(self, busy: EmailMessage) -> None:
        """Each account's AUP audit, health with the last good poll, and the register."""
        for body in (text_of(busy), html_of(busy)):
            assert "AUP link MISSING" in body
            assert "the About page has no AUP link" in body
            assert "last successful check Tue 24 Nov 2026, 07:20 GMT" in body
            assert "approved by Headteacher on 01 Sep 2026" in body
            assert "NOT APPROVED" in body

    def test_chart_is_an_inline_image_of_30_days(self, busy: EmailMessage) -> None:
        """The chart travels as a related PNG the HTML shows by Content-ID; no URL is fetched."""
        html = html_of(busy)
        (cid,) = re.findall(r'src="cid:([^"]+)"', html)
        related = [p for p in busy.walk() if p.get_content_type() == "image/png"]
        assert len(related) == 1
        assert related[0]["Content-ID"] == f"<{cid}>"
        png = related[0].get_content()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        summary = "Mon 26 Oct to Tue 24 Nov: 7 in all, most on Mon 23 Nov (3)."
        assert summary in text_of(busy)
        assert 'alt="Findings per day, Mon 26 Oct to Tue 24 Nov: 7 in all' in html

    def test_html_is_self_contained_and_escaped(self, busy: EmailMessage) -> None:
        """No script, no external resource, no javascript: link; user markup shown as text."""
        html = html_of(busy)
        assert "<script" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;b&gt;Bold&lt;/b&gt;" in html
        assert not re.search(r'src="(?!cid:)', html)
        assert "<link" not in html
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert hrefs and all(h.startswith("https://blog.test.sch.uk/") for h in hrefs)
        assert "max-width:600px" in html

    def test_text_part_shows_user_text_as_written(self, busy: EmailMessage) -> None:
        """The plain-text alternative is the same content, unescaped."""
        assert "<script>alert(1)</script>" in text_of(busy)


class TestPrivacy:
    def test_pupil_surname_shortened_in_the_digest(
        self, make_config: Callable[..., Config], tmp_path: Path
    ) -> None:
        """With a roster, "Amelia Hartley" in an excerpt reads "Amelia H."; the store keeps it."""
        (tmp_path / "pupils.csv").write_text(
            "first_name,last_name,photo_consent\nAmelia,Hartley,yes\n", encoding="utf-8"
        )
        config = make_config(extra=SOURCES + '\n[roster]\npath = "pupils.csv"\n')
        now = utc(2026, 11, 24, 7, 30)
        with Store(config.storage.path) as store:
            seed(store, now - timedelta(hours=1), text="amelia  hartley is an idiot")
            data = collect(
                config, store, now - timedelta(days=1), now, now=now, shorten=shortener_for(config)
            )
            assert data.findings[0].excerpt == "amelia H. is an idiot"
            assert store.findings()[0].item.text == "amelia  hartley is an idiot"


class TestCli:
    def test_preview_prints_the_text_and_sends_nothing(
        self, config: Config, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`digest --preview` prints the subject and text part; nothing is queued or sent."""
        assert cli.main(["--config", str(config.path), "digest", "--preview"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("Subject: [Test Primary] ")
        assert "digest" in out.splitlines()[0].lower()
        assert "== Register of sanctioned accounts ==" in out
        assert smtp.messages == []
        with Store(config.storage.path) as store:
            assert store.outbox(None) == []

    def test_html_writes_a_viewable_file(self, config: Config, tmp_path: Path) -> None:
        """`digest --html FILE` writes the HTML with the chart inlined as a data: URL."""
        with Store(config.storage.path) as store:
            seed(store, datetime.now(UTC) - timedelta(hours=1))
        out = tmp_path / "digest.html"
        assert cli.main(["--config", str(config.path), "digest", "--html", str(out)]) == 0
        html = out.read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>")
        assert 'src="data:image/png;base64,' in html

    def test_digest_sends_to_slt(self, config: Config, smtp: SmtpServer) -> None:
        """`digest` sends SLT the digest since the last one; a second run starts from it."""
        assert cli.main(["--config", str(config.path), "digest"]) == 0
        assert cli.main(["--config", str(config.path), "digest"]) == 0
        assert [m["To"] for m in smtp.messages] == ["slt@test.sch.uk"] * 2
        with Store(config.storage.path) as store:
            first, second = store.outbox(None)
        assert second.payload["start"] == first.payload["end"]


class TestConfig:
    @pytest.mark.parametrize(
        ("line", "error"),
        [
            ('digest = ["7.30"]', "not a local time"),
            ('digest = ["24:00"]', "not a local time"),
            ('digest_days = ["someday"]', "not a day name"),
            ('weekly = "fri"', "not a local time"),
        ],
    )
    def test_bad_schedule_keys_are_config_errors(
        self, make_config: Callable[..., Config], line: str, error: str
    ) -> None:
        """A wrong time or day names the key and what is wrong."""
        with pytest.raises(ConfigError, match=error):
            make_config(line)

    def test_defaults(self, config: Config) -> None:
        """07:30 Monday to Friday, all clear sent, no weekly, privacy on."""
        e = config.email
        assert (e.digest, e.digest_days, e.send_empty, e.weekly, e.privacy_surnames) == (
            ("07:30",),
            ("mon", "tue", "wed", "thu", "fri"),
            True,
            None,
            True,
        )
