"""The feed connector against a real local HTTP server, real requests and real feedparser."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from connectors import connector_class
from connectors.feeds import FeedConnector
from monitor.config import FeedSource, HttpConfig
from monitor.errors import AuthExpired, PermanentError, RateLimited, SourceError, TemporaryError
from monitor.http import build_session
from monitor.models import Cursor, FetchResult, Item, ItemKind, Media
from monitor.sandbox.feed_server import ATOM, RSS, FeedServer, wordpress_comments_feed

FEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "feeds"

Connect = Callable[..., FeedConnector]


def recorded(name: str) -> Path:
    """A recorded feed from the shared fixtures, or skip when they are not checked out."""
    path = FEEDS / name
    if not path.is_file():
        pytest.skip(f"recorded feed {name} not found in {FEEDS.resolve()}")
    return path


def rss(items: str, *, channel: str = "Class blog") -> str:
    """A minimal RSS 2.0 document around ``items``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        f"<channel><title>{channel}</title><link>https://blog.example</link>{items}</channel>\n"
        "</rss>\n"
    )


@pytest.fixture(name="server")
def fixture_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture(name="connect")
def fixture_connect() -> Iterator[Connect]:
    """Build connectors for a URL (HttpConfig fields as keywords) and close them afterwards."""
    made: list[FeedConnector] = []

    def connect(url: str, *, own_content: bool = False, **http: Any) -> FeedConnector:
        source = FeedSource(kind="feed", name="school-blog", url=url, own_content=own_content)
        connector = FeedConnector(source, HttpConfig(**http))
        made.append(connector)
        return connector

    yield connect
    for connector in made:
        connector.close()


def fetch(connect: Connect, url: str, **options: Any) -> FetchResult:
    """One fetch with an empty cursor."""
    return connect(url, **options).fetch(Cursor())


def by_id(result: FetchResult) -> dict[str, Item]:
    return {item.platform_id: item for item in result.items}


