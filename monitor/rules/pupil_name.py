"""The pupil_name rule: a roster pupil's full name in a post, comment or caption.

The policy: staff must not "identify by name any children featured in
photographs ... The use of first names only if names are necessary". So a
pupil's first name alone is fine and never fires; first name and surname
together do, in any of the forms ``monitor.rules.names`` knows. Others'
comments are hidden and reported; the school's own posts cannot be hidden, so
the poller alerts on them instead.
"""

from __future__ import annotations

from typing import ClassVar

from monitor.models import ActionKind, Hit, Item, Severity
from monitor.rules.names import NameMatcher
from monitor.rules.normalise import NormalisedText


class PupilNameRule:
    """Finds roster pupils' full names. ``check`` never raises."""

    id: ClassVar[str] = "pupil_name"
    default_action: ClassVar[ActionKind] = ActionKind.HIDE
    default_severity: ClassVar[Severity] = Severity.HIGH

    def __init__(self, names: NameMatcher) -> None:
        self._names = names

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """Every full name in ``text``; ``normalised`` is the pupil's folded legal name."""
        found = self._names.find(text)
        if not found:
            return []  # most text: no pupil's full name
        return [
            Hit(
                rule=self.id,
                severity=self.default_severity,
                start=m.start,
                end=m.end,
                match=text.original[m.start : m.end],
                normalised=m.canonical,
                entry=f"roster ({m.form})",
            )
            for m in found
        ]
