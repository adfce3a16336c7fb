"""The Facebook Page connector: the real facebook-sdk client against a local fake Graph API."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import facebook
import pytest
import requests

from connectors import connector_class
from connectors._graph import MIN_BODY_LIMIT, parse_time
from connectors.facebook import FacebookPageConnector
from monitor.config import FacebookPageSource, HttpConfig
from monitor.errors import (
    AuthExpired,
    PermanentError,
    PermissionMissing,
    RateLimited,
    SourceError,
    TemporaryError,
)
from monitor.http import build_session
from monitor.models import Cursor, FetchResult, Item, ItemKind
from monitor.sandbox.graph_server import (
    DEFAULT_TOKEN,
    Comment,
    Failure,
    GraphData,
    GraphServer,
    Page,
    Post,
    album,
    expired_token_error,
    graph_error,
    photo,
    rate_limit_error,
    server_error,
    usage_header,
)

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "graph-api"
NOW = datetime.now(UTC).replace(microsecond=0)
PAGE_ID = "1000000001"
SCHOOL = ("Test Primary School", PAGE_ID)
PARENT = ("Alex Parent", "3000000001")
RECENT = f"{PAGE_ID}_2000000001"
OLD = f"{PAGE_ID}_2000000002"
VISITOR = f"{PAGE_ID}_2000000003"
ANCIENT = f"{PAGE_ID}_2000000004"

Connect = Callable[..., FacebookPageConnector]


def comment(
    number: int, post: str, text: str, *, who: tuple[str, str] = PARENT, **kw: Any
) -> Comment:
    """A comment ``{post number}_{number}`` by ``who``."""
    post_number = post.rsplit("_", 1)[-1]
    parent = kw.pop("parent", None)
    return Comment(
        id=f"{post_number}_{number}",
        message=text,
        from_name=who[0],
        from_id=who[1],
        parent_id=f"{post_number}_{parent}" if parent else None,
        **kw,
    )


def school_page() -> Page:
    """A Page with a recent post, a 20-day-old post, a visitor post and a 40-day-old post."""
    return Page(
        id=PAGE_ID,
        name="Test Primary School",
        about="Our village school.",
        description="Policies: https://www.test.sch.uk/aup.",
        website="https://www.test.sch.uk https://www.test.sch.uk/aup",
        username="testprimary",
        posts=[
            Post(
                id=RECENT,
                message="Sports day photos!",
                created_time=NOW - timedelta(days=1),
                from_name=SCHOOL[0],
                from_id=SCHOOL[1],
                attachments=[
                    album(
                        "Photos from Test Primary School's post",
                        [
                            photo("https://cdn.example/relay.jpg", "Year 3 relay race"),
                            photo("https://cdn.example/egg.jpg", "Egg and spoon race"),
                        ],
                        "https://www.facebook.com/1000000001/posts/2000000001/",
                    )
                ],
                comments=[
                    comment(1, RECENT, "Lovely photos", created_time=NOW - timedelta(hours=20)),
                    comment(
                        2,
                        RECENT,
                        "Thank you!",
                        who=SCHOOL,
                        parent=1,
                        created_time=NOW - timedelta(hours=19),
                    ),
                ],
            ),
            Post(
                id=OLD,
                message="Harvest festival",
                created_time=NOW - timedelta(days=20),
                from_name=SCHOOL[0],
                from_id=SCHOOL[1],
                comments=[
                    comment(1, OLD, "Beautiful display", created_time=NOW - timedelta(days=19))
                ],
            ),
            Post(
                id=VISITOR,
                message="Is the office open in half term?",
                created_time=NOW - timedelta(days=3),
                from_name=PARENT[0],
                from_id=PARENT[1],
            ),
            Post(
                id=ANCIENT,
                message="Last term's newsletter",
                created_time=NOW - timedelta(days=40),
                from_name=SCHOOL[0],
                from_id=SCHOOL[1],
                comments=[comment(1, ANCIENT, "old news", created_time=NOW - timedelta(days=39))],
            ),
        ],
    )


@pytest.fixture(name="graph")
def fixture_graph() -> Iterator[GraphServer]:
    with GraphServer(GraphData(pages=[school_page()])) as server:
        yield server


@pytest.fixture(name="connect")
def fixture_connect(graph: GraphServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Connect]:
    """Build connectors on the fake (``api_url``/HttpConfig fields as keywords); close them."""
    monkeypatch.setenv("FB_TEST_TOKEN", DEFAULT_TOKEN)
    made: list[FacebookPageConnector] = []

    def connect(
        *,
        api_url: str | None = None,
        cls: type[FacebookPageConnector] = FacebookPageConnector,
        name: str = "fb",
        **http: Any,
    ) -> FacebookPageConnector:
        source = FacebookPageSource.model_validate(
            {
                "name": name,
                "kind": "facebook_page",
                "page_id": PAGE_ID,
                "token_env": "FB_TEST_TOKEN",
                "api_url": api_url or graph.base_url,
            }
        )
        connector = cls(source, HttpConfig(**http))
        made.append(connector)
        return connector

    yield connect
    for connector in made:
        connector.close()


def by_id(result: FetchResult) -> dict[str, Item]:
    return {item.platform_id: item for item in result.items}


def comment_reads(graph: GraphServer, since: int = 0) -> list[str]:
    """The paths of ``/comments`` requests from request number ``since`` on."""
    return [r.path for r in graph.requests()[since:] if r.path.endswith("/comments")]


class TestReading:
    """Posts, comments and replies map to items as the rules and alerts need them."""

    def test_posts_comments_and_replies(self, connect: Connect) -> None:
        """Every post in the window, comment and reply becomes one item of the right kind."""
        items = by_id(connect().fetch(Cursor()))
        assert set(items) == {RECENT, "2000000001_1", "2000000001_2", OLD, "2000000002_1", VISITOR}
        reply = items["2000000001_2"]
        assert (reply.kind, reply.parent_id, reply.is_own) == (ItemKind.REPLY, "2000000001_1", True)
        first = items["2000000001_1"]
        assert (first.kind, first.parent_id, first.is_own) == (ItemKind.COMMENT, RECENT, False)
        assert (first.author_id, first.author_name, first.text) == (*PARENT[::-1], "Lovely photos")
        assert first.created_at == NOW - timedelta(hours=20)
        assert first.created_at.tzinfo is UTC
        assert first.permalink == (
            "https://www.facebook.com/1000000001/posts/2000000001/?comment_id=1"
        )

    def test_own_and_visitor_posts(self, connect: Connect) -> None:
        """The Page's posts are own content; a visitor's post to the Page is not."""
        items = by_id(connect().fetch(Cursor()))
        assert items[RECENT].is_own is True
        assert (items[VISITOR].is_own, items[VISITOR].author_name) == (False, PARENT[0])

    def test_attachments_and_subattachments_become_media(self, connect: Connect) -> None:
        """An album's photos arrive as media with their descriptions as alt text."""
        post = by_id(connect().fetch(Cursor()))[RECENT]
        photos = {m.url: m.alt_text for m in post.media if m.type == "photo"}
        assert photos == {
            "https://cdn.example/relay.jpg": "Year 3 relay race",
            "https://cdn.example/egg.jpg": "Egg and spoon race",
        }
        assert "Egg and spoon race" in post.searchable_text()

    def test_recorded_comment_attachment_shape(self, graph: GraphServer, connect: Connect) -> None:
        """A comment's attachment in the recorded shape gives its image URL as media."""
        path = FIXTURES / "pyfacebook" / "comments" / "comment_all_fields.json"
        if not path.is_file():
            pytest.skip(f"recorded fixture not found: {path}")
        recorded = json.loads(path.read_text())
        graph.add_comment(RECENT, recorded["message"], at=NOW)
        added = graph.data.pages[0].posts[0].comments[-1]
        added.attachment = recorded["attachment"]
        item = by_id(connect().fetch(Cursor()))[added.id]
        assert [m.url for m in item.media] == [recorded["attachment"]["media"]["image"]["src"]]

    def test_requests_use_the_configured_version_and_stream_filter(
        self, graph: GraphServer, connect: Connect
    ) -> None:
        """Paths carry api_version (never the SDK's v2.8); comments are read with filter=stream."""
        connect().fetch(Cursor())
        assert all(r.path.startswith("/v26.0/") for r in graph.requests())
        reads = [r for r in graph.requests() if r.path.endswith("/comments")]
        assert reads
        assert {r.query["filter"] for r in reads} == {"stream"}

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2021-07-04T19:50:58+0000", datetime(2021, 7, 4, 19, 50, 58, tzinfo=UTC)),
            ("2021-07-04T21:50:58+0200", datetime(2021, 7, 4, 19, 50, 58, tzinfo=UTC)),
            ("2020-02-24T09:15:16+0000", datetime(2020, 2, 24, 9, 15, 16, tzinfo=UTC)),
        ],
    )
    def test_graph_timestamps_are_utc(self, text: str, expected: datetime) -> None:
        """Graph's ``+0000`` timestamps become aware UTC datetimes."""
        parsed = parse_time(text)
        assert parsed == expected
        assert parsed.tzinfo is UTC

    def test_registered_kind(self) -> None:
        """The registry's facebook_page kind is this connector."""
        assert connector_class("facebook_page") is FacebookPageConnector


