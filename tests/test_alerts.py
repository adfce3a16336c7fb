"""Alert emails: subject, the three opening lines, each entry, escaping and time zones."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.alerts import (
    MAX_ITEM_CHARS,
    AlertEntry,
    RenderedEmail,
    SurnameShortener,
    format_local_time,
    render_alert,
    render_health,
)
from monitor.models import Severity

LONDON = ZoneInfo("Europe/London")
SCHOOL = "Oakfield Primary"


def entry(**overrides: object) -> AlertEntry:
    """A flagged blog comment; override any field."""
    values: dict[str, object] = {
        "finding_id": 41,
        "rule": "abuse",
        "severity": Severity.HIGH,
        "match": "idiot",
        "item_text": "Mr Smith is an idiot and should be sacked",
        "item_kind": "comment",
        "source_name": "blog",
        "platform": "feed",
        "author_name": "Angry Parent",
        "permalink": "https://blog.oakfield.example/2026/11/trip#comment-9",
        "created_at": datetime(2026, 11, 24, 18, 5, tzinfo=UTC),
        "action_taken": "Feeds cannot be hidden automatically — remove it by hand.",
        "needs_action": "Remove the comment in the blog's admin page.",
    }
    values.update(overrides)
    return AlertEntry(**values)  # type: ignore[arg-type]


def slt(*entries: AlertEntry) -> tuple[str, str, str]:
    """Subject, text and HTML of an SLT alert for ``entries``."""
    email = render_alert(entries, school_name=SCHOOL, zone=LONDON, urgent=False)
    return email.subject, email.text, email.html


def urgent(one: AlertEntry) -> tuple[str, str, str]:
    """Subject, text and HTML of a DSL safeguarding alert."""
    email = render_alert([one], school_name=SCHOOL, zone=LONDON, urgent=True)
    return email.subject, email.text, email.html


def lines(text: str) -> list[str]:
    """The non-blank lines of a plain-text body."""
    return [line for line in text.splitlines() if line.strip()]


SAFEGUARDING = entry(
    finding_id=7,
    rule="safeguarding",
    severity=Severity.URGENT,
    match="meet me after school",
    item_text="Year 6 girl in the photo, meet me after school",
    needs_action=None,
)


class TestSubject:
    def test_urgent_subject_starts_with_the_tag(self) -> None:
        """A DSL alert's subject starts [URGENT safeguarding]."""
        subject, _, _ = urgent(SAFEGUARDING)
        assert subject.startswith("[URGENT safeguarding] ")
        assert SCHOOL in subject

    @pytest.mark.parametrize(
        ("entries", "expected"),
        [
            ([entry()], "[Oakfield Primary] 1 comment flagged: abuse"),
            ([entry(), entry(finding_id=42)], "[Oakfield Primary] 2 comments flagged: abuse"),
            ([entry(item_kind="reply")] * 3, "[Oakfield Primary] 3 replies flagged: abuse"),
            (
                [entry(), entry(item_kind="post", rule="unsafe_link", severity=Severity.WARNING)],
                "[Oakfield Primary] 2 items flagged: abuse, unsafe_link",
            ),
            (
                [entry(rule=r) for r in ("a", "b", "c", "d", "e")],
                "[Oakfield Primary] 5 comments flagged: a, b, c +2 more",
            ),
        ],
        ids=["one", "two same kind", "plural of reply", "mixed kinds", "many rules"],
    )
    def test_slt_subject_is_short_and_counts(
        self, entries: list[AlertEntry], expected: str
    ) -> None:
        """An SLT subject says how many items of what kind, and which rules."""
        subject, _, _ = slt(*entries)
        assert subject == expected

    @pytest.mark.parametrize(
        "email",
        [
            render_alert([entry()], school_name=SCHOOL, zone=LONDON, urgent=False),
            render_alert([entry()] * 4, school_name=SCHOOL, zone=LONDON, urgent=False),
            render_alert([SAFEGUARDING], school_name=SCHOOL, zone=LONDON, urgent=True),
            render_alert(
                [entry(needs_action=None, action_taken="Hidden on Facebook.")],
                school_name=SCHOOL,
                zone=LONDON,
                urgent=False,
            ),
        ],
        ids=["one", "several", "urgent", "nothing to do"],
    )
    def test_never_uses_routine_words(self, email: RenderedEmail) -> None:
        """Alert subjects never say digest, all clear or summary, which read as routine."""
        assert not re.search(r"digest|all clear|summary", email.subject, re.IGNORECASE)

    def test_line_breaks_in_the_school_name_do_not_reach_the_header(self) -> None:
        """The subject is always one line."""
        email = render_alert([entry()], school_name="Oakfield\nPrimary", zone=LONDON, urgent=False)
        assert "\n" not in email.subject


