"""Bad input for the platform connectors: any JSON the Graph API or the X API might send.

Each connector is driven for real (facebook-sdk, tweepy, requests) against
its sandbox, which answers the listing and comment requests with
hypothesis-generated JSON instead of its data. Two properties per platform:

* any answer at all (a list, a string, ``data`` that is not a list, ``paging``
  that is not an object...): ``fetch`` returns, or raises one of our
  ``SourceError`` family, nothing else;
* answers whose envelope is right but whose items are odd (no id, ids of the
  wrong type, times that are not times or overflow, fields of the wrong
  type): ``fetch`` returns, every item with an id is returned, and every item
  that cannot be is named in a warning, never silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.facebook import FacebookPageConnector
from connectors.instagram import InstagramConnector
from connectors.twitter import TwitterConnector
from monitor.config import FacebookPageSource, HttpConfig, InstagramSource, TwitterSource
from monitor.errors import SourceError
from monitor.models import Cursor, FetchResult, utcnow
from monitor.sandbox.graph_server import DEFAULT_TOKEN, GRAPH_JSON, Failure, GraphServer
from monitor.sandbox.x_server import XServer
from monitor.store import Store

pytestmark = pytest.mark.fuzz

PAGE_ID = "1000000001"
IG_ID = "17841400000000001"
X_ID = "2000000001"
HTTP = HttpConfig(connect_timeout=2, read_timeout=5, attempts=1)
#: each example makes a few real HTTP requests
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- JSON ------------------------------------------------------------------------------------

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
#: ids as platforms send them, and of the wrong type (kept URL-safe: a real id is digits)
ids = st.one_of(
    st.from_regex(r"[0-9]{1,19}(_[0-9]{1,12})?", fullmatch=True),
    st.integers(0, 2**64),
    st.sampled_from(["", "0", "abc", "1.5", "-1"]),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
_RECENT = datetime.now(UTC) - timedelta(days=1)
#: Graph times: good ones, garbage, and ones whose UTC form is out of range
graph_times = st.one_of(
    st.datetimes(min_value=_RECENT.replace(tzinfo=None), max_value=datetime(9999, 1, 1)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+0000")
    ),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+0100",
            "9999-12-31T23:59:59-0100",
            "2026-02-30T00:00:00+0000",
            "yesterday",
            "",
        ]
    ),
    json_values,
)
x_times = st.one_of(
    st.sampled_from(
        [
            "2026-11-24T09:00:00.000Z",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "not a time",
            "",
        ]
    ),
    json_values,
)


def shaped(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """An object with any subset of ``fields`` (sometimes not an object at all)."""
    return st.one_of(
        st.fixed_dictionaries({}, optional=fields),
        st.fixed_dictionaries({}, optional=fields),
        json_values,
    )


def edge(item: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """An expanded edge ``{"data": [...]}`` (or anything else)."""
    return st.one_of(st.fixed_dictionaries({"data": st.lists(item, max_size=3)}), json_values)


def listing(entries: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A Graph listing with the right envelope: ``data`` a list, ``paging`` an object."""
    paging = st.fixed_dictionaries(
        {},
        optional={
            "cursors": json_values,
            "next": st.sampled_from(["https://graph.facebook.com/v26.0/x?after=QQ", "", None]),
        },
    )
    return st.fixed_dictionaries(
        {"data": st.lists(entries, max_size=5)}, optional={"paging": paging}
    )


