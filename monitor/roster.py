"""The pupil roster: who the pupil_name and photo_consent rules protect.

Read from the school's CSV export (header ``first_name,last_name,photo_consent``).
It is children's data: it is read into memory, never copied into the store.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import ConfigError

REQUIRED_COLUMNS = ("first_name", "last_name", "photo_consent")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True, slots=True, kw_only=True)
class Pupil:
    """One pupil: legal names and whether parents gave written photo consent."""

    first_name: str
    last_name: str
    photo_consent: bool


def read_roster(path: Path) -> list[Pupil]:
    """Read and check the roster CSV.

    Raises:
        ConfigError: unreadable file, missing columns, or a bad row; the message
            names the file, the line and the column.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read roster: {err.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path}: roster is not UTF-8 text (save the export as CSV UTF-8)"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ConfigError(f"{path}:1: roster header lacks column(s) {', '.join(missing)}")
    reader.fieldnames = header
    pupils: list[Pupil] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            raise ConfigError(f"{path}:{line}: more fields than the header has columns")
        first = (row.get("first_name") or "").strip()
        last = (row.get("last_name") or "").strip()
        consent = (row.get("photo_consent") or "").strip().lower()
        if not first:
            raise ConfigError(f"{path}:{line}: column first_name: empty")
        if not last:
            raise ConfigError(f"{path}:{line}: column last_name: empty")
        if consent not in _YES | _NO:
            raise ConfigError(f"{path}:{line}: column photo_consent: {consent!r} is not yes or no")
        pupils.append(Pupil(first_name=first, last_name=last, photo_consent=consent in _YES))
    return pupils