class TestRecordedFeeds:
    """Real feeds captured from WordPress and YouTube map to the right items."""

    def test_wordpress_posts_feed(self, server: FeedServer, connect: Connect) -> None:
        """A modern WordPress posts feed gives one POST with guid id, author, link and time."""
        url = server.set_file(
            "/news/feed/", recorded("wordpress-posts-wordpress-org-news-2020.trimmed.rss.xml")
        )

        result = fetch(connect, url, own_content=True)

        assert result.warnings == ()
        (item,) = result.items
        assert item.platform_id == "https://wordpress.org/news/?p=9444"
        assert item.kind is ItemKind.POST
        assert item.parent_id is None
        assert item.source == "school-blog"
        assert item.title == "Introducing Learn WordPress"
        assert item.author_name == "Hugh Lashbrooke"
        assert item.permalink == "https://wordpress.org/news/2020/12/introducing-learn-wordpress/"
        assert item.created_at == datetime(2020, 12, 15, 13, 0, tzinfo=UTC)
        assert item.is_own is True

    def test_wordpress_post_text_is_plain_with_paragraph_lines(
        self, server: FeedServer, connect: Connect
    ) -> None:
        """content:encoded becomes plain text: no tags, entities unescaped, a line per paragraph."""
        url = server.set_file(
            "/news/feed/", recorded("wordpress-posts-wordpress-org-news-2020.trimmed.rss.xml")
        )

        (item,) = fetch(connect, url).items

        lines = item.text.splitlines()
        assert lines[0].startswith("Learn WordPress is a learning resource providing workshops")
        assert lines[1] == "Learn WordPress"  # the button block is its own line
        assert "What can you learn about WordPress?" in lines
        assert "<" not in item.text
        assert "&nbsp;" not in item.text and "&#" not in item.text

    def test_feedburner_wordpress_feed(self, server: FeedServer, connect: Connect) -> None:
        """An older WordPress.com feed keeps the guid as id and maps media:content/thumbnail."""
        url = server.set_file("/feed", recorded("wordpress-posts-techcrunch-2011.trimmed.rss.xml"))

        (item,) = fetch(connect, url).items

        assert item.platform_id == "http://techcrunch.com/?p=446154"
        assert item.author_name == "Leena Rao"
        assert item.permalink == "http://feedproxy.google.com/~r/Techcrunch/~3/kTeeGj4FnwU/"
        assert item.created_at == datetime(2011, 11, 2, 17, 25, 27, tzinfo=UTC)
        assert "Angie\u2019s List incurred marketing expenses" in item.text
        assert item.is_own is False
        assert item.media[0] == Media(
            url="http://tctechcrunch2011.files.wordpress.com/2011/11/angies-list.jpeg?w=150",
            type="image",
        )
        assert len(item.media) == 2  # the thumbnail repeats the first media:content URL

    def test_youtube_channel_feed(self, server: FeedServer, connect: Connect) -> None:
        """YouTube's Atom feed (with its leading blank line) gives 15 videos, no warning."""
        url = server.set_file(
            "/feeds/videos.xml?channel_id=UCK8sQmJBp8GCxrOtXWBpyEA",
            recorded("youtube-channel-google.atom.xml"),
            content_type=ATOM,
        )

        result = fetch(connect, url)

        assert result.warnings == ()
        assert len(result.items) == 15
        first = result.items[0]
        assert first.platform_id == "yt:video:5shykyfmb28"
        assert first.kind is ItemKind.POST
        assert first.title == "The Google app: Questions"
        assert first.author_name == "Google"
        assert first.permalink == "http://www.youtube.com/watch?v=5shykyfmb28"
        assert first.created_at == datetime(2015, 5, 4, 0, 1, 27, tzinfo=UTC)
        assert first.text.startswith("A question is the most powerful force in the world.")
        assert first.text.endswith("http://www.google.com/search/about/download")
        assert (
            Media(url="https://i2.ytimg.com/vi/5shykyfmb28/hqdefault.jpg", type="image")
            in first.media
        )
        assert first.media[0].type == "application/x-shockwave-flash"

    @pytest.mark.parametrize(
        ("name", "content_type"),
        [
            ("wordpress-posts-wordpress-org-news-2020.trimmed.rss.xml", RSS),
            ("wordpress-posts-techcrunch-2011.trimmed.rss.xml", RSS),
            ("youtube-channel-google.atom.xml", ATOM),
        ],
    )
    def test_raw_is_plain_json(
        self, server: FeedServer, connect: Connect, name: str, content_type: str
    ) -> None:
        """Item.raw survives json.dumps, without time tuples or our own URL's query."""
        url = server.set_file("/feed?key=SECRET", recorded(name), content_type=content_type)

        for item in fetch(connect, url).items:
            dumped = json.dumps(item.raw)
            assert "_parsed" not in dumped
            assert "SECRET" not in dumped
            assert item.raw["title"] == item.title


