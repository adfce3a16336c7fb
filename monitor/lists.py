"""Word-list files: one entry a line, ``#`` comments.

``parse_terms`` is pure; ``read_terms`` is the file I/O the rules must not do.
The entry syntax itself (``word*``, ``!exception``, ``; urgent``) belongs to
the rule that reads the list and is checked there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from monitor.errors import ConfigError


def parse_terms(lines: Iterable[str]) -> list[str]:
    """The entries of a word list: its lines without comments, blanks or padding.

    A line starting with ``#`` is a comment, and so is whitespace-then-``#``
    and what follows on an entry's line. Entries are returned as written;
    ``AbuseRule`` checks their syntax.
    """
    entries: list[str] = []
    for line in lines:
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        comment = re.search(r"\s#", entry)
        if comment is not None:
            entry = entry[: comment.start()].rstrip()
        entries.append(entry)
    return entries


def read_terms(path: Path) -> list[str]:
    """The entries of the word-list file at ``path``.

    Raises:
        ConfigError: the file cannot be read or is not UTF-8 (naming the file and line).
    """
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read word list: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: word list is not UTF-8 text") from None
    return parse_terms(text.splitlines())
