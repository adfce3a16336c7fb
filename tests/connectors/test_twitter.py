"""The X connector: the real tweepy client against a local fake X API v2 on 127.0.0.1."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog

from connectors import connector_class
from connectors.twitter import (
    MENTION_NOT_HIDEABLE,
    NO_SEARCH_NOTICE,
    TwitterConnector,
)
from monitor import log as logsetup
from monitor.config import HttpConfig, TwitterSource
from monitor.errors import (
    AuthExpired,
    PermanentError,
    PermissionMissing,
    RateLimited,
    SourceError,
    TemporaryError,
)
from monitor.models import Cursor, FetchResult, Item, ItemKind, Media
from monitor.sandbox.smtp_server import SilentServer
from monitor.sandbox.x_server import (
    SCHOOL_ID,
    XData,
    XServer,
    demo_x_data,
    snowflake,
    snowflake_time,
)

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "x-api-v2"
NOW = datetime.now(UTC)
SECRETS = {
    "X_BEARER": "test-bearer-token",
    "X_CONSUMER_KEY": "test-consumer-key",
    "X_CONSUMER_SECRET": "consumer-secret-never-logged",
    "X_ACCESS_TOKEN": "test-access-token",
    "X_ACCESS_TOKEN_SECRET": "access-secret-never-logged",
}
MENTIONS = f"/2/users/{SCHOOL_ID}/mentions"
TWEETS = f"/2/users/{SCHOOL_ID}/tweets"
SEARCH = "/2/tweets/search/recent"

Connect = Callable[..., TwitterConnector]


def recorded(name: str) -> Any:
    """A recorded X API body from the shared fixtures, or skip when they are not checked out."""
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"recording {name} not found in {FIXTURES.resolve()}")
    return json.loads(path.read_text(encoding="utf-8"))


def school() -> XData:
    """The school's account and a few visitors, no tweets yet."""
    data = XData()
    data.add_user(SCHOOL_ID, "Example Primary", "ExamplePrimary", description="Hello")
    data.add_user("3000000001", "Sam Parent", "sam_parent")
    data.add_user("3000000002", "Anon", "anon")
    return data


@pytest.fixture(name="data")
def fixture_data() -> XData:
    return school()


@pytest.fixture(name="server")
def fixture_server(data: XData) -> Iterator[XServer]:
    with XServer(data) as server:
        yield server