class TestOpeningLines:
    def test_first_lines_say_what_happened_what_was_done_what_to_do(self) -> None:
        """The first three lines: what happened, what the system did, what the reader must do."""
        _, text, _ = slt(entry())
        first = lines(text)[:3]
        assert "flagged" in first[0]
        assert first[1] == (
            "Already done: Feeds cannot be hidden automatically — remove it by hand."
        )
        assert first[2] == "You need to: Remove the comment in the blog's admin page."

    def test_nothing_to_do_says_so(self) -> None:
        """When no entry needs the reader, the email says it is for information."""
        _, text, _ = slt(entry(needs_action=None, action_taken="Hidden on Facebook."))
        assert "You need to: Nothing: this is for your information." in text

    def test_several_entries_point_to_the_ones_needing_action(self) -> None:
        """With several entries, the to-do line names the entries that need the reader."""
        _, text, _ = slt(
            entry(finding_id=1, needs_action=None, action_taken="Hidden on Facebook."),
            entry(finding_id=2),
        )
        assert "You need to: Act on #2 (marked ACTION below)." in text
        assert "Hidden on Facebook. (#1)" in text

    def test_urgent_without_a_given_action_asks_for_the_safeguarding_procedure(self) -> None:
        """A safeguarding alert always tells the DSL to act."""
        _, text, _ = urgent(SAFEGUARDING)
        assert "safeguarding procedure" in lines(text)[2]


class TestEntries:
    def test_each_entry_shows_account_author_time_text_match_link_action(self) -> None:
        """Every entry has the account, author, local time, text, match, link and action."""
        _, text, html = slt(entry())
        for body in (text, html):
            assert "blog (web feed)" in body
            assert "Angry Parent" in body
            assert "Tue 24 Nov 2026, 18:05 GMT" in body
            assert "Mr Smith is an" in body
            assert "idiot" in body
            assert "https://blog.oakfield.example/2026/11/trip#comment-9" in body
            assert "remove it by hand" in body

    def test_slt_alert_lists_every_entry(self) -> None:
        """One SLT email carries all its entries, each with its finding id."""
        entries = [
            entry(finding_id=n, source_name=f"source{n}", hidden=True) for n in range(100, 105)
        ]
        _, text, html = slt(*entries)
        for n in range(100, 105):
            for body in (text, html):
                assert f"source{n}" in body
                assert f"social-monitor findings allow {n}" in body

    def test_most_severe_entry_comes_first(self) -> None:
        """Entries are ordered by severity, worst first."""
        _, text, _ = slt(
            entry(finding_id=1, severity=Severity.WARNING, source_name="mild"),
            entry(finding_id=2, severity=Severity.URGENT, source_name="worst"),
        )
        assert text.index("worst") < text.index("mild")

    def test_missing_author_is_said_plainly(self) -> None:
        """An item with no author name says so rather than leaving a blank."""
        _, text, html = slt(entry(author_name=None))
        assert "(no name shown)" in text
        assert "(no name shown)" in html

    def test_footer_explains_reversing_a_hide_and_keeping_evidence(self) -> None:
        """A hidden item's entry gives the reverse-hide command with its id; evidence is kept."""
        _, text, html = urgent(replace(SAFEGUARDING, hidden=True))
        for body in (text, html):
            assert "To reverse an automatic hide: " in body
            assert "social-monitor findings allow 7" in body
            assert "Evidence" in body and "kept" in body

    def test_no_reverse_instruction_when_nothing_was_hidden(self) -> None:
        """An item that was not hidden has nothing to reverse, so no command is offered."""
        _, text, html = slt(entry(hidden=False))
        for body in (text, html):
            assert "findings allow" not in body

    @pytest.mark.parametrize(
        ("length", "cut"),
        [(MAX_ITEM_CHARS - 1, False), (MAX_ITEM_CHARS, False), (MAX_ITEM_CHARS + 1, True)],
        ids=["under", "exactly", "over"],
    )
    def test_item_text_is_cut_at_2000_characters(self, length: int, cut: bool) -> None:
        """Text longer than 2,000 characters is cut and marked; shorter text is whole."""
        body = "a" * (length - 1) + "Z"
        _, text, html = slt(entry(item_text=body, match="a"))
        for rendered in (text, html):
            assert ("… (cut)" in rendered) is cut
            assert ("Z" in rendered.replace("Zone", "")) is not cut

    def test_cut_keeps_the_first_2000_characters(self) -> None:
        """The cut text is the item's first 2,000 characters."""
        body = "".join(chr(ord("a") + n % 26) for n in range(5000))
        _, text, _ = slt(entry(item_text=body, match="abc"))
        assert body[:MAX_ITEM_CHARS] in text.replace("\n> ", "")
        assert body[: MAX_ITEM_CHARS + 1] not in text.replace("\n> ", "")