class TestPaging:
    """Edges are followed to the end through their next URLs, within a bound."""

    def test_follows_next_to_the_end(self, graph: GraphServer, connect: Connect) -> None:
        """250 comments on one post arrive in three pages of 100."""
        for n in range(250):
            graph.add_comment(OLD, f"comment {n}", at=NOW - timedelta(days=10, minutes=-n))
        items = connect().fetch(Cursor()).items
        assert len([i for i in items if i.parent_id == OLD]) == 251
        reads = [r for r in graph.requests() if r.path == f"/v26.0/{OLD}/comments"]
        assert len(reads) == 3
        assert [("after" in r.query) for r in reads] == [False, True, True]

    def test_next_urls_work_with_the_sdks_own_paging(self, graph: GraphServer) -> None:
        """The fake's next URLs carry access_token, as get_all_connections requires."""
        for n in range(30):
            graph.add_comment(OLD, f"comment {n}", at=NOW - timedelta(days=5, minutes=-n))
        session = build_session(
            connect_timeout=2,
            read_timeout=2,
            rewrite_from="https://graph.facebook.com",
            rewrite_to=graph.base_url,
        )
        api = facebook.GraphAPI(access_token=DEFAULT_TOKEN, timeout=2, session=session)
        api.version = "v26.0"
        got = list(api.get_all_connections(OLD, "comments", limit=7))
        session.close()
        assert len(got) == 31

    def test_bounded_fetch_continues_on_the_next_poll(
        self, graph: GraphServer, connect: Connect
    ) -> None:
        """A fetch cut off at max_requests warns; the next one reads on from there."""
        for n in range(30):
            graph.add_comment(OLD, f"comment {n}", at=NOW - timedelta(days=10, minutes=-n))

        class Small(FacebookPageConnector):
            page_size = 10
            max_requests = 3

        connector = connect(cls=Small)
        first = connector.fetch(Cursor())
        assert any("stopped after 3 requests" in w for w in first.warnings)
        seen = {i.platform_id for i in first.items}
        cursor = first.cursor
        for _ in range(10):
            result = connector.fetch(cursor)
            seen |= {i.platform_id for i in result.items}
            cursor = result.cursor
            if not result.warnings:
                break
        else:
            pytest.fail("the bounded fetches never finished")
        assert seen == by_id(connect().fetch(Cursor())).keys()


