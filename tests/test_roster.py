"""The pupils CSV: read as exported, a bad row named by file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.roster import Pupil, read_roster


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "pupils.csv"
    path.write_bytes(text.encode(encoding))
    return path


class TestRead:
    def test_reads_rows(self, tmp_path: Path) -> None:
        """Each row becomes a pupil; consent is yes/no, case and spaces ignored."""
        path = write(
            tmp_path, "first_name,last_name,photo_consent\nJamie,Smith, Yes\nZoë,O'Brien,no\n"
        )
        assert read_roster(path) == [
            Pupil(first_name="Jamie", last_name="Smith", photo_consent=True),
            Pupil(first_name="Zoë", last_name="O'Brien", photo_consent=False),
        ]

    def test_excel_bom_and_header_case(self, tmp_path: Path) -> None:
        """An Excel "CSV UTF-8" export (with a BOM, capitalised headers) reads as well."""
        path = write(tmp_path, "\ufeffFirst_Name,Last_Name,Photo_Consent\r\nAva,Jones,yes\r\n")
        assert read_roster(path)[0].first_name == "Ava"

    def test_quoted_fields(self, tmp_path: Path) -> None:
        """Quoted fields with commas and two-word surnames are kept whole."""
        path = write(tmp_path, 'first_name,last_name,photo_consent\nMaria,"de la Cruz, Jr",no\n')
        assert read_roster(path)[0].last_name == "de la Cruz, Jr"


class TestErrors:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                "first_name,surname,photo_consent\nA,B,yes\n",
                ":1: roster header lacks column(s) last_name",
            ),
            (
                "first_name,last_name,photo_consent\nA,B,maybe\n",
                ":2: column photo_consent: 'maybe' is not yes or no",
            ),
            (
                "first_name,last_name,photo_consent\nA,B,yes\n,C,no\n",
                ":3: column first_name: empty",
            ),
            ("first_name,last_name,photo_consent\nA,,yes\n", ":2: column last_name: empty"),
            (
                "first_name,last_name,photo_consent\nA,B,yes,extra\n",
                ":2: more fields than the header",
            ),
        ],
    )
    def test_bad_rows_named(self, tmp_path: Path, text: str, expected: str) -> None:
        """A bad row names the file, the line and the column."""
        path = write(tmp_path, text)
        with pytest.raises(ConfigError) as err:
            read_roster(path)
        assert str(err.value).startswith(str(path))
        assert expected in str(err.value)

    def test_not_utf8(self, tmp_path: Path) -> None:
        """A legacy-encoded export is refused with how to fix it."""
        path = write(
            tmp_path, "first_name,last_name,photo_consent\nZoë,X,yes\n", encoding="latin-1"
        )
        with pytest.raises(ConfigError, match="CSV UTF-8"):
            read_roster(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing roster is named."""
        with pytest.raises(ConfigError, match="cannot read roster"):
            read_roster(tmp_path / "none.csv")


class TestColumnMapping:
    def test_mis_headers_and_known_as(self, tmp_path: Path) -> None:
        """Configured headers (any case) are read; an empty known-as is None."""
        path = write(
            tmp_path,
            "Legal Forename,Legal Surname,Preferred Forename,Photo Consent\n"
            "Oluwaseun,Adeyemi,Seun,Granted\nJamie,Smith,,Refused\n",
        )
        pupils = read_roster(
            path,
            first_name="legal forename",
            last_name="Legal Surname",
            known_as="Preferred Forename",
            photo_consent="PHOTO CONSENT",
        )
        assert pupils == [
            Pupil(first_name="Oluwaseun", last_name="Adeyemi", photo_consent=True, known_as="Seun"),
            Pupil(first_name="Jamie", last_name="Smith", photo_consent=False),
        ]
        assert pupils[0].first_names == ("Oluwaseun", "Seun")

    def test_missing_mapped_column_names_it(self, tmp_path: Path) -> None:
        """A configured header the export lacks is named, with the key to fix."""
        path = write(tmp_path, "Forename,Surname,Consent\nA,B,yes\n")
        with pytest.raises(ConfigError, match=r":1: roster header lacks column\(s\) Preferred"):
            read_roster(
                path,
                first_name="Forename",
                last_name="Surname",
                photo_consent="Consent",
                known_as="Preferred",
            )

    def test_bad_row_names_mapped_column(self, tmp_path: Path) -> None:
        """A bad value is reported under the export's own column name."""
        path = write(tmp_path, "Forename,Surname,Consent\nA,B,perhaps\n")
        with pytest.raises(ConfigError, match=r":2: column Consent: 'perhaps' is not yes or no"):
            read_roster(path, first_name="Forename", last_name="Surname", photo_consent="Consent")
