"""The photo_consent rule: a photo that names a pupil whose parents gave no consent.

The policy: staff "must not publish photographs of children without the
written consent of parents / carers". A photo cannot be recognised, but the
words around it can: an item with media whose caption (the item's text), alt
text or file name names a roster pupil whose ``photo_consent`` is no is
reported to SLT, who look at the picture.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import unquote, urlsplit

from monitor.models import ActionKind, Hit, Item, ItemKind, Severity
from monitor.rules.names import NameMatch, NameMatcher
from monitor.rules.normalise import NormalisedText


class PhotoConsentRule:
    """Finds media naming a pupil without photo consent. ``check`` never raises."""

    id: ClassVar[str] = "photo_consent"
    default_action: ClassVar[ActionKind] = ActionKind.ALERT
    default_severity: ClassVar[Severity] = Severity.HIGH

    def __init__(self, names: NameMatcher) -> None:
        self._names = names
        self._no_consent = frozenset(
            i for i, pupil in enumerate(names.pupils) if not pupil.photo_consent
        )

    @staticmethod
    def applies(kind: ItemKind, *, has_media: bool) -> bool:
        """Only items with media, or media items, can show a photo."""
        return has_media or kind is ItemKind.MEDIA

    def check(self, text: NormalisedText, item: Item) -> list[Hit]:
        """Hits for the caption and alt text (spans in ``text``), then for file names (0-0)."""
        if not self._no_consent or not (item.media or item.kind is ItemKind.MEDIA):
            return []
        hits = [
            self._hit(m, text.original[m.start : m.end], m.start, m.end, "caption or alt text")
            for m in self._names.find(text)
            if self._unconsented(m)
        ]
        for media in item.media:
            name = _file_name(media.url)
            hits.extend(
                # A file name is not part of the text the spans index, so
                # its hit quotes the file name with an empty span.
                self._hit(m, name, 0, 0, "file name")
                for m in self._names.find_in_name(name)
                if self._unconsented(m)
            )
        return hits

    def _unconsented(self, m: NameMatch) -> bool:
        return any(i in self._no_consent for i in m.pupils)

    def _hit(self, m: NameMatch, match: str, start: int, end: int, where: str) -> Hit:
        return Hit(
            rule=self.id,
            severity=self.default_severity,
            start=start,
            end=end,
            match=match,
            normalised=m.canonical,
            entry=f"no photo consent ({where})",
        )


def _file_name(url: str) -> str:
    """The last path segment of a media URL, unquoted ("Jamie%20Smith.jpg" -> "Jamie Smith.jpg")."""
    try:
        path = urlsplit(url).path
    except ValueError:
        path = url
    return unquote(path.rsplit("/", 1)[-1])
