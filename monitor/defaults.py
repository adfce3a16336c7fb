"""Where the default word lists shipped with the program are found."""

from __future__ import annotations

from pathlib import Path


def default_lists_dir() -> Path:
    """The folder holding the default word lists (``abuse.txt`` ...).

    An installed wheel carries ``config/lists`` inside the package as
    ``monitor/default_lists`` (pyproject's force-include); a source checkout or
    an editable install reads ``config/lists`` beside the package.
    """
    packaged = Path(__file__).with_name("default_lists")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "config" / "lists"