class TestNewComments:
    """The cursor finds new comments on old posts without re-reading unchanged ones."""

    def test_nothing_new_costs_one_request(self, graph: GraphServer, connect: Connect) -> None:
        """A second poll with no new comments lists the feed once and reads no comments."""
        connector = connect()
        first = connector.fetch(Cursor())
        before = len(graph.requests())
        second = connector.fetch(first.cursor)
        assert second.items == ()
        assert [r.path for r in graph.requests()[before:]] == [f"/v26.0/{PAGE_ID}/feed"]

    def test_new_comment_on_a_20_day_old_post(self, graph: GraphServer, connect: Connect) -> None:
        """A comment on a 20-day-old post is found on the next poll; only that post is read."""
        connector = connect()
        first = connector.fetch(Cursor())
        new = graph.add_comment(OLD, "Is there a harvest photo album?", at=NOW)
        before = len(graph.requests())
        second = connector.fetch(first.cursor)
        assert new.id in by_id(second)
        assert comment_reads(graph, before) == [f"/v26.0/{OLD}/comments"]
        since = int(graph.requests()[-1].query["since"])
        assert since <= int((NOW - timedelta(days=19)).timestamp())

    def test_new_reply_and_new_post(self, graph: GraphServer, connect: Connect) -> None:
        """A reply to an old comment and a brand-new post with comments are both found."""
        connector = connect()
        first = connector.fetch(Cursor())
        reply = graph.add_comment(OLD, "Me too!", at=NOW, parent_id="2000000002_1")
        graph.data.pages[0].posts.append(
            Post(
                id=f"{PAGE_ID}_2000000009",
                message="New term dates",
                created_time=NOW,
                from_name=SCHOOL[0],
                from_id=SCHOOL[1],
                comments=[comment(1, f"{PAGE_ID}_2000000009", "Thanks", created_time=NOW)],
            )
        )
        items = by_id(connector.fetch(first.cursor))
        assert items[reply.id].kind is ItemKind.REPLY
        assert {f"{PAGE_ID}_2000000009", "2000000009_1"} <= items.keys()

    def test_posts_outside_lookback_are_not_read(
        self, graph: GraphServer, connect: Connect
    ) -> None:
        """A 40-day-old post (lookback 30 days) and its comments are left alone."""
        items = by_id(connect().fetch(Cursor()))
        assert ANCIENT not in items
        assert f"/v26.0/{ANCIENT}/comments" not in comment_reads(graph)

    def test_daily_rescan_reads_every_post(self, graph: GraphServer, connect: Connect) -> None:
        """A cursor whose last full read is a day old reads every post's comments in full."""
        connector = connect()
        first = connector.fetch(Cursor())
        assert first.cursor.position is not None
        state = json.loads(first.cursor.position)
        state["rescan_at"] -= 25 * 3600
        before = len(graph.requests())
        connector.fetch(Cursor(position=json.dumps(state)))
        reads = [r for r in graph.requests()[before:] if r.path.endswith("/comments")]
        assert {r.path for r in reads} == {f"/v26.0/{p}/comments" for p in (RECENT, OLD, VISITOR)}
        assert all("since" not in r.query for r in reads)

    def test_unreadable_cursor_starts_again(self, connect: Connect) -> None:
        """A cursor that is not ours reads the whole window again, with a warning."""
        result = connect().fetch(Cursor(position="not json"))
        assert len(result.items) == 6
        assert any("unreadable" in w for w in result.warnings)