class TestTime:
    @pytest.mark.parametrize(
        ("utc", "shown"),
        [
            (datetime(2026, 11, 24, 18, 5, tzinfo=UTC), "Tue 24 Nov 2026, 18:05 GMT"),
            (datetime(2026, 6, 1, 7, 30, tzinfo=UTC), "Mon 1 Jun 2026, 08:30 BST"),
            (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "Sun 29 Mar 2026, 00:59 GMT"),
            (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "Sun 29 Mar 2026, 02:00 BST"),
            (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Sun 25 Oct 2026, 01:30 BST"),
            (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Sun 25 Oct 2026, 01:30 GMT"),
        ],
        ids=[
            "winter",
            "summer",
            "before spring change",
            "after spring change",
            "before autumn change",
            "after autumn change",
        ],
    )
    def test_shown_in_london_time_with_gmt_or_bst(self, utc: datetime, shown: str) -> None:
        """Times are the school's local time, labelled GMT or BST."""
        assert format_local_time(utc, LONDON) == shown
        _, text, html = slt(entry(created_at=utc))
        assert shown in text
        assert shown in html

    def test_naive_time_is_refused(self) -> None:
        """An entry must carry a timezone-aware time."""
        with pytest.raises(ValueError, match="timezone-aware"):
            entry(created_at=datetime(2026, 11, 24, 18, 5))


HOSTILE = [
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">click me</a>',
    '<img src="https://tracker.example/p.gif" onerror="alert(1)">',
    "</td></tr></table><h1>fake</h1>",
]


class TestEscaping:
    @pytest.mark.parametrize("hostile", HOSTILE)
    @pytest.mark.parametrize(
        "field", ["item_text", "author_name", "match", "source_name", "action_taken"]
    )
    def test_user_content_appears_as_text_in_html(self, field: str, hostile: str) -> None:
        """Markup in anything people wrote is escaped in the HTML, never rendered."""
        overrides: dict[str, object] = {field: hostile}
        if field == "item_text":
            overrides["item_text"] = f"before {hostile} after"
        _, text, html = slt(entry(**overrides))
        assert hostile not in html
        escaped = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped.replace('"', "&#34;") in html
        assert hostile in text  # the plain text shows it exactly as written

    def test_no_markup_from_the_item_survives(self) -> None:
        """After escaping, the HTML has no script, no javascript: link and no image."""
        _, _, html = slt(entry(item_text=" ".join(HOSTILE)))
        assert "<script" not in html.lower()
        assert 'href="javascript' not in html.lower()
        assert "<img" not in html.lower()

    @pytest.mark.parametrize(
        "permalink",
        ["javascript:alert(1)", "data:text/html,<b>x</b>", "JaVaScRiPt:alert(1)", "/relative"],
    )
    def test_only_web_permalinks_become_links(self, permalink: str) -> None:
        """A permalink that is not http(s) is shown as text, never as an href."""
        _, _, html = slt(entry(permalink=permalink))
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert hrefs == []
        escaped = permalink.replace("<", "&lt;").replace(">", "&gt;")
        assert escaped in html

    @pytest.mark.parametrize(
        "permalink", ["https://blog.example/p?a=1&b=2", "HTTP://blog.example/x"]
    )
    def test_web_permalinks_are_links(self, permalink: str) -> None:
        """An http(s) permalink is the href of the item's link, escaped."""
        _, _, html = slt(entry(permalink=permalink))
        assert f'href="{permalink.replace("&", "&amp;")}"' in html

    def test_quote_in_permalink_cannot_break_out_of_href(self) -> None:
        """A double quote in a permalink stays inside the attribute."""
        _, _, html = slt(entry(permalink='https://x.example/"onmouseover="alert(1)'))
        assert '"onmouseover="' not in html
        assert "&#34;onmouseover=&#34;" in html


class TestHtmlShape:
    def test_phone_friendly_self_contained_html(self) -> None:
        """The HTML is at most 600px wide, with no scripts and no external resources."""
        _, _, html = slt(entry(), entry(finding_id=2))
        assert "max-width:600px" in html
        assert "<script" not in html
        assert not re.search(r"\ssrc=", html)
        assert "<link" not in html
        assert 'name="viewport"' in html

    def test_urgent_html_says_urgent(self) -> None:
        """The DSL's HTML opens with an urgent banner."""
        _, _, html = urgent(SAFEGUARDING)
        assert "URGENT safeguarding alert" in html


def health(event: str, error: str | None = None) -> RenderedEmail:
    """The health email for the blog feed."""
    return render_health(
        source="blog",
        kind="feed",
        event=event,
        error=error,
        at=datetime(2026, 6, 1, 7, 30, tzinfo=UTC),
        school_name=SCHOOL,
        zone=LONDON,
    )


class TestHealth:
    def test_failing_says_what_stopped_why_and_what_to_do(self) -> None:
        """A failing source's email names it, gives the reason and the next step."""
        email = health("failing", "HTTP 404 from https://blog.example/feed")
        assert email.subject == "[Oakfield Primary] Not checking blog: it cannot be read"
        first = lines(email.text)[:3]
        assert "cannot read blog (web feed)" in first[0]
        assert first[1] == "Since: Mon 1 Jun 2026, 08:30 BST"
        assert first[2] == "Reason: HTTP 404 from https://blog.example/feed"
        assert "social-monitor status" in email.text
        assert "social-monitor status" in email.html

    def test_recovered_says_checking_resumed(self) -> None:
        """A recovered source's email says checking has resumed and nothing is needed."""
        email = health("recovered")
        assert email.subject == "[Oakfield Primary] Checking blog again"
        assert "You need to: nothing." in email.text

    @pytest.mark.parametrize("event", ["failing", "recovered"])
    def test_subject_never_uses_routine_words(self, event: str) -> None:
        """Health subjects avoid digest, all clear and summary too."""
        assert not re.search(r"digest|all clear|summary", health(event).subject, re.I)

    def test_error_text_is_escaped_in_html(self) -> None:
        """An error message quoting a server's HTML is shown as text."""
        email = health("failing", "<html><script>x</script></html>")
        assert "<script>" not in email.html
        assert "&lt;script&gt;" in email.html

    def test_unknown_event_is_an_error(self) -> None:
        """Only failing and recovered exist."""
        with pytest.raises(ValueError, match="unknown health event"):
            health("flapping")


class TestContract:
    def test_urgent_takes_exactly_one_entry(self) -> None:
        """A safeguarding alert is about one item."""
        with pytest.raises(ValueError, match="one item"):
            render_alert([SAFEGUARDING, SAFEGUARDING], school_name=SCHOOL, zone=LONDON, urgent=True)

    def test_no_entries_is_an_error(self) -> None:
        """An alert without entries is never sent."""
        with pytest.raises(ValueError, match="at least one"):
            render_alert([], school_name=SCHOOL, zone=LONDON, urgent=False)

    def test_entries_are_frozen(self) -> None:
        """AlertEntry is immutable, so a rendered alert matches its record."""
        with pytest.raises(AttributeError):
            entry().rule = "other"  # type: ignore[misc]

    def test_admin_template_override_is_used_first(self, tmp_path: Path) -> None:
        """A template in template_dir replaces the built-in one of the same name."""
        (tmp_path / "alert.txt.j2").write_text(
            "Custom: {{ headline }} {% for e in entries %}#{{ e.finding_id }}{% endfor %}\n",
            encoding="utf-8",
        )
        email = render_alert(
            [entry()], school_name=SCHOOL, zone=LONDON, urgent=False, template_dir=tmp_path
        )
        assert email.text.startswith("Custom: 1 comment")
        assert "#41" in email.text
        assert "max-width:600px" in email.html  # the HTML still comes from the package

    def test_override_html_is_still_autoescaped(self, tmp_path: Path) -> None:
        """An admin's HTML override escapes user content too."""
        (tmp_path / "alert.html.j2").write_text(
            "{% for e in entries %}<p>{{ e.text }}</p>{% endfor %}", encoding="utf-8"
        )
        email = render_alert(
            [entry(item_text="<script>x</script>")],
            school_name=SCHOOL,
            zone=LONDON,
            urgent=False,
            template_dir=tmp_path,
        )
        assert email.html == "<p>&lt;script&gt;x&lt;/script&gt;</p>"

    def test_replace_keeps_validation(self) -> None:
        """dataclasses.replace re-checks the time zone."""
        with pytest.raises(ValueError, match="timezone-aware"):
            replace(entry(), created_at=datetime(2026, 1, 1))


class TestParentQuote:
    def test_reply_quotes_its_parent_for_context(self) -> None:
        """An alert about a reply shows the post it answers, marked as context."""
        _, text, html = slt(
            entry(item_kind="reply", parent_text="Well done Year 6!", parent_author="School")
        )
        for body in (text, html):
            assert "In reply to School (for context, not flagged):" in body
            assert "Well done Year 6!" in body

    def test_parent_is_escaped_and_cut(self) -> None:
        """A parent's markup is text in HTML, and a long parent is cut at 500 characters."""
        _, _, html = slt(entry(parent_text="<script>x</script>" + "p" * 600, parent_author=None))
        assert "<script>x</script>" not in html
        assert "&lt;script&gt;" in html
        assert "p" * 482 + "… (cut)" in html
        assert "In reply to (no name shown)" in html

    def test_no_parent_no_quote(self) -> None:
        """Without a stored parent there is no quote block."""
        _, text, html = slt(entry())
        assert "In reply to" not in text
        assert "In reply to" not in html


class TestSurnameShortener:
    @pytest.mark.parametrize(
        ("text", "shown"),
        [
            ("Amelia Hartley scored", "Amelia H. scored"),
            ("well done amelia   HARTLEY!", "well done amelia H.!"),
            ("Amelia Hartley-Jones won", "Amelia H. won"),
            ("Mr Hartley was there", "Mr Hartley was there"),
            ("Amelia Hartleyson", "Amelia Hartleyson"),
            ("Amelia and Hartley", "Amelia and Hartley"),
            ("Tom van der Berg", "Tom V."),
            ("Amelia Hartley and Tom van der Berg", "Amelia H. and Tom V."),
        ],
        ids=[
            "full name",
            "case and spaces",
            "longest surname wins",
            "surname alone is kept",
            "longer word is kept",
            "not adjacent",
            "multi-word surname",
            "two pupils",
        ],
    )
    def test_shortens_only_a_pupils_full_name(self, text: str, shown: str) -> None:
        """A surname after the pupil's first name becomes its initial; nothing else changes."""
        shorten = SurnameShortener(
            [("Amelia", "Hartley"), ("Amelia", "Hartley-Jones"), ("Tom", "van der Berg")]
        )
        assert shorten(text) == shown

    def test_empty_roster_changes_nothing(self) -> None:
        """No pupils: the shortener is falsy and returns text unchanged."""
        shorten = SurnameShortener([])
        assert not shorten
        assert shorten("Amelia Hartley") == "Amelia Hartley"
