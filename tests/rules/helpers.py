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


def labelled_config(folder: Path, *, learned: bool = True) -> Path:
    """A config file in ``folder`` for the labelled sets: their school, their roster as
    its MIS exports it, their web filter's block list. ``learned=False`` turns the
    learned signal off (``scripts/evaluate_signal.py`` fits its own)."""
    path = folder / "monitor.toml"
    signal = (
        ""
        if learned
        else "\n[rules.abuse]\nlearned = false\n\n[rules.safeguarding]\nlearned = false\n"
    )
    path.write_text(
        f"""
[school]
name = "St Mary's"
aup_url = "https://stmarys.sch.uk/aup"
domains = ["stmarys.sch.uk"]

[email]
sender = "monitor@stmarys.sch.uk"
slt = ["slt@stmarys.sch.uk"]
dsl = ["dsl@stmarys.sch.uk"]

[roster]
path = "{DATA / "roster.csv"}"
first_name = "Legal Forename"
last_name = "Legal Surname"
known_as = "Preferred Forename"
photo_consent = "Photo Consent"
{signal}
[rules.personal_info]
allow_terms = ["01632 960000", "01632 960500"]  # the school office in holdout6 and 7, holdout5

[rules.unsafe_link]
blocklist_files = ["{DATA / "blocklist.txt"}"]
""",
        encoding="utf-8",
    )
    return path


def terms(name: str) -> list[str]:
    """The entries of a shipped list."""
    return read_terms(LISTS / name)