@pytest.fixture(name="connect")
def fixture_connect(server: XServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Connect]:
    """Build connectors against the fake (``user_context=False`` leaves out the OAuth keys)."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    made: list[TwitterConnector] = []

    def connect(
        *,
        user_context: bool = True,
        api_url: str | None = None,
        max_pages: int = 10,
        **http: Any,
    ) -> TwitterConnector:
        keys: dict[str, str] = {"bearer_token_env": "X_BEARER"}
        if user_context:
            keys |= {
                "consumer_key_env": "X_CONSUMER_KEY",
                "consumer_secret_env": "X_CONSUMER_SECRET",
                "access_token_env": "X_ACCESS_TOKEN",
                "access_token_secret_env": "X_ACCESS_TOKEN_SECRET",
            }
        source = TwitterSource.model_validate(
            {
                "kind": "twitter",
                "name": "x",
                "user_id": SCHOOL_ID,
                "api_url": api_url or server.base_url,
                **keys,
            }
        )
        http = {"connect_timeout": 2, "read_timeout": 2, **http}
        connector = TwitterConnector(source, HttpConfig(**http), max_pages=max_pages)
        made.append(connector)
        return connector

    yield connect
    for connector in made:
        connector.close()


def by_text(result: FetchResult) -> dict[str, Item]:
    """Items keyed by their text without the leading @mentions X adds to replies."""
    return {" ".join(w for w in i.text.split() if not w.startswith("@")): i for i in result.items}


def ids(result: FetchResult) -> set[str]:
    return {i.platform_id for i in result.items}


def position(result: FetchResult) -> dict[str, Any]:
    assert result.cursor.position is not None
    parsed: dict[str, Any] = json.loads(result.cursor.position)
    return parsed


class TestRegistry:
    def test_kind_twitter_is_this_connector(self) -> None:
        """The registry maps kind "twitter" to TwitterConnector."""
        assert connector_class("twitter") is TwitterConnector

    def test_capabilities(self) -> None:
        """X can hide replies and has a profile to audit; private messages are not read."""
        caps = TwitterConnector.capabilities
        assert (caps.hide, caps.read_private_messages, caps.read_profile) == (True, False, True)


class TestReading:
    """Own tweets, mentions and replies in the account's conversations become items."""

    @pytest.fixture(name="demo")
    def fixture_demo(self, connect: Connect) -> FetchResult:
        return connect().fetch(Cursor())

    @pytest.fixture(name="data")
    def fixture_data(self) -> XData:
        return demo_x_data(NOW)

    @pytest.mark.parametrize(
        ("starts", "kind", "is_own", "author"),
        [
            ("Year 4 had a brilliant day", ItemKind.POST, True, "@ExamplePrimary"),
            ("What a wonderful trip", ItemKind.REPLY, False, "@grandadjoe"),
            ("A bit more notice", ItemKind.REPLY, False, "@sam_parent_88"),
            ("this school is a f*cking joke", ItemKind.REPLY, False, "@xx_anon_xx"),
            ("great keeper in the final", ItemKind.REPLY, False, "@coolcoach2010"),
            ("Congratulations", ItemKind.COMMENT, False, "@townnews"),
            ("worst school in town", ItemKind.COMMENT, False, "@xx_anon_xx"),
        ],
    )
    def test_each_tweet_is_classified(
        self, demo: FetchResult, starts: str, kind: ItemKind, is_own: bool, author: str
    ) -> None:
        """School posts are own; replies in its conversations are REPLY; other mentions COMMENT."""
        (item,) = [i for t, i in by_text(demo).items() if t.startswith(starts)]
        assert (item.kind, item.is_own) == (kind, is_own)
        assert item.author_name is not None and author in item.author_name

    def test_replies_name_their_parent_and_link_to_x(self, demo: FetchResult) -> None:
        """A reply's parent_id is the tweet it answers; permalinks are x.com/<user>/status/<id>."""
        posts = {i.platform_id for i in demo.items if i.kind is ItemKind.POST}
        for item in demo.items:
            username = item.raw["author"]["username"]
            assert item.permalink == f"https://x.com/{username}/status/{item.platform_id}"
            if item.kind is ItemKind.REPLY:
                assert item.parent_id in posts

    def test_every_tweet_once(self, demo: FetchResult, server: XServer) -> None:
        """A reply that is also a mention (it starts with @school) appears once."""
        assert len(demo.items) == len(ids(demo)) == 9
        assert server.requests(MENTIONS) and server.requests(SEARCH)

    def test_media_and_alt_text(self, demo: FetchResult) -> None:
        """Attached media arrive through the expansion with type, url and alt text."""
        (post,) = [i for i in demo.items if i.media]
        assert post.media == (
            Media(
                url="https://pbs.twimg.com/media/demo-trip.jpg",
                type="photo",
                alt_text="Pupils looking at a steam engine in the museum",
            ),
        )
        assert "steam engine" in post.searchable_text()

    def test_links_are_expanded(self, demo: FetchResult) -> None:
        """t.co links are replaced by where they lead, so rules see the real address."""
        (post,) = [i for i in demo.items if i.media]
        assert "https://www.example-school.sch.uk/blog/y4-trip" in post.text
        assert "t.co" not in post.text

    def test_times_are_aware_utc(self, demo: FetchResult) -> None:
        """created_at is parsed from X's format as UTC."""
        assert all(i.created_at.tzinfo is not None for i in demo.items)
        assert all(NOW - timedelta(days=3) < i.created_at <= NOW for i in demo.items)

    def test_requests_ask_for_expansions_fields_and_full_pages(
        self, demo: FetchResult, server: XServer
    ) -> None:
        """Every read asks for authors and media, 100 per page, with the bearer token."""
        reads = server.requests(method="GET")
        assert {r.path for r in reads} == {TWEETS, MENTIONS, SEARCH}
        for request in reads:
            assert request.query["expansions"] == "author_id,attachments.media_keys"
            assert {"type", "url", "alt_text"} <= set(request.query["media.fields"].split(","))
            assert "conversation_id" in request.query["tweet.fields"]
            assert request.query["max_results"] == "100"
            assert request.headers["authorization"] == "Bearer test-bearer-token"
            assert request.headers["user-agent"].startswith("school-social-monitor/")

    def test_search_asks_for_the_school_conversations(
        self, demo: FetchResult, server: XServer
    ) -> None:
        """The search query is the account's conversation roots joined by OR."""
        (search,) = server.requests(SEARCH)
        roots = sorted(
            (i.platform_id for i in demo.items if i.kind is ItemKind.POST), key=int, reverse=True
        )
        assert search.query["query"] == " OR ".join(f"conversation_id:{r}" for r in roots)

    def test_raw_keeps_the_platform_payload(self, demo: FetchResult) -> None:
        """Item.raw is the tweet, its author and media as X sent them, JSON-serialisable."""
        item = demo.items[0]
        assert item.raw["tweet"]["id"] == item.platform_id
        json.dumps(item.raw)