class TestCommentsFeed:
    """A WordPress comments feed maps to COMMENT items that point at their post."""

    COMMENTS: ClassVar[list[tuple[str, str, str, int, int, datetime]]] = [
        ("Jo Parent", "Lovely photos of the trip!", "Year 6 trip to the farm", 42, 7,
         datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("Sam Visitor", "When is the next one?\n\nThanks to the staff.", "Year 6 trip to the farm",
         42, 8, datetime(2024, 5, 1, 10, 15, tzinfo=UTC)),
        ("Ali Gran", "Well done everyone", "Sports day results", 57, 9,
         datetime(2024, 5, 2, 16, 0, tzinfo=UTC)),
    ]  # fmt: skip

    def test_comments_map_to_comment_items(self, server: FeedServer, connect: Connect) -> None:
        """Each comment is a COMMENT by dc:creator, with the post's guid as parent."""
        url = server.set_response("/comments/feed/", wordpress_comments_feed(self.COMMENTS))

        result = fetch(connect, url)

        items = by_id(result)
        assert set(items) == {
            "https://www.example-school.sch.uk/?p=42#comment-7",
            "https://www.example-school.sch.uk/?p=42#comment-8",
            "https://www.example-school.sch.uk/?p=57#comment-9",
        }
        first = items["https://www.example-school.sch.uk/?p=42#comment-7"]
        assert first.kind is ItemKind.COMMENT
        assert first.parent_id == "https://www.example-school.sch.uk/?p=42"
        assert first.author_name == "Jo Parent"
        assert first.text == "Lovely photos of the trip!"
        assert first.title == "Comment on Year 6 trip to the farm by Jo Parent"
        assert (
            first.permalink
            == "https://www.example-school.sch.uk/year-6-trip-to-the-farm/#comment-7"
        )
        assert first.created_at == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
        assert first.is_own is False
        second = items["https://www.example-school.sch.uk/?p=42#comment-8"]
        assert second.text == "When is the next one?\nThanks to the staff."
        assert items["https://www.example-school.sch.uk/?p=57#comment-9"].parent_id == (
            "https://www.example-school.sch.uk/?p=57"
        )

    def test_script_and_markup_become_plain_text(
        self, server: FeedServer, connect: Connect
    ) -> None:
        """HTML, script and entities in a comment come out as the words a reader would see."""
        body = (
            "Nice <script>alert('x')</script><b>work</b> &amp; <a href='https://x.example'>well</a>"
            " done<style>p{color:red}</style>&#8230;<br/>from &lt;Mr T&gt;"
        )
        url = server.set_response(
            "/comments/feed/",
            wordpress_comments_feed([("Mr T", body, "Art week", 3, 1, datetime(2024, 1, 1))]),
        )

        (item,) = fetch(connect, url).items

        assert item.text == "Nice work & well done\u2026\nfrom <Mr T>"

    @pytest.mark.parametrize(
        ("channel", "title", "link", "guid", "kind", "parent"),
        [
            pytest.param("Comments on: Trip", "By: Jo", "https://s.example/trip/#comment-3",
                         "https://s.example/?p=5#comment-3", ItemKind.COMMENT,
                         "https://s.example/?p=5", id="per-post comments feed"),
            pytest.param("Comments for School", "Comment on Trip by Jo",
                         "https://s.example/trip/#comment-3", "https://s.example/?p=5#comment-3",
                         ItemKind.COMMENT, "https://s.example/?p=5", id="site-wide comments feed"),
            pytest.param("Class blog", "Great news", "https://s.example/trip/#comment-3",
                         "tag:s.example,2024:c3", ItemKind.COMMENT, "https://s.example/trip/",
                         id="fragment in link only"),
            pytest.param("Comments for School", "Comment on Trip by Jo", "https://s.example/trip/",
                         "c3", ItemKind.COMMENT, None, id="comment title in a comments feed"),
            pytest.param("Class blog", "Comment on uniform by the head", "https://s.example/u/",
                         "https://s.example/?p=9", ItemKind.POST, None,
                         id="comment-like title in a posts feed"),
            pytest.param("Class blog", "Trip to the farm", "https://s.example/trip/",
                         "https://s.example/?p=5", ItemKind.POST, None, id="a post"),
        ],
    )  # fmt: skip
    def test_kind_and_parent(
        self,
        server: FeedServer,
        connect: Connect,
        channel: str,
        title: str,
        link: str,
        guid: str,
        kind: ItemKind,
        parent: str | None,
    ) -> None:
        """A #comment-N guid/link, or a comment title in a comments feed, makes a COMMENT."""
        url = server.set_response(
            "/feed",
            rss(
                f"<item><title>{title}</title><link>{link}</link>"
                f'<guid isPermaLink="false">{guid}</guid><description>Hi</description></item>',
                channel=channel,
            ),
        )

        (item,) = fetch(connect, url).items

        assert (item.kind, item.parent_id) == (kind, parent)


class TestConditionalGet:
    """Validators travel in the cursor and come back as conditional headers."""

    def test_second_fetch_is_not_modified(self, server: FeedServer, connect: Connect) -> None:
        """A fetch with the returned cursor sends both validators and gets 304: no items."""
        last_modified = "Wed, 01 May 2024 09:30:00 GMT"
        url = server.set_response(
            "/comments/feed/",
            wordpress_comments_feed(TestCommentsFeed.COMMENTS),
            etag='"v1"',
            last_modified=last_modified,
        )
        connector = connect(url)

        first = connector.fetch(Cursor())
        second = connector.fetch(first.cursor)

        assert first.cursor == Cursor(etag='"v1"', last_modified=last_modified)
        assert len(first.items) == 3
        assert second == FetchResult(items=(), cursor=first.cursor, not_modified=True)
        sent = server.requests("/comments/feed/")[1].headers
        assert sent["if-none-match"] == '"v1"'
        assert sent["if-modified-since"] == last_modified

    def test_changed_feed_is_fetched_again(self, server: FeedServer, connect: Connect) -> None:
        """When the ETag changes the whole feed comes back with the new validator."""
        url = server.set_response("/feed", rss(""), etag='"v2"')

        result = connect(url).fetch(Cursor(etag='"v1"'))

        assert result.not_modified is False
        assert result.cursor == Cursor(etag='"v2"')

    def test_no_validators_sends_no_conditional_headers(
        self, server: FeedServer, connect: Connect
    ) -> None:
        """An empty cursor sends a plain GET with the project's User-Agent."""
        url = server.set_response("/feed", rss(""))

        result = fetch(connect, url)

        assert result.cursor == Cursor()
        (request,) = server.requests("/feed")
        assert "if-none-match" not in request.headers
        assert "if-modified-since" not in request.headers
        assert request.headers["user-agent"].startswith("school-social-monitor/")


class TestHttpFailures:
    """HTTP and network failures become the core's error family."""

    @pytest.mark.parametrize(
        ("status", "error"),
        [
            (500, TemporaryError),
            (502, TemporaryError),
            (503, TemporaryError),
            (429, TemporaryError),
            (401, AuthExpired),
            (403, AuthExpired),
            (404, PermanentError),
            (410, PermanentError),
            (400, PermanentError),
            (451, PermanentError),
        ],
    )
    def test_status_codes(
        self, server: FeedServer, connect: Connect, status: int, error: type[SourceError]
    ) -> None:
        """Each status maps to its error class, and the message names the code."""
        url = server.set_response(
            "/feed", "<html>nope</html>", status=status, content_type="text/html"
        )

        with pytest.raises(error) as caught:
            fetch(connect, url)

        assert type(caught.value) is error
        assert f"HTTP {status}" in str(caught.value)

    def test_forbidden_says_what_to_check(self, server: FeedServer, connect: Connect) -> None:
        """A 403 tells the admin the feed must be public."""
        url = server.set_response("/feed", "", status=403)

        with pytest.raises(
            AuthExpired, match=r"refused access \(HTTP 403\): check the URL is public"
        ):
            fetch(connect, url)

    @pytest.mark.parametrize(
        ("retry_after", "expected"),
        [
            ("120", timedelta(seconds=120)),
            ("soon", None),
        ],
    )
    def test_too_many_requests(
        self,
        server: FeedServer,
        connect: Connect,
        retry_after: str,
        expected: timedelta | None,
    ) -> None:
        """429 with a usable Retry-After is RateLimited until then; otherwise a TemporaryError."""
        url = server.set_response("/feed", "", status=429, headers={"Retry-After": retry_after})
        before = datetime.now(UTC)

        with pytest.raises(TemporaryError if expected is None else RateLimited) as caught:
            fetch(connect, url)

        if expected is not None:
            assert isinstance(caught.value, RateLimited)
            assert before + expected <= caught.value.until <= datetime.now(UTC) + expected

    def test_retry_after_as_http_date(self, server: FeedServer, connect: Connect) -> None:
        """Retry-After may be an HTTP date; ``until`` is that moment in UTC."""
        url = server.set_response(
            "/feed", "", status=429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}
        )

        with pytest.raises(RateLimited) as caught:
            fetch(connect, url)

        assert caught.value.until == datetime(2099, 10, 21, 7, 28, tzinfo=UTC)

    @pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
    def test_oversize_body(self, server: FeedServer, connect: Connect, chunked: bool) -> None:
        """A body over http.max_bytes is refused, whether or not its length is declared."""
        items = "".join(
            f"<item><title>{n}</title><description>{'x' * 100}</description></item>"
            for n in range(30)
        )
        url = server.set_response("/feed", rss(items), chunked=chunked)

        with pytest.raises(PermanentError, match=r"larger than http\.max_bytes \(2048 bytes\)"):
            fetch(connect, url, max_bytes=2048)

    def test_chunked_body_within_limit(self, server: FeedServer, connect: Connect) -> None:
        """A chunked body under the limit is read whole."""
        items = "".join(f"<item><guid>g{n}</guid><title>{n}</title></item>" for n in range(200))
        url = server.set_response("/feed", rss(items), chunked=True)

        assert len(fetch(connect, url).items) == 200

    def test_read_timeout(self, server: FeedServer, connect: Connect) -> None:
        """A server slower than the read timeout is a TemporaryError naming the timeouts."""
        url = server.set_response("/feed", rss(""), delay=0.4)

        with pytest.raises(TemporaryError, match="timed out"):
            fetch(connect, url, read_timeout=0.1)

    def test_connection_reset(self, server: FeedServer, connect: Connect) -> None:
        """A connection reset by the server is a TemporaryError."""
        url = server.set_response("/feed", rss(""), reset=True)

        with pytest.raises(TemporaryError, match="connection failed"):
            fetch(connect, url)

    def test_connection_refused(self, connect: Connect) -> None:
        """Nothing listening on the port is a TemporaryError."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        # The port was free a moment ago and nothing listens on it now.
        with pytest.raises(TemporaryError, match="connection failed"):
            fetch(connect, f"http://127.0.0.1:{port}/feed")

    @pytest.mark.parametrize(
        "options",
        [{"status": 500}, {"status": 404}, {"status": 403}, {"reset": True}],
        ids=["500", "404", "403", "reset"],
    )
    def test_messages_never_show_the_query(
        self, server: FeedServer, connect: Connect, options: Mapping[str, Any]
    ) -> None:
        """A token in the feed URL's query string never appears in an error message."""
        url = server.set_response("/feed?token=SECRET123", "", **options)

        with pytest.raises(SourceError) as caught:
            fetch(connect, url)

        assert "SECRET123" not in str(caught.value)
        assert "/feed" in str(caught.value)


