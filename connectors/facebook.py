"""A school's Facebook Page: its feed, every comment and reply, hiding, and the About page.

Reads go through ``connectors._graph.GraphClient`` (facebook-sdk with a
timeout, a current version and the source's ``api_url``; errors translated).

What is read:

* ``/{page-id}/feed`` since ``lookback_days`` ago: the Page's own posts and
  visitors' posts (with the attachments and sub-attachments, whose media
  URLs and descriptions become ``Media``). Posts whose ``from`` is the Page
  are own content (``is_own``), as are the Page's own comments and replies.
* ``/{post-id}/comments?filter=stream``: every comment and reply, oldest
  first; a reply's ``parent`` makes it a ``REPLY`` of that comment.

How a new comment on an old post is found within one poll, without
re-reading every comment of every post (the cursor strategy):

1. The feed request asks each post for its newest comment through field
   expansion, ``comments.filter(stream).order(reverse_chronological)
   .limit(1){id,created_time}``. Listing the window's posts is one request
   per hundred posts, and it says which posts have new comments.
2. ``Cursor.position`` is JSON: per post in the window, the
   ``[created_time, id]`` of the newest comment already returned (``null``:
   read, no comments yet), and when the last full re-read began.
3. A post is read (``/comments?filter=stream&since=...``) only when it is
   new to the cursor (all its comments), or its newest comment differs from
   the stored one (from the stored time, less ``OVERLAP`` for comments made
   in the same second; the store drops the repeats). Unchanged posts cost
   nothing beyond the feed listing. Posts that leave the window leave the
   cursor, so it stays small.
4. Once a day (``RESCAN_EVERY``) every post's comments are read again in full,
   which catches what the newest-comment test cannot see: a comment that
   became visible late (approved after review) with an older timestamp.
5. Reading is bounded by ``max_requests`` per fetch. Comments come oldest
   first, so a cut-off read records the newest comment actually returned and
   the next poll continues from there; a post whose comments were not read
   at all keeps its old mark (or stays new). Nothing is skipped, and the
   store advances the cursor only together with the items it covers.

Hiding is ``POST /{comment-id}`` with ``is_hidden=true`` (``false`` to undo);
posts are never hidden or deleted: they are alerted for removal by hand.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from connectors._graph import (
    Budget,
    GraphClient,
    edge_data,
    item_time,
    obj_field,
    profile_links,
    str_field,
    time_or_none,
)
from monitor.config import FacebookPageSource, HttpConfig
from monitor.connector import Capabilities
from monitor.errors import PermanentError
from monitor.models import Cursor, FetchResult, HideResult, Item, ItemKind, Media, Profile, utcnow

#: everything a Page token needs for this connector
PERMISSIONS = (
    "pages_show_list, pages_read_engagement, pages_read_user_content and "
    "pages_manage_engagement (a Page token from someone with the MODERATE task on the Page)"
)
READ_PERMISSION = "pages_read_engagement and pages_read_user_content"
HIDE_PERMISSION = "pages_manage_engagement (and the MODERATE task on the Page)"

NEWEST_COMMENT = "comments.filter(stream).order(reverse_chronological).limit(1){id,created_time}"
FEED_FIELDS = ",".join(
    (
        "id",
        "message",
        "story",
        "created_time",
        "updated_time",
        "permalink_url",
        "from{id,name}",
        "attachments{media_type,type,url,title,description,media,subattachments}",
        NEWEST_COMMENT,
    )
)
COMMENT_FIELDS = (
    "id,message,created_time,from{id,name},parent{id},permalink_url,attachment,is_hidden"
)
PAGE_FIELDS = "id,name,about,description,website,link"
OVERLAP = timedelta(seconds=60)
RESCAN_EVERY = timedelta(hours=24)
_STATE_VERSION = 1

#: a post's mark: (unix time, id) of the newest comment returned, or None for "none yet"
Mark = tuple[int, str] | None


@dataclass(slots=True)
class _State:
    """What ``Cursor.position`` holds (see the module docstring)."""

    posts: dict[str, Mark] = field(default_factory=dict)
    rescan_at: int | None = None

    @classmethod
    def load(cls, position: str | None) -> tuple[_State, str | None]:
        """The state in ``position`` and a warning when it could not be read (a fresh start)."""
        if not position:
            return cls(), None
        try:
            data = json.loads(position)
            posts: dict[str, Mark] = {}
            for post_id, mark in data["posts"].items():
                posts[str(post_id)] = None if mark is None else (int(mark[0]), str(mark[1]))
            rescan = data.get("rescan_at")
            return cls(posts=posts, rescan_at=int(rescan) if rescan is not None else None), None
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return cls(), "the stored cursor was unreadable; every post in the window is read again"

    def dump(self) -> str:
        """The JSON for ``Cursor.position``."""
        posts = {k: (list(v) if v else None) for k, v in sorted(self.posts.items())}
        return json.dumps(
            {"v": _STATE_VERSION, "rescan_at": self.rescan_at, "posts": posts},
            separators=(",", ":"),
        )


class FacebookPageConnector:
    """One Facebook Page read with a Page access token."""

    capabilities: ClassVar[Capabilities] = Capabilities(
        hide=True, read_private_messages=False, read_profile=True
    )
    #: items per Graph request
    page_size: ClassVar[int] = 100
    #: requests per fetch, over the feed and every comment read (the bound on one poll)
    max_requests: ClassVar[int] = 300

    def __init__(self, source: FacebookPageSource, http: HttpConfig) -> None:
        """Build the client.

        Raises:
            ConfigError: the token cannot be resolved.
        """
        self.source = source
        self.where = f'facebook_page "{source.name}"'
        self._graph = GraphClient.for_source(
            source, http, where=self.where, permissions=PERMISSIONS
        )

    # -- Connector protocol ---------------------------------------------------------------

    def fetch(self, cursor: Cursor) -> FetchResult:
        """Return new posts, comments and replies since ``cursor`` (see the module docstring).

        Raises:
            TemporaryError: network failure, timeout, 5xx.
            RateLimited: a Graph throttle (4, 17, 32, 613, 80001...); ``until``
                from the usage headers, else one minute from now.
            AuthExpired: the token was refused (190).
            PermanentError: a permission is missing (10, 200-299) or another refusal.
        """
        now = utcnow()
        state, problem = _State.load(cursor.position)
        warnings = [problem] if problem else []
        budget = Budget(limit=self.max_requests)
        rescan = state.rescan_at is None or now.timestamp() - state.rescan_at >= (
            RESCAN_EVERY.total_seconds()
        )
        posts, listed_all = self._posts(
            now - timedelta(days=self.source.lookback_days), budget, warnings
        )
        items: list[Item] = []
        # Posts the listing did not reach keep their marks until it does.
        marks: dict[str, Mark] = {} if listed_all else dict(state.posts)
        unread = 0
        for post in posts:
            post_id = str(post["id"])
            known = post_id in state.posts
            old = state.posts.get(post_id)
            if not known:
                items.append(self._post_item(post, now, warnings))
            newest = _newest_comment(post)
            if known and not rescan and newest == old:
                marks[post_id] = old
                continue
            if budget.left <= 0:
                unread += 1
                if known:
                    marks[post_id] = old
                continue
            since = old[0] - int(OVERLAP.total_seconds()) if known and old and not rescan else None
            comments, complete = self._comments(post_id, since, budget, now, warnings)
            items += comments
            latest = _latest(comments)
            if complete:
                # The mark is what the expansion will report while nothing
                # changes (a comment made since the listing is later still).
                marks[post_id] = latest if newest is None else _max_mark(newest, latest)
            else:
                unread += 1
                if latest is not None or known:
                    marks[post_id] = _max_mark(old, latest)
        if not listed_all or unread:
            warnings.append(
                f"{self.where}: stopped after {self.max_requests} requests; "
                f"{unread} post(s) left to read on the next poll"
            )
        rescan_at = int(now.timestamp()) if rescan else state.rescan_at
        new_state = _State(posts=marks, rescan_at=rescan_at)
        return FetchResult(
            items=tuple(items), cursor=Cursor(position=new_state.dump()), warnings=tuple(warnings)
        )

    def hide(self, item: Item) -> HideResult:
        """Hide a comment or reply by someone else (``is_hidden=true``); never deletes.

        Raises:
            PermanentError: the item is a post or the Page's own comment (only
                comments by others can be hidden), or permission is missing
                (the message names pages_manage_engagement).
            TemporaryError, RateLimited, AuthExpired: as ``fetch``.
        """
        return self._set_hidden(item, hidden=True)

    def unhide(self, item: Item) -> HideResult:
        """Reverse a hide (``is_hidden=false``).

        Raises:
            The same as ``hide``.
        """
        return self._set_hidden(item, hidden=False)

    def read_profile(self) -> Profile | None:
        """The Page's name, About text (``about`` and ``description``) and links (``website``).

        Raises:
            TemporaryError, RateLimited, AuthExpired, PermanentError: as ``fetch``.
        """
        page = self._graph.get(self.source.page_id, {"fields": PAGE_FIELDS})
        parts = (str_field(page, "about"), str_field(page, "description"))
        about = "\n".join(t for t in parts if t)
        return Profile(
            name=str_field(page, "name") or self.source.page_id,
            about=about,
            links=profile_links(str_field(page, "website"), about),
            url=str_field(page, "link") or None,
        )

    def close(self) -> None:
        """Close the HTTP session."""
        self._graph.close()

    # -- reading --------------------------------------------------------------------------

    def _posts(
        self, start: datetime, budget: Budget, warnings: list[str]
    ) -> tuple[list[dict[str, Any]], bool]:
        """The window's posts, newest first, and whether the listing reached its end."""
        args = {
            "fields": FEED_FIELDS,
            "since": str(int(start.timestamp())),
            "limit": str(self.page_size),
        }
        posts: list[dict[str, Any]] = []
        for page in self._graph.pages(
            f"{self.source.page_id}/feed", args, budget, permission=READ_PERMISSION
        ):
            for post in page.get("data") or []:
                if not isinstance(post, dict) or not post.get("id"):
                    warnings.append(f"{self.where}: a post without id skipped: {str(post)[:80]}")
                    continue
                created = time_or_none(post.get("created_time"))
                if created is not None and created < start:
                    # Newest first: everything after this is older still.
                    return posts, True
                posts.append(post)
            if not (page.get("paging") or {}).get("next"):
                return posts, True
        return posts, False

    def _comments(
        self,
        post_id: str,
        since: int | None,
        budget: Budget,
        now: datetime,
        warnings: list[str],
    ) -> tuple[list[Item], bool]:
        """Comments and replies on a post (oldest first) and whether the read was complete."""
        args = {
            "filter": "stream",
            "order": "chronological",
            "fields": COMMENT_FIELDS,
            "limit": str(self.page_size),
        }
        if since is not None:
            args["since"] = str(since)
        items: list[Item] = []
        for page in self._graph.pages(
            f"{post_id}/comments", args, budget, permission=READ_PERMISSION
        ):
            for comment in page.get("data") or []:
                if isinstance(comment, dict) and comment.get("id"):
                    items.append(self._comment_item(comment, post_id, now, warnings))
                else:
                    warnings.append(f"{self.where}: a comment on {post_id} without id skipped")
            if not (page.get("paging") or {}).get("next"):
                return items, True
        return items, False

    # -- mapping --------------------------------------------------------------------------

    def _is_page(self, data: Mapping[str, Any]) -> bool:
        author = data.get("from")
        return isinstance(author, dict) and str(author.get("id")) == self.source.page_id

    def _post_item(self, post: Mapping[str, Any], now: datetime, warnings: list[str]) -> Item:
        author = obj_field(post, "from")
        raw = {k: v for k, v in post.items() if k != "comments"}
        return Item(
            source=self.source.name,
            platform_id=str(post["id"]),
            kind=ItemKind.POST,
            text=str_field(post, "message") or str_field(post, "story"),
            created_at=item_time(post, "created_time", now, warnings, self.where),
            author_id=str(author["id"]) if author.get("id") else None,
            author_name=str_field(author, "name") or None,
            is_own=self._is_page(post),
            media=tuple(_attachment_media(edge_data(post, "attachments"))),
            permalink=str_field(post, "permalink_url") or None,
            raw=raw,
        )

    def _comment_item(
        self, comment: Mapping[str, Any], post_id: str, now: datetime, warnings: list[str]
    ) -> Item:
        author = obj_field(comment, "from")
        parent = comment.get("parent")
        parent_id = str(parent["id"]) if isinstance(parent, dict) and parent.get("id") else None
        attachment = comment.get("attachment")
        return Item(
            source=self.source.name,
            platform_id=str(comment["id"]),
            kind=ItemKind.REPLY if parent_id else ItemKind.COMMENT,
            text=str_field(comment, "message"),
            created_at=item_time(comment, "created_time", now, warnings, self.where),
            parent_id=parent_id or post_id,
            author_id=str(author["id"]) if author.get("id") else None,
            author_name=str_field(author, "name") or None,
            is_own=self._is_page(comment),
            media=tuple(_attachment_media([attachment] if isinstance(attachment, dict) else [])),
            permalink=str_field(comment, "permalink_url") or None,
            raw=dict(comment),
        )

    # -- acting ---------------------------------------------------------------------------

    def _set_hidden(self, item: Item, *, hidden: bool) -> HideResult:
        if item.kind not in {ItemKind.COMMENT, ItemKind.REPLY}:
            raise PermanentError(
                f"{self.where}: only comments can be hidden through the API; "
                f"remove the post by hand: {item.permalink or item.platform_id}"
            )
        if item.is_own:
            raise PermanentError(f"{self.where}: the Page's own comments are never hidden")
        flag = "true" if hidden else "false"
        answer = self._graph.post(item.platform_id, {"is_hidden": flag}, permission=HIDE_PERMISSION)
        reply = json.dumps(answer, separators=(",", ":"))[:200]
        if answer.get("success") is True:
            done = "hidden" if hidden else "unhidden"
            return HideResult(ok=True, detail=f"{done} on Facebook (is_hidden={flag}): {reply}")
        return HideResult(ok=False, detail=f"Facebook did not confirm is_hidden={flag}: {reply}")