class TestHide:
    """Hiding and unhiding comments by others, never posts or the Page's own words."""

    def test_hide_and_unhide_round_trip(self, graph: GraphServer, connect: Connect) -> None:
        """hide posts is_hidden=true, unhide is_hidden=false; the server's state follows."""
        connector = connect()
        target = by_id(connector.fetch(Cursor()))["2000000001_1"]
        result = connector.hide(target)
        assert result.ok
        assert '"success":true' in result.detail
        posted = graph.requests()[-1]
        assert (posted.method, posted.path, posted.form["is_hidden"]) == (
            "POST",
            "/v26.0/2000000001_1",
            "true",
        )
        stored = graph.find("2000000001_1")
        assert isinstance(stored, Comment)
        assert stored.is_hidden is True
        assert connector.unhide(target).ok
        assert graph.requests()[-1].form["is_hidden"] == "false"
        assert stored.is_hidden is False

    @pytest.mark.parametrize("platform_id", [RECENT, VISITOR, "2000000001_2"])
    def test_posts_and_own_comments_are_never_hidden(
        self, graph: GraphServer, connect: Connect, platform_id: str
    ) -> None:
        """A post (own or a visitor's) and the Page's own reply raise, with no request made."""
        connector = connect()
        item = by_id(connector.fetch(Cursor()))[platform_id]
        before = len(graph.requests())
        with pytest.raises(PermanentError):
            connector.hide(item)
        assert len(graph.requests()) == before

    def test_hide_without_permission_names_it(self, graph: GraphServer, connect: Connect) -> None:
        """Error 200 on a hide says pages_manage_engagement is missing."""
        connector = connect()
        target = by_id(connector.fetch(Cursor()))["2000000001_1"]
        graph.fail(graph_error(200, "(#200) Permissions error"))
        with pytest.raises(PermissionMissing, match="pages_manage_engagement"):
            connector.hide(target)


