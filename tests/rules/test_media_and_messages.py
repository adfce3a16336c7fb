"""Specification of the photo_consent, location_metadata and private_message rules."""

from __future__ import annotations

import pytest

from monitor.models import ActionKind, ItemKind, Media
from monitor.rules.location_metadata import LocationMetadataRule
from monitor.rules.names import NameMatcher
from monitor.rules.photo_consent import PhotoConsentRule
from monitor.rules.private_message import PrivateMessageRule
from tests.rules.helpers import check, roster

PHOTO = Media(url="https://cdn.test/p/IMG_0042.jpg", type="image/jpeg")


@pytest.fixture(scope="module", name="consent")
def fixture_consent() -> PhotoConsentRule:
    return PhotoConsentRule(NameMatcher(roster()))


class TestPhotoConsent:
    """Amara Okafor has no photo consent on the test roster; Jamie Smith has."""

    def test_caption_names_pupil_without_consent(self, consent: PhotoConsentRule) -> None:
        """A photo captioned with a no-consent pupil's name is reported to SLT."""
        [hit] = check(consent, "Amara Okafor on sports day", media=(PHOTO,))
        assert (hit.match, hit.normalised) == ("Amara Okafor", "amara okafor")
        assert consent.default_action is ActionKind.ALERT

    def test_alt_text(self, consent: PhotoConsentRule) -> None:
        """Alt text counts as much as the caption."""
        media = (Media(url=PHOTO.url, type="image/jpeg", alt_text="amara okafor smiling"),)
        assert check(consent, "sports day!", media=media)

    def test_file_name(self, consent: PhotoConsentRule) -> None:
        """A file name naming the pupil counts; the hit quotes the file name."""
        media = (Media(url="https://cdn.test/uploads/Amara_Okafor-sportsday.jpg"),)
        [hit] = check(consent, "sports day!", media=media)
        assert (hit.match, hit.start, hit.end) == ("Amara_Okafor-sportsday.jpg", 0, 0)

    @pytest.mark.parametrize(
        ("text", "media"),
        [
            ("Jamie Smith on sports day", (PHOTO,)),  # consent given
            ("Amara on sports day", (PHOTO,)),  # first name only
            ("Amara Okafor did well", ()),  # no photo
        ],
    )
    def test_not_reported(
        self, consent: PhotoConsentRule, text: str, media: tuple[Media, ...]
    ) -> None:
        """Consent given, first names only, or no photo at all."""
        assert check(consent, text, media=media) == []

    def test_media_item_kind_counts_as_photo(self, consent: PhotoConsentRule) -> None:
        """A MEDIA item (an Instagram post) is a photo even without a Media record."""
        assert check(consent, "Amara Okafor", kind=ItemKind.MEDIA)


class TestLocationMetadata:
    def test_reports_located_images(self) -> None:
        """Each image the EXIF probe located is one hit; unprobed or unlocated ones are not."""
        media = (
            Media(url="https://cdn.test/a.jpg", location="53.800000,-1.550000"),
            Media(url="https://cdn.test/b.jpg"),
        )
        [hit] = check(LocationMetadataRule(), "trip!", media=media)
        assert (hit.match, hit.normalised) == ("https://cdn.test/a.jpg", "53.800000,-1.550000")

    def test_no_media(self) -> None:
        """Text alone never has location metadata."""
        assert check(LocationMetadataRule(), "we are at the park") == []


class TestPrivateMessage:
    @pytest.mark.parametrize(
        ("kind", "own", "fires"),
        [
            (ItemKind.MESSAGE, True, True),
            (ItemKind.MESSAGE, False, False),
            (ItemKind.COMMENT, True, False),
            (ItemKind.POST, True, False),
        ],
    )
    def test_only_messages_sent_by_the_account(
        self, kind: ItemKind, own: bool, fires: bool
    ) -> None:
        """A message the account sent in a private conversation; nothing else."""
        hits = check(PrivateMessageRule(), "See you at the match!", kind=kind, own=own)
        assert bool(hits) is fires
        if hits:
            assert hits[0].normalised == "see you at the match!"