# -- helpers --------------------------------------------------------------------------------


def _newest_comment(post: Mapping[str, Any]) -> Mark:
    """The post's newest comment as the feed expansion reports it, or None."""
    for comment in edge_data(post, "comments")[:1]:
        created = time_or_none(comment.get("created_time"))
        if created is not None:
            return int(created.timestamp()), str(comment.get("id", ""))
    return None


def _latest(items: list[Item]) -> Mark:
    if not items:
        return None
    newest = max(items, key=lambda i: (i.created_at, i.platform_id))
    return int(newest.created_at.timestamp()), newest.platform_id


def _max_mark(a: Mark, b: Mark) -> Mark:
    """The later of two marks (by time; None is earliest)."""
    if a is None:
        return b
    if b is None:
        return a
    return b if b[0] > a[0] else a


def _attachment_media(attachments: list[dict[str, Any]]) -> list[Media]:
    """Media of attachments and their sub-attachments, each URL once.

    The URL is the image (or video source) where there is one, else the
    attachment's link; the description (alt text the rules read) comes along.
    """
    found: dict[str, Media] = {}
    queue = list(attachments)
    while queue:
        attachment = queue.pop(0)
        queue += edge_data(attachment, "subattachments")
        media = obj_field(attachment, "media")
        image = obj_field(media, "image")
        url = str_field(media, "source") or str_field(image, "src") or str_field(attachment, "url")
        if not url or url in found:
            continue
        found[url] = Media(
            url=url,
            type=str_field(attachment, "media_type") or str_field(attachment, "type"),
            alt_text=str_field(attachment, "description"),
        )
    return list(found.values())


__all__ = ["COMMENT_FIELDS", "FEED_FIELDS", "PERMISSIONS", "FacebookPageConnector"]