class TestRecordedResponses:
    """Bodies recorded from the real X API map as they should."""

    def test_search_recording_with_includes(self, server: XServer, connect: Connect) -> None:
        """python-twitter's search recording: authors, media and expanded links are mapped."""
        body = recorded("python-twitter/search_tweets_query.json")
        server.data.post(SCHOOL_ID, "root", NOW - timedelta(hours=1))
        server.serve(SEARCH, body)
        result = connect().fetch(Cursor())
        item = {i.platform_id: i for i in result.items}["1276035977375477760"]
        assert item.author_name == "Emily Waligoske 🏕 (@happycamper)"
        assert item.parent_id == "1275653067283759104"
        assert item.media == ()  # media keys without includes.media: nothing to describe
        assert "https://twitter.com/happycamper/status/1276035977375477760/photo/1" in item.text
        assert item.created_at == datetime(2020, 6, 25, 6, 14, 19, tzinfo=UTC)
        assert position(result)["replies"]["since_id"] == body["meta"]["newest_id"]

    def test_video_recording_in_a_page(self, server: XServer, connect: Connect) -> None:
        """python-twitter's video tweet in a mentions page: a video without a url keeps its type."""
        tweet = recorded("python-twitter/tweet_resp.json")
        page = {**tweet, "data": [tweet["data"]], "meta": {"result_count": 1}}
        server.serve(MENTIONS, page)
        (item,) = connect().fetch(Cursor()).items
        assert item.media == (Media(url="", type="video"),)
        # No created_at was asked for in that recording: the time comes from the snowflake id.
        assert item.created_at == snowflake_time(item.platform_id)
        assert item.created_at.date() == date(2018, 11, 26)

    def test_mentions_recording_pages_on(self, server: XServer, connect: Connect) -> None:
        """tweepy's mentions recording: ten items, its next_token sent as pagination_token."""
        (interaction,) = recorded("tweepy-decoded/test_client_get_users_mentions.json")
        body = interaction["response"]["body"]
        server.serve(MENTIONS, body)
        server.serve(MENTIONS, {"meta": {"result_count": 0}})
        result = connect().fetch(Cursor())
        assert ids(result) == {t["id"] for t in body["data"]}
        _first, second = server.requests(MENTIONS)
        assert second.query["pagination_token"] == body["meta"]["next_token"]
        assert "next_token" not in second.query
        assert position(result)["mentions"]["since_id"] == body["meta"]["newest_id"]

    def test_profile_recording_without_links(self, server: XServer, connect: Connect) -> None:
        """python-twitter's user recording: a bio with no links gives no links."""
        server.serve(f"/2/users/{SCHOOL_ID}", recorded("python-twitter/user_resp.json"))
        profile = connect().read_profile()
        assert profile is not None
        assert (profile.name, profile.links, profile.url) == (
            "Twitter Dev",
            (),
            "https://x.com/TwitterDev",
        )
        assert profile.about.startswith("The voice of the #TwitterDev team")

    def test_hide_recording(self, server: XServer, connect: Connect, data: XData) -> None:
        """tweepy's hide recording: {"data": {"hidden": true}} is a successful hide."""
        hide, _unhide = recorded("tweepy-decoded/test_client_hide_and_unhide_reply.json")
        assert hide["request"]["body"] == {"hidden": True}
        root = data.post(SCHOOL_ID, "root", NOW - timedelta(hours=1))
        data.post("3000000002", "reply", NOW, reply_to=root)
        item = next(i for i in connect().fetch(Cursor()).items if i.kind is ItemKind.REPLY)
        server.serve(f"/2/tweets/{item.platform_id}/hidden", hide["response"]["body"])
        assert connect().hide(item).ok