class TestFeedContent:
    """What is in the body decides between items, warnings and a PermanentError."""

    def test_malformed_feed_with_entries(self, server: FeedServer, connect: Connect) -> None:
        """A broken but readable feed yields its entries plus one warning line."""
        url = server.set_response(
            "/feed",
            rss(
                "<item><guid>a1</guid><title>Fish & chips</title><description>Yum</description>"
                "</item>"
            ),
        )

        result = fetch(connect, url)

        assert [item.title for item in result.items] == ["Fish & chips"]
        (warning,) = result.warnings
        assert "malformed" in warning and "\n" not in warning

    @pytest.mark.parametrize(
        ("body", "content_type"),
        [
            pytest.param("<html><head><title>Log in</title></head><body><p>Please sign in</p>"
                         "</body></html>", "text/html; charset=utf-8", id="html page"),
            pytest.param("<html><body><p>Moved</p></body></html>", RSS, id="html as rss"),
            pytest.param("", RSS, id="empty body"),
            pytest.param('{"error": "not here"}', "application/json", id="json"),
        ],
    )  # fmt: skip
    def test_not_a_feed(
        self, server: FeedServer, connect: Connect, body: str, content_type: str
    ) -> None:
        """A body with no entries that is not a feed is a PermanentError saying so."""
        url = server.set_response("/feed", body, content_type=content_type)

        with pytest.raises(PermanentError, match="not a feed: "):
            fetch(connect, url)

    def test_empty_feed_is_healthy(self, server: FeedServer, connect: Connect) -> None:
        """A well-formed feed with no entries is an empty result with no warnings."""
        url = server.set_response("/feed", rss(""), etag='"e"')

        assert fetch(connect, url) == FetchResult(items=(), cursor=Cursor(etag='"e"'))

    def test_entry_without_guid_uses_link(self, server: FeedServer, connect: Connect) -> None:
        """With no guid, the link is the id."""
        url = server.set_response(
            "/feed", rss("<item><title>A</title><link>https://blog.example/a/</link></item>")
        )

        (item,) = fetch(connect, url).items

        assert item.platform_id == "https://blog.example/a/"

    def test_entry_without_guid_or_link_has_a_stable_id(
        self, server: FeedServer, connect: Connect
    ) -> None:
        """With neither guid nor link the id is a content hash, equal across fetches."""
        url = server.set_response(
            "/feed",
            rss(
                "<item><title>A</title><pubDate>Wed, 01 May 2024 09:30:00 +0000</pubDate>"
                "<description>One</description></item>"
                "<item><title>A</title><pubDate>Wed, 01 May 2024 09:30:00 +0000</pubDate>"
                "<description>Two</description></item>"
            ),
        )
        connector = connect(url)

        first = [item.platform_id for item in connector.fetch(Cursor()).items]
        second = [item.platform_id for item in connector.fetch(Cursor()).items]

        assert first == second
        assert len(set(first)) == 2
        assert all(pid.startswith("sha256:") for pid in first)

    def test_entry_without_date_uses_fetch_time(self, server: FeedServer, connect: Connect) -> None:
        """An undated entry is stamped with the fetch time, in UTC."""
        url = server.set_response(
            "/feed", rss("<item><guid>u1</guid><title>Undated</title></item>")
        )
        before = datetime.now(UTC)

        (item,) = fetch(connect, url).items

        assert before <= item.created_at <= datetime.now(UTC)

    def test_enclosures_become_media(self, server: FeedServer, connect: Connect) -> None:
        """An RSS enclosure is a Media with its MIME type."""
        url = server.set_response(
            "/feed",
            rss(
                '<item><guid>p1</guid><title>Podcast</title><enclosure url="https://blog.example/ep1.mp3"'
                ' type="audio/mpeg" length="1234"/></item>'
            ),
        )

        (item,) = fetch(connect, url).items

        assert item.media == (Media(url="https://blog.example/ep1.mp3", type="audio/mpeg"),)

    def test_one_bad_entry_does_not_lose_the_others(
        self, server: FeedServer, connect: Connect
    ) -> None:
        """An entry that fails to map becomes a warning naming it; the rest are returned."""

        class Fussy(FeedConnector):
            # Stands in for an entry shape the mapping did not foresee.
            def _item(
                self, entry: Mapping[str, Any], fetched_at: datetime, *, comments_feed: bool = False
            ) -> Item:
                if entry.get("id") == "bad":
                    raise KeyError("surprise")
                return super()._item(entry, fetched_at, comments_feed=comments_feed)

        url = server.set_response(
            "/feed?token=SECRET",
            rss(
                "".join(
                    f'<item><guid isPermaLink="false">{g}</guid><title>{g}</title></item>'
                    for g in ("ok1", "bad", "ok2")
                )
            ),
        )
        connector = Fussy(FeedSource(kind="feed", name="blog", url=url), HttpConfig())
        try:
            result = connector.fetch(Cursor())
        finally:
            connector.close()

        assert [item.platform_id for item in result.items] == ["ok1", "ok2"]
        (warning,) = result.warnings
        assert "#2 (bad)" in warning and "KeyError" in warning
        assert "SECRET" not in warning


