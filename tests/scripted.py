"""A scripted connector, a fake clock and a minimal rule: the poller's world without a network.

Tests that exercise the core's orchestration (poller, audit, findings allow)
register ``ScriptedConnector`` for a kind and script what it returns; the
connectors themselves are tested against real local servers elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from monitor.connector import Capabilities
from monitor.models import (
    ActionKind,
    Cursor,
    FetchResult,
    HideResult,
    Hit,
    Item,
    Profile,
    Severity,
)
from monitor.rules.normalise import NormalisedText

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class FakeClock:
    """A clock tests move by hand; its sleep advances it instead of waiting."""

    def __init__(self) -> None:
        self.now = START
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


@dataclass
class Script:
    """What the scripted connector does next: items to return or errors to raise."""

    fetches: list[Sequence[Item] | Exception] = field(default_factory=list)
    hides: list[HideResult | Exception] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    profile: Profile | Exception | None = None
    fetch_calls: int = 0


SCRIPT = Script()


class ScriptedConnector:
    """A connector that can hide, driven by the module's ``SCRIPT`` (no network)."""

    capabilities: ClassVar[Capabilities] = Capabilities(hide=True, read_profile=True)

    def __init__(self, source: object, http: object) -> None:
        self.source = source

    def fetch(self, cursor: Cursor) -> FetchResult:
        SCRIPT.fetch_calls += 1
        step = SCRIPT.fetches.pop(0) if SCRIPT.fetches else []
        if isinstance(step, Exception):
            raise step
        return FetchResult(
            items=tuple(step),
            cursor=Cursor(position=str(SCRIPT.fetch_calls)),
            notices=tuple(SCRIPT.notices),
        )

    def hide(self, item: Item) -> HideResult:
        step = SCRIPT.hides.pop(0) if SCRIPT.hides else HideResult(ok=True, detail="hidden")
        if isinstance(step, Exception):
            raise step
        if step.ok:
            SCRIPT.hidden.append(item.platform_id)
        return step

    def unhide(self, item: Item) -> HideResult:
        SCRIPT.hidden.remove(item.platform_id)
        return HideResult(ok=True)

    def read_profile(self) -> Profile | None:
        if isinstance(SCRIPT.profile, Exception):
            raise SCRIPT.profile
        return SCRIPT.profile

    def close(self) -> None:
        pass


class WordRule:
    """A minimal pure rule: hits the word ``badword`` (the real rules have their own tests)."""

    id = "abuse"
    default_action = ActionKind.HIDE
    default_severity = Severity.HIGH

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        at = text.text.find("badword")
        if at < 0:
            return []
        start, end = text.original_span(at, at + 7)
        return [
            Hit(
                rule=self.id,
                severity=self.default_severity,
                start=start,
                end=end,
                match=text.original[start:end],
                entry="badword",
            )
        ]