class TestSinceId:
    """since_id cursors: nothing read twice when nothing changed, nothing missed when it did."""

    def test_next_fetch_sends_each_streams_newest_id(
        self, data: XData, server: XServer, connect: Connect
    ) -> None:
        """The cursor holds meta.newest_id per stream and the next fetch sends it as since_id."""
        root = data.post(SCHOOL_ID, "Sports day today", NOW - timedelta(hours=2))
        reply = data.post("3000000001", "lovely", NOW - timedelta(hours=1), reply_to=root)
        connector = connect()
        first = connector.fetch(Cursor())
        assert position(first)["tweets"] == {"since_id": root}
        assert position(first)["mentions"] == {"since_id": reply}
        assert position(first)["replies"] == {"since_id": reply}
        second = connector.fetch(first.cursor)
        assert second.items == ()
        assert second.cursor == first.cursor
        assert server.requests(TWEETS)[-1].query["since_id"] == root
        assert server.requests(MENTIONS)[-1].query["since_id"] == reply
        assert server.requests(SEARCH)[-1].query["since_id"] == reply

    def test_since_id_stays_fixed_while_paging(
        self, data: XData, server: XServer, connect: Connect
    ) -> None:
        """All pages of one read carry the same since_id; the next since_id is page 1's newest."""
        data.post("3000000002", "@ExamplePrimary first", NOW - timedelta(hours=5))
        connector = connect()
        first = connector.fetch(Cursor())
        mentions = [
            data.post("3000000001", f"@ExamplePrimary hello {n}", NOW - timedelta(minutes=n))
            for n in range(250, 0, -1)
        ]
        second = connector.fetch(first.cursor)
        pages = server.requests(MENTIONS)[1:]
        assert len(pages) == 3
        assert {p.query.get("since_id") for p in pages} == {position(first)["mentions"]["since_id"]}
        assert [("pagination_token" in p.query) for p in pages] == [False, True, True]
        assert ids(second) == set(mentions)
        assert position(second)["mentions"] == {"since_id": mentions[-1]}

    def test_bounded_paging_finishes_on_later_fetches(self, data: XData, connect: Connect) -> None:
        """Cut short at max_pages, later fetches read the older rest, then move since_id on."""
        connector = connect(max_pages=1)
        data.post("3000000002", "@ExamplePrimary first", NOW - timedelta(hours=5))
        first = connector.fetch(Cursor())
        mentions = [
            data.post("3000000001", f"@ExamplePrimary hi {n}", NOW - timedelta(minutes=n))
            for n in range(250, 0, -1)
        ]
        cut = connector.fetch(first.cursor)
        late = data.post("3000000002", "@ExamplePrimary late", NOW)  # arrives mid-backfill
        middle = connector.fetch(cut.cursor)
        rest = connector.fetch(middle.cursor)
        assert ids(cut) | ids(middle) | ids(rest) == set(mentions)
        assert [len(r.warnings) for r in (cut, middle, rest)] == [1, 1, 0]
        assert "more than 100 new" in cut.warnings[0]
        assert position(cut)["mentions"]["since_id"] == position(first)["mentions"]["since_id"]
        after = connector.fetch(rest.cursor)
        assert ids(after) == {late}
        assert position(after)["mentions"] == {"since_id": late}

    def test_replies_to_a_new_conversation_are_read(
        self, data: XData, server: XServer, connect: Connect
    ) -> None:
        """A conversation first seen now is searched from its root, below the stored since_id."""
        old_root = data.post(SCHOOL_ID, "old", NOW - timedelta(hours=5))
        data.post("3000000001", "first reply", NOW - timedelta(hours=1), reply_to=old_root)
        connector = connect()
        first = connector.fetch(Cursor())
        # A root X shows only now although it is older than the newest reply
        # seen, and a reply to it without @school that only search finds.
        new_root = data.post(SCHOOL_ID, "new", NOW - timedelta(hours=3))
        other = data.post("3000000002", "me too", NOW - timedelta(hours=2))
        data.tweets[other].conversation_id = new_root
        data.tweets[other].replied_to = new_root
        second = connector.fetch(first.cursor)
        assert by_text(second)["me too"].kind is ItemKind.REPLY
        assert server.requests(SEARCH)[-1].query["since_id"] == new_root

    def test_search_since_id_older_than_seven_days_is_not_sent(
        self, data: XData, server: XServer, connect: Connect
    ) -> None:
        """Recent search refuses an older since_id (HTTP 400): it is left out instead."""
        root = data.post(SCHOOL_ID, "old news", NOW - timedelta(days=20))
        data.post("3000000001", "still talking", NOW - timedelta(days=1), reply_to=root)
        stale = snowflake(NOW - timedelta(days=8))
        cursor = Cursor(
            position=json.dumps(
                {
                    "v": 1,
                    "tweets": {"since_id": root},
                    "mentions": {"since_id": stale},
                    "replies": {"since_id": stale},
                    "conversations": [root],
                }
            )
        )
        result = connect().fetch(cursor)
        assert "still talking" in by_text(result)
        assert "since_id" not in server.requests(SEARCH)[-1].query

    def test_unreadable_cursor_starts_over_with_a_warning(
        self, data: XData, connect: Connect
    ) -> None:
        """A cursor that is not ours is reported and reading starts from the beginning."""
        data.post(SCHOOL_ID, "hello", NOW)
        result = connect().fetch(Cursor(position="1234567"))
        assert len(result.items) == 1
        assert "unreadable" in result.warnings[0]


