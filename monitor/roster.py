"""The pupil roster: who the pupil_name and photo_consent rules protect.

Read from the school's CSV export. The header names are configurable
(``[roster] first_name = "Forename"`` ...), so an export from SIMS, Arbor or
Bromcom is used as it is; an optional preferred / known-as column adds the
name a pupil actually goes by. It is children's data: it is read into memory,
never copied into the store.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from monitor.config import RosterConfig
from monitor.errors import ConfigError

#: the default headers (the config's keys) of the columns the roster needs
REQUIRED_COLUMNS = ("first_name", "last_name", "photo_consent")
_YES = {"yes", "y", "true", "1", "granted", "given"}
_NO = {"no", "n", "false", "0", "", "refused", "withdrawn", "not given"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Pupil:
    """One pupil: legal names, an optional known-as first name, and photo consent.

    ``photo_consent`` is True only where parents gave written consent.
    """

    first_name: str
    last_name: str
    photo_consent: bool
    known_as: str | None = None

    @property
    def first_names(self) -> tuple[str, ...]:
        """The legal first name, then the known-as name when it differs."""
        if self.known_as and self.known_as.casefold() != self.first_name.casefold():
            return (self.first_name, self.known_as)
        return (self.first_name,)


def load_roster(config: RosterConfig) -> list[Pupil]:
    """Read the roster the config names, with its column mapping.

    Raises:
        ConfigError: as ``read_roster``.
    """
    return read_roster(
        config.path,
        first_name=config.first_name,
        last_name=config.last_name,
        photo_consent=config.photo_consent,
        known_as=config.known_as,
    )


def read_roster(
    path: Path,
    *,
    first_name: str = "first_name",
    last_name: str = "last_name",
    photo_consent: str = "photo_consent",
    known_as: str | None = None,
) -> list[Pupil]:
    """Read and check the roster CSV; the keyword arguments are the export's headers.

    Headers match without regard to case or surrounding spaces. Consent is
    yes/no (also y/n, true/false, 1/0, granted/refused; empty means no).

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
    wanted = {"first_name": first_name, "last_name": last_name, "photo_consent": photo_consent}
    if known_as is not None:
        wanted["known_as"] = known_as
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().casefold() for h in reader.fieldnames or []]
    missing = [name for name in wanted.values() if name.strip().casefold() not in header]
    if missing:
        raise ConfigError(
            f"{path}:1: roster header lacks column(s) {', '.join(missing)}"
            " (set [roster] first_name, last_name, photo_consent or known_as"
            " to the export's headers)"
        )
    reader.fieldnames = header
    keys = {role: name.strip().casefold() for role, name in wanted.items()}
    pupils: list[Pupil] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            raise ConfigError(f"{path}:{line}: more fields than the header has columns")
        values = {role: (row.get(key) or "").strip() for role, key in keys.items()}
        for role in ("first_name", "last_name"):
            if not values[role]:
                raise ConfigError(f"{path}:{line}: column {wanted[role]}: empty")
        consent = values["photo_consent"].lower()
        if consent not in _YES | _NO:
            raise ConfigError(
                f"{path}:{line}: column {wanted['photo_consent']}: {consent!r} is not yes or no"
            )
        pupils.append(
            Pupil(
                first_name=values["first_name"],
                last_name=values["last_name"],
                photo_consent=consent in _YES,
                known_as=values.get("known_as") or None,
            )
        )
    return pupils
