"""The Instagram connector: the real facebook-sdk client against a local fake Graph API."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors import connector_class
from connectors.instagram import InstagramConnector
from monitor.config import HttpConfig, InstagramSource
from monitor.errors import (
    AuthExpired,
    PermanentError,
    PermissionMissing,
    RateLimited,
    SourceError,
    TemporaryError,
)
from monitor.models import Cursor, FetchResult, Item, ItemKind
from monitor.sandbox.graph_server import (
    DEFAULT_TOKEN,
    Failure,
    GraphData,
    GraphServer,
    IgAccount,
    IgComment,
    IgMedia,
    expired_token_error,
    graph_error,
    rate_limit_error,
    server_error,
)

NOW = datetime.now(UTC).replace(microsecond=0)
ACCOUNT = "17841400000000001"
CAROUSEL = "17900000000000101"
OLD = "17900000000000102"
ANCIENT = "17900000000000103"

Connect = Callable[..., InstagramConnector]


def account() -> IgAccount:
    """A school account: a carousel with a comment and the school's reply, a 20-day-old image."""
    return IgAccount(
        id=ACCOUNT,
        username="testprimary",
        name="Test Primary School",
        biography="News from Test Primary. Our AUP: https://www.test.sch.uk/aup",
        website="https://www.test.sch.uk",
        media=[
            IgMedia(
                id=CAROUSEL,
                caption="Leavers' assembly 💙",
                media_type="CAROUSEL_ALBUM",
                media_url="https://cdn.example/1.jpg",
                permalink="https://www.instagram.com/p/AAA/",
                timestamp=NOW - timedelta(days=1),
                children=[
                    {"id": "1", "media_type": "IMAGE", "media_url": "https://cdn.example/1.jpg"},
                    {"id": "2", "media_type": "VIDEO", "media_url": "https://cdn.example/2.mp4"},
                ],
                comments=[
                    IgComment(
                        id="17900000000000201",
                        text="So proud!",
                        timestamp=NOW - timedelta(hours=20),
                        username="a_parent",
                        user_id="17841400000000201",
                        replies=[
                            IgComment(
                                id="17900000000000202",
                                text="Thank you!",
                                timestamp=NOW - timedelta(hours=19),
                                username="testprimary",
                                user_id=ACCOUNT,
                                parent_id="17900000000000201",
                            )
                        ],
                    )
                ],
            ),
            IgMedia(
                id=OLD,
                caption="Sunflowers",
                media_type="IMAGE",
                media_url="https://cdn.example/sun.jpg",
                permalink="https://www.instagram.com/p/BBB/",
                timestamp=NOW - timedelta(days=20),
            ),
            IgMedia(
                id=ANCIENT,
                caption="Last year",
                media_type="IMAGE",
                media_url="https://cdn.example/old.jpg",
                permalink="https://www.instagram.com/p/CCC/",
                timestamp=NOW - timedelta(days=60),
            ),
        ],
    )


@pytest.fixture(name="graph")
def fixture_graph() -> Iterator[GraphServer]:
    with GraphServer(GraphData(instagram=[account()])) as server:
        yield server


@pytest.fixture(name="connect")
def fixture_connect(graph: GraphServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Connect]:
    monkeypatch.setenv("IG_TEST_TOKEN", DEFAULT_TOKEN)
    made: list[InstagramConnector] = []

    def connect(*, api_url: str | None = None, **http: Any) -> InstagramConnector:
        source = InstagramSource.model_validate(
            {
                "name": "insta",
                "kind": "instagram",
                "account_id": ACCOUNT,
                "token_env": "IG_TEST_TOKEN",
                "api_url": api_url or graph.base_url,
            }
        )
        connector = InstagramConnector(source, HttpConfig(**http))
        made.append(connector)
        return connector

    yield connect
    for connector in made:
        connector.close()


def by_id(result: FetchResult) -> dict[str, Item]:
    return {item.platform_id: item for item in result.items}


class TestReading:
    def test_media_comments_and_replies(self, connect: Connect) -> None:
        """Media in the window, comments and replies map to items; the account's are own."""
        items = by_id(connect().fetch(Cursor()))
        assert set(items) == {CAROUSEL, OLD, "17900000000000201", "17900000000000202"}
        media = items[CAROUSEL]
        assert (media.kind, media.is_own, media.text) == (
            ItemKind.MEDIA,
            True,
            "Leavers' assembly 💙",
        )
        assert [(m.url, m.type) for m in media.media] == [
            ("https://cdn.example/1.jpg", "image"),
            ("https://cdn.example/2.mp4", "video"),
        ]
        assert media.created_at == NOW - timedelta(days=1)
        first = items["17900000000000201"]
        assert (first.kind, first.parent_id, first.is_own, first.author_name) == (
            ItemKind.COMMENT,
            CAROUSEL,
            False,
            "a_parent",
        )
        assert first.permalink == "https://www.instagram.com/p/AAA/"
        reply = items["17900000000000202"]
        assert (reply.kind, reply.parent_id, reply.is_own) == (
            ItemKind.REPLY,
            "17900000000000201",
            True,
        )

    def test_registered_kind(self) -> None:
        """The registry's instagram kind is this connector."""
        assert connector_class("instagram") is InstagramConnector