class TestAccessTier:
    def test_tier_without_search_gives_a_notice_and_reads_the_rest(
        self, data: XData, server: XServer, connect: Connect
    ) -> None:
        """Search answered 403: own posts and mentions are read, the limitation is a notice."""
        root = data.post(SCHOOL_ID, "post", NOW - timedelta(hours=2))
        data.post("3000000001", "@ExamplePrimary mention", NOW - timedelta(hours=1))
        server.search_forbidden = True
        connector = connect()
        limited = connector.fetch(Cursor())
        assert limited.notices == (NO_SEARCH_NOTICE,)
        assert len(limited.items) == 2
        assert position(limited)["replies"] == {}
        assert position(limited)["conversations"] == [root]
        server.search_forbidden = False
        full = connector.fetch(limited.cursor)
        assert full.notices == ()


class TestErrors:
    """Every failure becomes one of the project's errors, telling the admin what to do."""

    @pytest.mark.parametrize(
        ("prefix", "status", "expected", "says"),
        [
            (MENTIONS, 401, AuthExpired, "bearer token"),
            (TWEETS, 403, PermanentError, "Project"),
            (TWEETS, 404, PermanentError, "user_id"),
            (TWEETS, 400, PermanentError, "HTTP 400"),
            (MENTIONS, 500, TemporaryError, "will retry"),
            (MENTIONS, 503, TemporaryError, "HTTP 503"),
            (SEARCH, 502, TemporaryError, "replies"),
            (SEARCH, 401, AuthExpired, "bearer token"),
            (TWEETS, 418, PermanentError, "HTTP 418"),
        ],
    )
    def test_http_status(
        self,
        data: XData,
        server: XServer,
        connect: Connect,
        prefix: str,
        status: int,
        expected: type[SourceError],
        says: str,
    ) -> None:
        """The status maps to the error family; the message says what to fix, no secret."""
        data.post(SCHOOL_ID, "a post, so search runs", NOW)
        server.fail(prefix, status)
        with pytest.raises(expected) as caught:
            connect().fetch(Cursor())
        message = str(caught.value)
        assert says in message
        assert type(caught.value) is expected
        for secret in SECRETS.values():
            assert secret not in message

    def test_429_pauses_until_the_reset_plus_a_second(
        self, server: XServer, connect: Connect
    ) -> None:
        """A 429 raises at once (tweepy does not sleep) with until = x-rate-limit-reset + 1 s."""
        reset = (NOW + timedelta(minutes=12)).replace(microsecond=0)
        server.fail(MENTIONS, 429, reset=reset)
        with pytest.raises(RateLimited) as caught:
            connect().fetch(Cursor())
        assert caught.value.until == reset + timedelta(seconds=1)
        assert len(server.requests(MENTIONS)) == 1

    def test_429_without_reset_pauses_one_window(self, server: XServer, connect: Connect) -> None:
        """Without x-rate-limit-reset (tweepy would loop hot) we wait X's 15-minute window."""
        server.fail(MENTIONS, 429)
        before = datetime.now(UTC)  # not NOW: that is when the module was imported
        with pytest.raises(RateLimited) as caught:
            connect().fetch(Cursor())
        after = datetime.now(UTC)
        assert before + timedelta(minutes=15) <= caught.value.until <= after + timedelta(minutes=15)
        assert len(server.requests(MENTIONS)) == 1

    def test_timeout(self, connect: Connect) -> None:
        """A server that never answers is a TemporaryError after read_timeout, not a hang."""
        with SilentServer() as silent:
            connector = connect(api_url=f"http://127.0.0.1:{silent.port}", read_timeout=0.2)
            with pytest.raises(TemporaryError, match="timed out"):
                connector.fetch(Cursor())

    def test_connection_refused(self, connect: Connect) -> None:
        """Nobody listening is a TemporaryError (tweepy lets requests' exception through)."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with pytest.raises(TemporaryError, match="connection failed"):
            connect(api_url=f"http://127.0.0.1:{port}").fetch(Cursor())

    def test_unknown_account(self, server: XServer, connect: Connect) -> None:
        """A user_id with no account (X answers 200 with errors) names the key to fix."""
        server.data.users.clear()
        with pytest.raises(PermanentError, match=r"no account has user_id 2000000001.*user_id"):
            connect().read_profile()


class TestRateLimitWindow:
    def test_nothing_is_lost_across_a_window(
        self, data: XData, server: XServer, connect: Connect
    ) -> None:
        """Mentions arriving before and during a 429 window are all read once it is over."""
        connector = connect()
        data.post("3000000001", "@ExamplePrimary before", NOW - timedelta(hours=3))
        first = connector.fetch(Cursor())
        arrived = [data.post("3000000001", "@ExamplePrimary one", NOW - timedelta(hours=2))]
        server.rate_limit(MENTIONS, NOW + timedelta(minutes=15))
        with pytest.raises(RateLimited):
            connector.fetch(first.cursor)
        arrived.append(data.post("3000000002", "@ExamplePrimary two", NOW - timedelta(hours=1)))
        server.clear()  # the window is over
        after = connector.fetch(first.cursor)
        assert ids(after) == set(arrived)


class TestHide:
    @pytest.fixture(name="reply")
    def fixture_reply(self, data: XData, connect: Connect) -> Item:
        root = data.post(SCHOOL_ID, "Match report", NOW - timedelta(hours=2))
        data.post("3000000002", "rubbish team", NOW - timedelta(hours=1), reply_to=root)
        items = connect().fetch(Cursor()).items
        (reply,) = [i for i in items if i.kind is ItemKind.REPLY]
        return reply

    def test_hide_and_unhide_round_trip(
        self, reply: Item, data: XData, server: XServer, connect: Connect
    ) -> None:
        """hide PUTs {"hidden": true} with OAuth 1.0a; unhide PUTs false; the platform follows."""
        connector = connect()
        assert connector.hide(reply).ok
        assert data.tweets[reply.platform_id].hidden is True
        assert connector.unhide(reply).ok
        assert data.tweets[reply.platform_id].hidden is False
        puts = server.requests(method="PUT")
        assert [p.body for p in puts] == [{"hidden": True}, {"hidden": False}]
        assert {p.path for p in puts} == {f"/2/tweets/{reply.platform_id}/hidden"}
        for put in puts:
            assert put.headers["authorization"].startswith("OAuth ")
            assert 'oauth_consumer_key="test-consumer-key"' in put.headers["authorization"]

    def test_a_mention_outside_the_conversations_cannot_be_hidden(
        self, data: XData, server: XServer, connect: Connect
    ) -> None:
        """hide refuses a mention with the words the alert shows, without calling X."""
        data.post("3000000002", "@ExamplePrimary you are rubbish", NOW)
        (mention,) = connect().fetch(Cursor()).items
        assert mention.kind is ItemKind.COMMENT
        with pytest.raises(PermanentError) as caught:
            connect().hide(mention)
        assert str(caught.value) == MENTION_NOT_HIDEABLE
        assert "report or block it by hand" in str(caught.value)
        assert server.requests(method="PUT") == []

    def test_without_oauth_keys_hiding_explains_what_to_configure(
        self, reply: Item, server: XServer, connect: Connect
    ) -> None:
        """Without the four OAuth 1.0a secrets hide raises, naming the keys; nothing is sent."""
        with pytest.raises(PermanentError, match="consumer_key, consumer_secret, access_token"):
            connect(user_context=False).hide(reply)
        assert server.requests(method="PUT") == []

    @pytest.mark.parametrize(
        ("status", "expected", "says"),
        [
            (401, AuthExpired, "regenerate the access token"),
            (403, PermanentError, "conversations the account started"),
            (404, PermanentError, "deleted"),
            (503, TemporaryError, "will retry"),
            (429, RateLimited, "rate limit"),
        ],
    )
    def test_hide_errors(
        self,
        reply: Item,
        server: XServer,
        connect: Connect,
        status: int,
        expected: type[SourceError],
        says: str,
    ) -> None:
        """X's refusals of a hide map to the family and tell the admin what to do."""
        server.fail("/2/tweets/", status, reset=NOW + timedelta(minutes=5))
        with pytest.raises(expected, match=says) as caught:
            connect().hide(reply)
        for secret in SECRETS.values():
            assert secret not in str(caught.value)

    def test_read_only_app_permissions(
        self, reply: Item, server: XServer, connect: Connect
    ) -> None:
        """An app with read-only permissions is told to switch to Read and write."""
        server.fail(
            "/2/tweets/",
            403,
            body={
                "title": "Forbidden",
                "detail": "Your client app is not configured with the appropriate oauth1 app "
                "permissions for this endpoint.",
                "type": "https://api.twitter.com/2/problems/oauth1-permissions",
                "status": 403,
            },
        )
        with pytest.raises(PermissionMissing, match="Read and write"):
            connect().hide(reply)