class TestConnectorContract:
    """What the core may rely on besides fetch."""

    def test_registered_as_feed(self) -> None:
        """The registry maps kind "feed" to this connector."""
        assert connector_class("feed") is FeedConnector

    def test_capabilities(self) -> None:
        """Feeds cannot hide, have no messages and no profile."""
        caps = FeedConnector.capabilities
        assert (caps.hide, caps.read_private_messages, caps.read_profile) == (False, False, False)

    def test_hide_is_refused(self, connect: Connect) -> None:
        """Hiding is a PermanentError telling staff to remove the comment by hand."""
        connector = connect("https://blog.example/comments/feed/")
        item = Item(
            source="school-blog",
            platform_id="c1",
            kind=ItemKind.COMMENT,
            text="x",
            created_at=datetime(2024, 1, 1, tzinfo=UTC),
        )

        with pytest.raises(PermanentError, match="remove by hand"):
            connector.hide(item)

    def test_no_profile(self, connect: Connect) -> None:
        """read_profile is None and makes no request."""
        assert connect("https://blog.example/feed/").read_profile() is None


class TestSharedSession:
    """monitor.http.build_session, which this connector and later ones use."""

    def test_base_url_rewrite(self, server: FeedServer) -> None:
        """A rewrite sends a hard-coded API host to another base URL, path and query kept."""
        server.set_response("/2/tweets?ids=1", '{"data": []}', content_type="application/json")
        session = build_session(
            connect_timeout=1,
            read_timeout=1,
            rewrite_from="https://api.twitter.com",
            rewrite_to=server.base_url,
        )
        try:
            response = session.get("https://api.twitter.com/2/tweets?ids=1")
        finally:
            session.close()

        assert response.json() == {"data": []}
        (request,) = server.requests("/2/tweets?ids=1")
        assert request.headers["user-agent"].startswith("school-social-monitor/")

    def test_default_timeout_applies(self, server: FeedServer) -> None:
        """A request without timeout= still times out at the session's read timeout."""
        import requests  # noqa: PLC0415 - only this test talks to requests directly

        server.set_response("/slow", "x", delay=0.4)
        session = build_session(connect_timeout=1, read_timeout=0.1)
        try:
            with pytest.raises(requests.Timeout):
                session.get(server.url("/slow"))
        finally:
            session.close()
