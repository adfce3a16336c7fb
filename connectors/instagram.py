"""A school's Instagram professional account: its media, comments and replies, hiding, the bio.

Reads go through ``connectors._graph.GraphClient`` (the Instagram API with
Facebook Login, on the Graph API host; errors translated there).

What is read:

* ``/{ig-user-id}/media`` newest first, back to ``lookback_days`` ago: each
  media item (caption, type, URL, permalink, timestamp, carousel children)
  is an own-content ``MEDIA`` item.
* ``/{ig-media-id}/comments`` with the ``replies`` expansion (and
  ``/{ig-comment-id}/replies`` when a comment has more replies than the
  expansion holds): ``COMMENT`` and ``REPLY`` items, own when written by the
  account itself.

The cursor strategy: Instagram's comment edges have no ``since`` and no
"stream" order, so the media listing's ``comments_count`` (comments and
replies) is the signal. ``Cursor.position`` is JSON holding, per media item
in the window, the count when its comments were last read in full. A media
item's comments are read when the item is new, when its count differs, or
once a day (``RESCAN_EVERY``) for all items, which catches a deletion and a
new comment cancelling out between two polls. Reading is bounded by
``max_requests``; a media item whose comments were not read in full keeps
its old count, so the next poll reads it again. The store drops repeats and
advances the cursor only together with the items.

Hiding is ``POST /{ig-comment-id}`` with ``hide=true`` (``false`` to undo).
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
from monitor.config import HttpConfig, InstagramSource
from monitor.connector import Capabilities
from monitor.errors import PermanentError
from monitor.models import Cursor, FetchResult, HideResult, Item, ItemKind, Media, Profile, utcnow

PERMISSIONS = (
    "instagram_basic, instagram_manage_comments, pages_show_list and pages_read_engagement "
    "(a token of the Facebook Page the Instagram account is linked to)"
)
READ_PERMISSION = "instagram_basic and pages_read_engagement"
HIDE_PERMISSION = "instagram_manage_comments"

_CHILD_FIELDS = "id,media_type,media_url,thumbnail_url,permalink"
MEDIA_FIELDS = (
    "id,caption,media_type,media_url,thumbnail_url,permalink,timestamp,username,"
    f"comments_count,children{{{_CHILD_FIELDS}}}"
)
_REPLY_FIELDS = "id,text,timestamp,username,from{id,username},hidden,parent_id"
COMMENT_FIELDS = f"id,text,timestamp,username,from{{id,username}},hidden,replies{{{_REPLY_FIELDS}}}"
PROFILE_FIELDS = "id,username,name,biography,website"
RESCAN_EVERY = timedelta(hours=24)
_STATE_VERSION = 1


@dataclass(slots=True)
class _State:
    """What ``Cursor.position`` holds: per media id, the comment count last read in full."""

    media: dict[str, int] = field(default_factory=dict)
    rescan_at: int | None = None

    @classmethod
    def load(cls, position: str | None) -> tuple[_State, str | None]:
        """The state in ``position`` and a warning when it could not be read (a fresh start)."""
        if not position:
            return cls(), None
        try:
            data = json.loads(position)
            media = {str(k): int(v) for k, v in data["media"].items()}
            rescan = data.get("rescan_at")
            return cls(media=media, rescan_at=int(rescan) if rescan is not None else None), None
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls(), "the stored cursor was unreadable; every media item is read again"

    def dump(self) -> str:
        """The JSON for ``Cursor.position``."""
        return json.dumps(
            {
                "v": _STATE_VERSION,
                "rescan_at": self.rescan_at,
                "media": dict(sorted(self.media.items())),
            },
            separators=(",", ":"),
        )


class InstagramConnector:
    """One Instagram professional account read through the Graph API."""

    capabilities: ClassVar[Capabilities] = Capabilities(
        hide=True, read_private_messages=False, read_profile=True
    )
    #: items per Graph request
    page_size: ClassVar[int] = 50
    #: requests per fetch (the bound on one poll)
    max_requests: ClassVar[int] = 300

    def __init__(self, source: InstagramSource, http: HttpConfig) -> None:
        """Build the client.

        Raises:
            ConfigError: the token cannot be resolved.
        """
        self.source = source
        self.where = f'instagram "{source.name}"'
        self._graph = GraphClient.for_source(
            source, http, where=self.where, permissions=PERMISSIONS
        )

    # -- Connector protocol ---------------------------------------------------------------

    def fetch(self, cursor: Cursor) -> FetchResult:
        """Return new media, comments and replies since ``cursor`` (see the module docstring).

        Raises:
            TemporaryError: network failure, timeout, 5xx.
            RateLimited: a Graph throttle; ``until`` from the usage headers, else one minute.
            AuthExpired: the token was refused (190).
            PermanentError: a permission is missing (10, 200-299) or another refusal.
        """
        now = utcnow()
        state, problem = _State.load(cursor.position)
        warnings = [problem] if problem else []
        budget = Budget(limit=self.max_requests)
        rescan = state.rescan_at is None or (
            now.timestamp() - state.rescan_at >= RESCAN_EVERY.total_seconds()
        )
        media_list, listed_all = self._media(
            now - timedelta(days=self.source.lookback_days), budget, warnings
        )
        counts: dict[str, int] = {} if listed_all else dict(state.media)
        items: list[Item] = []
        unread = 0
        for media in media_list:
            media_id = str(media["id"])
            known = media_id in state.media
            count = media.get("comments_count")
            if not known:
                items.append(self._media_item(media, now, warnings))
            if known and not rescan and count == state.media[media_id]:
                counts[media_id] = state.media[media_id]
                continue
            comments, complete = self._comments(media, budget, now, warnings)
            items += comments
            if complete and isinstance(count, int):
                counts[media_id] = count
            elif complete:
                counts[media_id] = len(comments)
            else:
                unread += 1
                # -1 never equals a real count: read again next poll.
                counts[media_id] = -1
        if not listed_all or unread:
            warnings.append(
                f"{self.where}: stopped after {self.max_requests} requests; "
                f"{unread} media item(s) left to read on the next poll"
            )
        rescan_at = int(now.timestamp()) if rescan else state.rescan_at
        new_state = _State(media=counts, rescan_at=rescan_at)
        return FetchResult(
            items=tuple(items), cursor=Cursor(position=new_state.dump()), warnings=tuple(warnings)
        )

    def hide(self, item: Item) -> HideResult:
        """Hide a comment or reply by someone else (``hide=true``); never deletes.

        Raises:
            PermanentError: the item is media or the account's own comment, or
                permission is missing (the message names instagram_manage_comments).
            TemporaryError, RateLimited, AuthExpired: as ``fetch``.
        """
        return self._set_hidden(item, hidden=True)

    def unhide(self, item: Item) -> HideResult:
        """Reverse a hide (``hide=false``).

        Raises:
            The same as ``hide``.
        """
        return self._set_hidden(item, hidden=False)

    def read_profile(self) -> Profile | None:
        """The account's name, bio (``biography``) and links (``website``, URLs in the bio).

        Raises:
            TemporaryError, RateLimited, AuthExpired, PermanentError: as ``fetch``.
        """
        user = self._graph.get(self.source.account_id, {"fields": PROFILE_FIELDS})
        username = str_field(user, "username")
        bio = str_field(user, "biography")
        return Profile(
            name=str_field(user, "name") or username or self.source.account_id,
            about=bio,
            links=profile_links(str_field(user, "website"), bio),
            url=f"https://www.instagram.com/{username}/" if username else None,
        )

    def close(self) -> None:
        """Close the HTTP session."""
        self._graph.close()

    # -- reading --------------------------------------------------------------------------

    def _media(
        self, start: datetime, budget: Budget, warnings: list[str]
    ) -> tuple[list[dict[str, Any]], bool]:
        """The window's media, newest first, and whether the listing reached its end."""
        args = {"fields": MEDIA_FIELDS, "limit": str(self.page_size)}
        found: list[dict[str, Any]] = []
        path = f"{self.source.account_id}/media"
        for page in self._graph.pages(path, args, budget, permission=READ_PERMISSION):
            for media in page.get("data") or []:
                if not isinstance(media, dict) or not media.get("id"):
                    warnings.append(f"{self.where}: a media item without id skipped")
                    continue
                created = time_or_none(media.get("timestamp"))
                if created is not None and created < start:
                    # Newest first: the rest is older still.
                    return found, True
                found.append(media)
            if not (page.get("paging") or {}).get("next"):
                return found, True
        return found, False

    def _comments(
        self, media: Mapping[str, Any], budget: Budget, now: datetime, warnings: list[str]
    ) -> tuple[list[Item], bool]:
        """Every comment and reply on a media item, and whether all were read."""
        media_id = str(media["id"])
        args = {"fields": COMMENT_FIELDS, "limit": str(self.page_size)}
        items: list[Item] = []
        complete = False
        for page in self._graph.pages(
            f"{media_id}/comments", args, budget, permission=READ_PERMISSION
        ):
            for comment in page.get("data") or []:
                if not isinstance(comment, dict) or not comment.get("id"):
                    warnings.append(f"{self.where}: a comment on {media_id} without id skipped")
                    continue
                items.append(self._comment_item(comment, media, media_id, now, warnings))
                replies, replies_complete = self._replies(comment, media, budget, now, warnings)
                items += replies
                if not replies_complete:
                    return items, False
            if not (page.get("paging") or {}).get("next"):
                complete = True
                break
        return items, complete

    def _replies(
        self,
        comment: Mapping[str, Any],
        media: Mapping[str, Any],
        budget: Budget,
        now: datetime,
        warnings: list[str],
    ) -> tuple[list[Item], bool]:
        """A comment's replies: the expansion, or the whole edge when the expansion has more."""
        comment_id = str(comment["id"])
        expanded = obj_field(comment, "replies")
        if not obj_field(expanded, "paging").get("next"):
            replies = expanded.get("data")
            entries = replies if isinstance(replies, list) else []
            return self._reply_items(entries, media, comment_id, now, warnings), True
        args = {"fields": _REPLY_FIELDS, "limit": str(self.page_size)}
        items: list[Item] = []
        for page in self._graph.pages(
            f"{comment_id}/replies", args, budget, permission=READ_PERMISSION
        ):
            items += self._reply_items(page.get("data") or [], media, comment_id, now, warnings)
            if not (page.get("paging") or {}).get("next"):
                return items, True
        return items, False

    def _reply_items(
        self,
        entries: list[Any],
        media: Mapping[str, Any],
        comment_id: str,
        now: datetime,
        warnings: list[str],
    ) -> list[Item]:
        """Replies to ``comment_id`` as items; one without an id is named in a warning."""
        items: list[Item] = []
        for reply in entries:
            if isinstance(reply, dict) and reply.get("id"):
                items.append(self._comment_item(reply, media, comment_id, now, warnings))
            else:
                warnings.append(f"{self.where}: a reply to {comment_id} without id skipped")
        return items

    # -- mapping --------------------------------------------------------------------------

    def _media_item(self, media: Mapping[str, Any], now: datetime, warnings: list[str]) -> Item:
        parts = edge_data(media, "children") or [dict(media)]
        return Item(
            source=self.source.name,
            platform_id=str(media["id"]),
            kind=ItemKind.MEDIA,
            text=str_field(media, "caption"),
            created_at=item_time(media, "timestamp", now, warnings, self.where),
            author_id=self.source.account_id,
            author_name=str_field(media, "username") or None,
            is_own=True,
            media=tuple(_media_of(parts)),
            permalink=str_field(media, "permalink") or None,
            raw=dict(media),
        )

    def _comment_item(
        self,
        comment: Mapping[str, Any],
        media: Mapping[str, Any],
        parent_id: str,
        now: datetime,
        warnings: list[str],
    ) -> Item:
        author = obj_field(comment, "from")
        username = str_field(comment, "username") or str_field(author, "username")
        author_id = str(author["id"]) if author.get("id") else None
        own_name = str_field(media, "username")
        is_own = author_id == self.source.account_id or bool(own_name and username == own_name)
        is_reply = parent_id != str(media["id"])
        raw = {k: v for k, v in comment.items() if k != "replies"}
        return Item(
            source=self.source.name,
            platform_id=str(comment["id"]),
            kind=ItemKind.REPLY if is_reply else ItemKind.COMMENT,
            text=str_field(comment, "text"),
            created_at=item_time(comment, "timestamp", now, warnings, self.where),
            parent_id=parent_id,
            author_id=author_id,
            author_name=username or None,
            is_own=is_own,
            # Comments have no address of their own: the media's is where to find them.
            permalink=str_field(media, "permalink") or None,
            raw=raw,
        )

    # -- acting ---------------------------------------------------------------------------

    def _set_hidden(self, item: Item, *, hidden: bool) -> HideResult:
        if item.kind not in {ItemKind.COMMENT, ItemKind.REPLY}:
            raise PermanentError(
                f"{self.where}: only comments can be hidden through the API; "
                f"remove it by hand: {item.permalink or item.platform_id}"
            )
        if item.is_own:
            raise PermanentError(f"{self.where}: the account's own comments are never hidden")
        flag = "true" if hidden else "false"
        answer = self._graph.post(item.platform_id, {"hide": flag}, permission=HIDE_PERMISSION)
        reply = json.dumps(answer, separators=(",", ":"))[:200]
        if answer.get("success") is True:
            done = "hidden" if hidden else "unhidden"
            return HideResult(ok=True, detail=f"{done} on Instagram (hide={flag}): {reply}")
        return HideResult(ok=False, detail=f"Instagram did not confirm hide={flag}: {reply}")


# -- helpers --------------------------------------------------------------------------------


def _media_of(parts: list[dict[str, Any]]) -> list[Media]:
    """One ``Media`` per picture or video (a carousel's children, else the item itself)."""
    found: dict[str, Media] = {}
    for part in parts:
        url = str_field(part, "media_url") or str_field(part, "thumbnail_url")
        if url and url not in found:
            found[url] = Media(url=url, type=str_field(part, "media_type").lower())
    return list(found.values())


__all__ = ["COMMENT_FIELDS", "MEDIA_FIELDS", "PERMISSIONS", "InstagramConnector"]