class TestProfile:
    def test_bio_and_website_expanded(self, connect: Connect, data: XData) -> None:
        """The bio and the website come back with t.co links expanded through entities."""
        data.add_user(
            SCHOOL_ID,
            "Example Primary",
            "ExamplePrimary",
            description="News and events. AUP: https://www.example.sch.uk/aup",
            url="https://www.example.sch.uk",
        )
        profile = connect().read_profile()
        assert profile is not None
        assert profile.name == "Example Primary"
        assert profile.about == "News and events. AUP: https://www.example.sch.uk/aup"
        assert profile.links == ("https://www.example.sch.uk", "https://www.example.sch.uk/aup")
        assert profile.url == "https://x.com/ExamplePrimary"
        assert data.users[SCHOOL_ID].url.startswith("https://t.co/")  # X stores it wrapped


class TestSecretsStayOut:
    def test_debug_logging_never_shows_a_token(self, data: XData, connect: Connect) -> None:
        """At -v (DEBUG) tweepy's header dump is kept out: no secret reaches our log output."""
        stream = io.StringIO()
        structlog.reset_defaults()
        logsetup.configure(level=10, stream=stream, json=True)
        root = data.post(SCHOOL_ID, "post", NOW - timedelta(hours=1))
        data.post("3000000002", "reply", NOW, reply_to=root)
        connector = connect()
        reply = next(i for i in connector.fetch(Cursor()).items if i.kind is ItemKind.REPLY)
        connector.hide(reply)
        connector.read_profile()
        structlog.get_logger("probe").debug("probe_line")
        output = stream.getvalue()
        assert "probe_line" in output  # DEBUG lines do reach the stream
        for secret in SECRETS.values():
            assert secret not in output