text_values = st.one_of(st.text(max_size=30), json_values)
fb_comment = shaped(
    {
        "id": ids,
        "message": text_values,
        "created_time": graph_times,
        "from": shaped({"id": ids, "name": text_values}),
        "parent": shaped({"id": ids}),
        "permalink_url": text_values,
        "attachment": shaped(
            {"media": json_values, "url": text_values, "description": text_values}
        ),
        "is_hidden": json_values,
    }
)
fb_attachment = shaped(
    {
        "media": shaped({"image": shaped({"src": text_values}), "source": text_values}),
        "url": text_values,
        "type": text_values,
        "description": text_values,
        "subattachments": edge(shaped({"url": text_values, "description": text_values})),
    }
)
fb_post = shaped(
    {
        "id": ids,
        "message": text_values,
        "story": text_values,
        "created_time": graph_times,
        "updated_time": graph_times,
        "permalink_url": text_values,
        "from": shaped({"id": ids, "name": text_values}),
        "attachments": edge(fb_attachment),
        "comments": edge(shaped({"id": ids, "created_time": graph_times})),
    }
)
ig_reply = shaped(
    {
        "id": ids,
        "text": text_values,
        "timestamp": graph_times,
        "username": text_values,
        "from": shaped({"id": ids, "username": text_values}),
        "parent_id": ids,
    }
)
ig_comment = shaped(
    {
        "id": ids,
        "text": text_values,
        "timestamp": graph_times,
        "username": text_values,
        "from": shaped({"id": ids, "username": text_values}),
        "hidden": json_values,
        "replies": edge(ig_reply),
    }
)
ig_media = shaped(
    {
        "id": ids,
        "caption": text_values,
        "media_type": text_values,
        "media_url": text_values,
        "permalink": text_values,
        "timestamp": graph_times,
        "username": text_values,
        "comments_count": st.one_of(st.integers(0, 5), json_values),
        "children": edge(shaped({"id": ids, "media_url": text_values, "media_type": text_values})),
    }
)
tweet = shaped(
    {
        "id": ids,
        "text": text_values,
        "author_id": st.one_of(st.just(X_ID), ids),
        "conversation_id": ids,
        "created_at": x_times,
        "referenced_tweets": st.one_of(
            st.lists(
                shaped({"type": st.sampled_from(["replied_to", "quoted"]), "id": ids}), max_size=2
            ),
            json_values,
        ),
        "attachments": shaped(
            {"media_keys": st.one_of(st.lists(text_values, max_size=2), json_values)}
        ),
        "entities": shaped(
            {"urls": st.lists(shaped({"url": text_values, "expanded_url": text_values}))}
        ),
        "note_tweet": shaped({"text": text_values, "entities": json_values}),
    }
)
x_envelope = st.fixed_dictionaries(
    {"data": st.lists(tweet, max_size=5)},
    optional={
        "includes": st.fixed_dictionaries(
            {},
            optional={
                "users": st.lists(
                    shaped({"id": ids, "name": text_values, "username": text_values}), max_size=3
                ),
                "media": st.lists(
                    shaped(
                        {
                            "media_key": text_values,
                            "type": text_values,
                            "url": text_values,
                            "alt_text": text_values,
                        }
                    ),
                    max_size=3,
                ),
            },
        ),
        "meta": st.fixed_dictionaries(
            {},
            optional={
                "newest_id": st.one_of(st.from_regex(r"[0-9]{1,19}", fullmatch=True), json_values),
                "oldest_id": st.one_of(st.from_regex(r"[0-9]{1,19}", fullmatch=True), json_values),
                "result_count": json_values,
            },
        ),
    },
)

#: any object, its envelope keys holding anything
x_answers = st.one_of(
    st.dictionaries(st.sampled_from(["data", "includes", "meta", "errors", "title"]), json_values),
    st.dictionaries(st.text(max_size=6), json_values, max_size=3),
)


# -- what must come out ------------------------------------------------------------------------


def well_formed(entries: list[Any]) -> tuple[set[str], int]:
    """The ids of entries that are objects with an id, and how many entries are not."""
    good = {str(e["id"]) for e in entries if isinstance(e, dict) and e.get("id")}
    bad = sum(1 for e in entries if not (isinstance(e, dict) and e.get("id")))
    return good, bad


