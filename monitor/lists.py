"""Reading word-list files: one term per line, ``#`` starts a comment.

This is the file I/O the pure rules must not do; rules receive the terms.
"""

from __future__ import annotations

from pathlib import Path

from monitor.errors import ConfigError


def read_terms(path: Path) -> list[str]:
    """The terms in a word-list file, comments and blank lines dropped, order kept.

    Raises:
        ConfigError: the file cannot be read or is not UTF-8 (naming the file and line).
    """
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read word list: {err.strerror}") from None
    terms: list[str] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{path}:{number}: word list is not UTF-8 text") from None
        term = text.split("#", 1)[0].strip()
        if term:
            terms.append(term)
    return terms