class TestNewComments:
    def test_nothing_new_reads_no_comments(self, graph: GraphServer, connect: Connect) -> None:
        """With unchanged comment counts the second poll only lists the media."""
        connector = connect()
        first = connector.fetch(Cursor())
        before = len(graph.requests())
        second = connector.fetch(first.cursor)
        assert second.items == ()
        assert [r.path for r in graph.requests()[before:]] == [f"/v26.0/{ACCOUNT}/media"]

    def test_new_comment_on_a_20_day_old_post(self, graph: GraphServer, connect: Connect) -> None:
        """A new comment on 20-day-old media is found next poll; only that media is read."""
        connector = connect()
        first = connector.fetch(Cursor())
        new = graph.add_ig_comment(OLD, "Gorgeous!", at=NOW)
        reply = graph.add_ig_comment(CAROUSEL, "Agreed", at=NOW, parent_id="17900000000000201")
        before = len(graph.requests())
        items = by_id(connector.fetch(first.cursor))
        assert new.id in items
        assert items[reply.id].kind is ItemKind.REPLY
        reads = {r.path for r in graph.requests()[before:] if r.path.endswith("/comments")}
        assert reads == {f"/v26.0/{OLD}/comments", f"/v26.0/{CAROUSEL}/comments"}

    def test_daily_rescan(self, graph: GraphServer, connect: Connect) -> None:
        """Once a day every media item's comments are read, whatever the counts say."""
        connector = connect()
        first = connector.fetch(Cursor())
        assert first.cursor.position is not None
        state = json.loads(first.cursor.position)
        state["rescan_at"] -= 25 * 3600
        before = len(graph.requests())
        connector.fetch(Cursor(position=json.dumps(state)))
        reads = {r.path for r in graph.requests()[before:] if r.path.endswith("/comments")}
        assert reads == {f"/v26.0/{OLD}/comments", f"/v26.0/{CAROUSEL}/comments"}


class TestHide:
    def test_hide_and_unhide_round_trip(self, graph: GraphServer, connect: Connect) -> None:
        """hide posts hide=true, unhide hide=false; the server's state follows."""
        connector = connect()
        target = by_id(connector.fetch(Cursor()))["17900000000000201"]
        assert connector.hide(target).ok
        assert (graph.requests()[-1].path, graph.requests()[-1].form["hide"]) == (
            "/v26.0/17900000000000201",
            "true",
        )
        stored = graph.find("17900000000000201")
        assert isinstance(stored, IgComment)
        assert stored.hidden is True
        assert connector.unhide(target).ok
        assert stored.hidden is False

    @pytest.mark.parametrize("platform_id", [CAROUSEL, "17900000000000202"])
    def test_media_and_own_replies_are_never_hidden(
        self, connect: Connect, platform_id: str
    ) -> None:
        """Media and the account's own reply raise PermanentError."""
        connector = connect()
        item = by_id(connector.fetch(Cursor()))[platform_id]
        with pytest.raises(PermanentError):
            connector.hide(item)

    def test_missing_permission_is_named(self, graph: GraphServer, connect: Connect) -> None:
        """Error 10 on a hide names instagram_manage_comments."""
        connector = connect()
        target = by_id(connector.fetch(Cursor()))["17900000000000201"]
        graph.fail(graph_error(10, "(#10) Application does not have permission for this action"))
        with pytest.raises(PermissionMissing, match="instagram_manage_comments"):
            connector.hide(target)


class TestProfile:
    def test_bio_and_website(self, connect: Connect) -> None:
        """read_profile gives the bio and the website plus URLs written in the bio."""
        profile = connect().read_profile()
        assert profile is not None
        assert profile.name == "Test Primary School"
        assert profile.about.startswith("News from Test Primary")
        assert profile.links == ("https://www.test.sch.uk", "https://www.test.sch.uk/aup")
        assert profile.url == "https://www.instagram.com/testprimary/"


class TestErrors:
    @pytest.mark.parametrize(
        ("failure", "error"),
        [
            (expired_token_error(), AuthExpired),
            (rate_limit_error(4, 3), RateLimited),
            (rate_limit_error(80002, None), RateLimited),
            (graph_error(200, "(#200) Permissions error"), PermissionMissing),
            (server_error(500), TemporaryError),
            (Failure(status=502, body=b"", content_type=None), TemporaryError),
        ],
    )
    def test_error_table(
        self, graph: GraphServer, connect: Connect, failure: Failure, error: type[SourceError]
    ) -> None:
        """The shared Graph error mapping applies to Instagram, naming this source."""
        graph.fail(failure)
        with pytest.raises(error, match='instagram "insta"'):
            connect().fetch(Cursor())