class TestProfile:
    def test_about_description_and_website(self, connect: Connect) -> None:
        """read_profile joins about and description and lists every website and URL."""
        profile = connect().read_profile()
        assert profile is not None
        assert profile.name == "Test Primary School"
        assert profile.about == "Our village school.\nPolicies: https://www.test.sch.uk/aup."
        assert profile.links == ("https://www.test.sch.uk", "https://www.test.sch.uk/aup")
        assert profile.url == "https://www.facebook.com/testprimary/"


REGAIN = {"X-Business-Use-Case-Usage": usage_header(PAGE_ID, 7)}
ERROR_TABLE: list[tuple[Failure, type[SourceError], str]] = [
    (expired_token_error(), AuthExpired, "token_env = FB_TEST_TOKEN"),
    (graph_error(190, "Invalid OAuth access token.", subcode=460), AuthExpired, "190/460"),
    (graph_error(102, "Session key invalid"), AuthExpired, "new token"),
    (rate_limit_error(4, 7), RateLimited, "(#4) Application request limit"),
    (rate_limit_error(17, 7), RateLimited, "as the usage headers announce"),
    (rate_limit_error(32, 7), RateLimited, "(#32)"),
    (rate_limit_error(613, 7), RateLimited, "(#613)"),
    (rate_limit_error(80001, 7), RateLimited, "(#80001)"),
    (graph_error(10, "(#10) Application does not have permission"), PermissionMissing, "grant"),
    (graph_error(200, "(#200) Permissions error"), PermissionMissing, "pages_read_engagement"),
    (graph_error(100, "(#100) Unsupported get request"), PermanentError, "Graph error 100"),
    (graph_error(1, "An unknown error occurred", status=500), TemporaryError, "Graph error 1"),
    (graph_error(2, "Service temporarily unavailable"), TemporaryError, "Graph error 2"),
    (graph_error(9999, "Odd", is_transient=True), TemporaryError, "9999"),
    (server_error(502), TemporaryError, "HTTP 502"),
    (server_error(503), TemporaryError, "HTTP 503"),
    (Failure(status=504, body=b"", content_type=None), TemporaryError, "HTTP 504"),
    (Failure(status=200, body=b"{}", content_type=None), PermanentError, "Content-Type"),
    (Failure(status=200, body=b"<html>", content_type="text/html"), PermanentError, "not JSON"),
    (Failure(status=200, body=b"{oops", content_type="application/json"), PermanentError, "JSON"),
]


