"""The location_metadata rule: a published image that carries its GPS position.

A photo's EXIF data can hold where it was taken, often a pupil's home or the
school: personally identifying information the policy says must not be
published. Reading it means downloading the image, which is I/O, so
``monitor.exif`` does that before items are stored and fills
``Media.location``; this rule only reads that field.
"""

from __future__ import annotations

from typing import ClassVar

from monitor.models import ActionKind, Hit, Item, ItemKind, Severity
from monitor.rules.normalise import NormalisedText


class LocationMetadataRule:
    """Flags media whose probed EXIF holds a GPS position. ``check`` never raises."""

    id: ClassVar[str] = "location_metadata"
    default_action: ClassVar[ActionKind] = ActionKind.ALERT
    default_severity: ClassVar[Severity] = Severity.HIGH

    @staticmethod
    def applies(kind: ItemKind, *, has_media: bool) -> bool:
        """Only items with media have EXIF data."""
        return has_media

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """One hit per located image; the span is empty (the position is not in the text)."""
        return [
            Hit(
                rule=self.id,
                severity=self.default_severity,
                start=0,
                end=0,
                match=media.url,
                normalised=media.location,
                entry="GPS position in the image's EXIF data",
            )
            for media in item.media
            if media.location
        ]
