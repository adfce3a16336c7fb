"""Shared helpers for the rule specifications: items, the roster, the default lists."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.lists import read_terms
from monitor.models import Hit, Item, ItemKind, Media
from monitor.roster import Pupil, read_roster
from monitor.rules import Rule
from monitor.rules.normalise import normalise

DATA = Path(__file__).parent / "data"
LISTS = Path(__file__).resolve().parents[2] / "config" / "lists"


def item(
    text: str,
    *,
    kind: ItemKind = ItemKind.COMMENT,
    own: bool = False,
    media: tuple[Media, ...] = (),
) -> Item:
    """An item as a connector would return it."""
    return Item(
        source="test",
        platform_id="1",
        kind=kind,
        text=text,
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        is_own=own,
        media=media,
    )


def check(rule: Rule, text: str, **kwargs: object) -> list[Hit]:
    """The rule's hits on ``text`` (as the engine would call it)."""
    it = item(text, **kwargs)  # type: ignore[arg-type]
    return list(rule.check(normalise(it.searchable_text()), it))


def roster() -> list[Pupil]:
    """The labelled set's roster (a MIS export with its own column names)."""
    return read_roster(
        DATA / "roster.csv",
        first_name="Legal Forename",
        last_name="Legal Surname",
        known_as="Preferred Forename",
        photo_consent="Photo Consent",
    )


def terms(name: str) -> list[str]:
    """The entries of a shipped list."""
    return read_terms(LISTS / name)