def accounted(result: FetchResult, good: set[str], bad: int, store: Store) -> None:
    """Each good id is an item or named in a warning; each bad entry has a warning.

    And the batch can be stored as it is (types SQLite binds, raw JSON-serialisable).
    """
    store.save_fetch(
        source="fuzz", kind="fuzz", items=result.items, cursor=result.cursor, now=utcnow()
    )
    returned = {i.platform_id for i in result.items}
    said = " ".join(result.warnings)
    missing = [g for g in good if g not in returned and g not in said]
    assert missing == [], f"silently dropped: {missing}; warnings: {result.warnings}"
    if bad:
        assert len(result.warnings) >= 1, f"{bad} malformed entries, no warning"


def fetch_or_family(fetch: Any) -> FetchResult | None:
    """Run a fetch; only our error family may come out of it (then None)."""
    try:
        result: FetchResult = fetch(Cursor())
    except SourceError:
        return None
    return result


# -- the servers ----------------------------------------------------------------------------------


@pytest.fixture(name="tokens", scope="module")
def fixture_tokens() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FUZZ_GRAPH_TOKEN", DEFAULT_TOKEN)
        patch.setenv("FUZZ_X_BEARER", "test-bearer-token")
        yield


@pytest.fixture(name="store", scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store(tmp_path_factory.mktemp("fuzz") / "monitor.db") as store:
        yield store


@pytest.fixture(name="graph", scope="module")
def fixture_graph(tokens: None) -> Iterator[GraphServer]:
    with GraphServer() as server:
        yield server


@pytest.fixture(name="x", scope="module")
def fixture_x(tokens: None) -> Iterator[XServer]:
    with XServer() as server:
        yield server


def answer(graph: GraphServer, match: str, body: Any, *, times: int = 1) -> None:
    """Answer ``times`` requests whose path has ``match`` with ``body``, then an empty listing."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    graph.fail(Failure(status=200, body=data, content_type=GRAPH_JSON, match=match), times=times)


def then_empty(graph: GraphServer, *matches: str) -> None:
    for match in matches:
        graph.fail(Failure(status=200, body=b'{"data": []}', match=match), times=None)


def facebook(graph: GraphServer) -> FacebookPageConnector:
    source = FacebookPageSource.model_validate(
        {
            "name": "fb",
            "kind": "facebook_page",
            "page_id": PAGE_ID,
            "token_env": "FUZZ_GRAPH_TOKEN",
            "api_url": graph.base_url,
        }
    )
    return FacebookPageConnector(source, HTTP)


def instagram(graph: GraphServer) -> InstagramConnector:
    source = InstagramSource.model_validate(
        {
            "name": "ig",
            "kind": "instagram",
            "account_id": IG_ID,
            "token_env": "FUZZ_GRAPH_TOKEN",
            "api_url": graph.base_url,
        }
    )
    return InstagramConnector(source, HTTP)


def twitter(x: XServer) -> TwitterConnector:
    source = TwitterSource.model_validate(
        {
            "name": "x",
            "kind": "twitter",
            "user_id": X_ID,
            "bearer_token_env": "FUZZ_X_BEARER",
            "api_url": x.base_url,
        }
    )
    return TwitterConnector(source, HTTP, max_pages=2)


# -- the properties ----------------------------------------------------------------------------


class TestFacebook:
    @FUZZ
    @given(feed=json_values, comments=json_values)
    def test_any_answer_gives_items_or_our_error(
        self, graph: GraphServer, feed: Any, comments: Any
    ) -> None:
        """Any JSON for /feed and /comments: fetch returns or raises SourceError, nothing else."""
        graph.clear_failures()
        answer(graph, "/feed", {"data": [{"id": "1_2"}]} if feed is None else feed)
        answer(graph, "/comments", comments)
        then_empty(graph, "/feed", "/comments")
        connector = facebook(graph)
        try:
            fetch_or_family(connector.fetch)
        finally:
            connector.close()

    @FUZZ
    @given(feed=listing(fb_post), comments=listing(fb_comment))
    def test_odd_posts_and_comments_are_kept_or_named(
        self, graph: GraphServer, store: Store, feed: dict[str, Any], comments: dict[str, Any]
    ) -> None:
        """Odd posts and comments never fail the fetch; each is an item or a warning."""
        graph.clear_failures()
        answer(graph, "/feed", feed)
        answer(graph, "/comments", comments, times=2)
        then_empty(graph, "/feed", "/comments")
        connector = facebook(graph)
        try:
            result = connector.fetch(Cursor())
        finally:
            connector.close()
        posts, bad_posts = well_formed(feed["data"])
        found, bad_comments = well_formed(comments["data"]) if posts else (set(), 0)
        accounted(result, posts | found, bad_posts + bad_comments, store)


class TestInstagram:
    @FUZZ
    @given(media=json_values, comments=json_values)
    def test_any_answer_gives_items_or_our_error(
        self, graph: GraphServer, media: Any, comments: Any
    ) -> None:
        """Any JSON for /media and /comments: fetch returns or raises SourceError, nothing else."""
        graph.clear_failures()
        answer(graph, "/media", {"data": [{"id": "17"}]} if media is None else media)
        answer(graph, "/comments", comments)
        then_empty(graph, "/media", "/comments", "/replies")
        connector = instagram(graph)
        try:
            fetch_or_family(connector.fetch)
        finally:
            connector.close()

    @FUZZ
    @given(media=listing(ig_media), comments=listing(ig_comment))
    def test_odd_media_and_comments_are_kept_or_named(
        self, graph: GraphServer, store: Store, media: dict[str, Any], comments: dict[str, Any]
    ) -> None:
        """Odd media, comments and replies never fail the fetch; each is an item or a warning."""
        graph.clear_failures()
        answer(graph, "/media", media)
        answer(graph, "/comments", comments, times=2)
        then_empty(graph, "/media", "/comments", "/replies")
        connector = instagram(graph)
        try:
            result = connector.fetch(Cursor())
        finally:
            connector.close()
        good, bad = well_formed(media["data"])
        if good:
            found, bad_comments = well_formed(comments["data"])
            replies = [
                r
                for c in comments["data"]
                if isinstance(c, dict) and c.get("id")
                for r in _edge_list(c.get("replies"))
            ]
            reply_ids, bad_replies = well_formed(replies)
            good |= found | reply_ids
            bad += bad_comments + bad_replies
        accounted(result, good, bad, store)


def _edge_list(value: Any) -> list[Any]:
    if isinstance(value, dict) and isinstance(value.get("data"), list):
        return list(value["data"])
    return []


class TestTwitter:
    @FUZZ
    @given(tweets=x_answers, mentions=x_answers)
    def test_any_answer_gives_items_or_our_error(
        self, x: XServer, tweets: Any, mentions: Any
    ) -> None:
        """Any JSON object as the timelines' answers: fetch returns or raises SourceError only."""
        x.clear()
        x.serve(f"/2/users/{X_ID}/tweets", tweets)
        x.serve(f"/2/users/{X_ID}/mentions", mentions)
        connector = twitter(x)
        try:
            fetch_or_family(connector.fetch)
        finally:
            connector.close()

    @FUZZ
    @given(tweets=x_envelope, mentions=x_envelope, replies=x_envelope)
    def test_odd_tweets_are_kept_or_named(
        self,
        x: XServer,
        store: Store,
        tweets: dict[str, Any],
        mentions: dict[str, Any],
        replies: dict[str, Any],
    ) -> None:
        """Odd tweets, users, media and meta never fail the fetch; each is an item or a warning."""
        x.clear()
        x.serve(f"/2/users/{X_ID}/tweets", tweets)
        x.serve(f"/2/users/{X_ID}/mentions", mentions)
        x.serve("/2/tweets/search/recent", replies)
        connector = twitter(x)
        try:
            result = connector.fetch(Cursor())
        finally:
            connector.close()
        good, bad = well_formed(tweets["data"] + mentions["data"])
        accounted(result, good, bad, store)