class TestErrors:
    """Every failure the Graph API or the network produces becomes one of our errors."""

    @pytest.mark.parametrize(
        ("failure", "error", "fragment"),
        ERROR_TABLE,
        ids=[f"{e.__name__}-{i}" for i, (_, e, _) in enumerate(ERROR_TABLE)],
    )
    def test_error_table(
        self,
        graph: GraphServer,
        connect: Connect,
        failure: Failure,
        error: type[SourceError],
        fragment: str,
    ) -> None:
        """Each answer raises the mapped error with a message that names the source."""
        graph.fail(failure)
        with pytest.raises(error) as raised:
            connect().fetch(Cursor())
        assert type(raised.value) is error
        assert fragment in str(raised.value)
        assert 'facebook_page "fb"' in str(raised.value)
        assert DEFAULT_TOKEN not in str(raised.value)

    @pytest.mark.parametrize(
        ("regain_minutes", "expected"),
        [(7, timedelta(minutes=7)), (0, timedelta(minutes=1)), (None, timedelta(minutes=1))],
    )
    def test_rate_limit_until_from_usage_headers(
        self,
        graph: GraphServer,
        connect: Connect,
        regain_minutes: int | None,
        expected: timedelta,
    ) -> None:
        """until is estimated_time_to_regain_access from now, else one minute."""
        graph.fail(rate_limit_error(80001, regain_minutes))
        start = datetime.now(UTC)
        with pytest.raises(RateLimited) as raised:
            connect().fetch(Cursor())
        assert start + expected <= raised.value.until <= datetime.now(UTC) + expected

    def test_longest_announced_wait_wins(self, graph: GraphServer, connect: Connect) -> None:
        """With several usage entries, the longest estimated_time_to_regain_access is used."""
        headers = {
            "X-Business-Use-Case-Usage": json.dumps(
                {
                    "1": [{"type": "pages", "estimated_time_to_regain_access": 3}],
                    "2": [{"type": "pages", "estimated_time_to_regain_access": 12}],
                }
            ),
            "X-App-Usage": '{"call_count":100,"total_cputime":10,"total_time":10}',
        }
        graph.fail(graph_error(32, "(#32) Page request limit reached", headers=headers))
        with pytest.raises(RateLimited) as raised:
            connect().fetch(Cursor())
        assert raised.value.until >= datetime.now(UTC) + timedelta(minutes=11)

    def test_timeout_is_temporary(self, graph: GraphServer, connect: Connect) -> None:
        """A server slower than read_timeout is a TemporaryError, not a hang."""
        graph.fail(Failure(status=200, body=b"{}", delay=1.0))
        with pytest.raises(TemporaryError, match="timed out"):
            connect(read_timeout=0.2).fetch(Cursor())

    def test_connection_failure_message_has_no_token(self, connect: Connect) -> None:
        """A refused connection is temporary and its message (URL included) hides the token."""
        with GraphServer() as closed:
            dead = closed.base_url
        with pytest.raises(TemporaryError) as raised:
            connect(api_url=dead, connect_timeout=1).fetch(Cursor())
        message = str(raised.value)
        assert "could not reach" in message
        assert DEFAULT_TOKEN not in message
        assert DEFAULT_TOKEN not in repr(raised.value.args)

    def test_a_one_megabyte_comment_is_accepted(self, graph: GraphServer, connect: Connect) -> None:
        """Answers up to 5 MB are read even with a small http.max_bytes (one comment: 1 MB)."""
        big = graph.add_comment(OLD, "x" * (1024 * 1024), at=NOW)
        items = by_id(connect(max_bytes=1024 * 1024).fetch(Cursor()))
        assert len(items[big.id].text) == 1024 * 1024

    def test_an_oversized_answer_is_refused(self, graph: GraphServer, connect: Connect) -> None:
        """An answer beyond max(http.max_bytes, 5 MB) is a PermanentError naming the setting."""
        graph.add_comment(OLD, "x" * (MIN_BODY_LIMIT + 1024), at=NOW)
        with pytest.raises(PermanentError, match=r"http\.max_bytes"):
            connect(max_bytes=1024 * 1024).fetch(Cursor())

    def test_expired_token_is_tried_again_cheaply(
        self, graph: GraphServer, connect: Connect
    ) -> None:
        """After a 190 the next fetch makes one request; a renewed token works at once."""
        graph.tokens.clear()
        connector = connect()
        with pytest.raises(AuthExpired):
            connector.fetch(Cursor())
        assert len(graph.requests()) == 1
        graph.tokens.add(DEFAULT_TOKEN)
        assert connector.fetch(Cursor()).items


class TestSideBySide:
    def test_two_sources_with_different_api_urls(
        self, graph: GraphServer, connect: Connect
    ) -> None:
        """Two connectors in one process each talk to their own api_url; no global changes."""
        other_page = school_page()
        other_page.posts = [
            Post(
                id=f"{PAGE_ID}_7000000001",
                message="Other school's post",
                created_time=NOW,
                from_name="Other",
                from_id=PAGE_ID,
            )
        ]
        with GraphServer(GraphData(pages=[other_page])) as other:
            first = connect(name="one")
            second = connect(name="two", api_url=other.base_url)
            a = by_id(first.fetch(Cursor()))
            b = by_id(second.fetch(Cursor()))
            assert set(b) == {f"{PAGE_ID}_7000000001"}
            assert RECENT in a
            assert f"{PAGE_ID}_7000000001" not in a
            assert other.requests()
        assert facebook.FACEBOOK_GRAPH_URL == "https://graph.facebook.com/"
        assert requests.Session().get_adapter("https://graph.facebook.com/").__class__.__name__ == (
            "HTTPAdapter"
        )
