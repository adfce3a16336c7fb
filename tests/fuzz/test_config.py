"""Bad input for the config: every malformed config exits 2 with the file named, never a traceback.

Documents are mutations of ``config/example.toml``: keys removed, unknown
keys added, values replaced by values of the wrong type or out of range,
and the text itself cut short, corrupted into invalid UTF-8 or invalid TOML.
``social-monitor --config FILE check`` runs in this process (``monitor.cli.main``)
for speed, and a few fixed cases run as the installed command. A mutation
may also leave a valid config: then ``check`` may pass (exit 0) but still
never crashes.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.config import parse_config
from monitor.errors import ConfigError

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_TEXT = (ROOT / "config" / "example.toml").read_text(encoding="utf-8")
EXAMPLE: dict[str, Any] = tomllib.loads(EXAMPLE_TEXT)
SCRIPT = Path(sys.executable).with_name("social-monitor")
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- writing TOML ---------------------------------------------------------------------------


def inline(value: Any) -> str:
    """One TOML value, inline (tables as ``{k = v}``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON escapes are TOML basic-string escapes
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {inline(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def dumps(document: dict[str, Any]) -> str:
    """A TOML document: plain keys first, then ``[tables]`` and ``[[arrays of tables]]``."""
    lines = [f"{json.dumps(k)} = {inline(v)}" for k, v in document.items() if not _table(v)]
    for key, value in document.items():
        if isinstance(value, dict):
            lines.append(f"[{json.dumps(key)}]")
            lines += [f"{json.dumps(k)} = {inline(v)}" for k, v in value.items()]
        elif _table(value):
            for entry in value:
                lines.append(f"[[{json.dumps(key)}]]")
                lines += [f"{json.dumps(k)} = {inline(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def _table(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    )


# -- mutations -------------------------------------------------------------------------------

toml_values = st.recursive(
    st.one_of(
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(),
        st.text(max_size=20),
        st.sampled_from(["", "5x", "0s", "2d", "25:00", "mon 99:00", "none", "tls", "-1",
                         "not-an-email", "https://", "../../etc/passwd", "Europe/Nowhere"]),
        st.dates(),
        st.times(),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)  # fmt: skip


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in ``document`` (dict keys and list indices)."""
    found: list[tuple[Any, ...]] = []
    if isinstance(document, dict):
        for key, value in document.items():
            found.append((*prefix, key))
            found += paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found.append((*prefix, index))
            found += paths(value, (*prefix, index))
    return found


ALL_PATHS = paths(EXAMPLE)


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """The example config with one to four keys removed, retyped or added."""
    document: dict[str, Any] = tomllib.loads(EXAMPLE_TEXT)
    for _ in range(draw(st.integers(1, 4))):
        valid = [p for p in paths(document) if p]
        path = draw(st.sampled_from(valid or ALL_PATHS[:1]))
        try:
            parent = _parent(document, path)
        except (KeyError, IndexError, TypeError):
            continue
        action = draw(st.sampled_from(["remove", "replace", "add"]))
        if action == "remove":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(toml_values)
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(toml_values)
    return document


@st.composite
def corrupted(draw: st.DrawFn) -> bytes:
    """The example's bytes cut short, with bytes replaced, or with text inserted."""
    data = bytearray(EXAMPLE_TEXT.encode())
    how = draw(st.sampled_from(["cut", "bytes", "insert"]))
    if how == "cut":
        return bytes(data[: draw(st.integers(0, len(data)))])
    if how == "bytes":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    at = draw(st.integers(0, len(data)))
    junk = draw(st.one_of(st.binary(max_size=20), st.text(max_size=20).map(_utf8)))
    return bytes(data[:at]) + junk + bytes(data[at:])


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


# -- running check ------------------------------------------------------------------------------


@pytest.fixture(name="folder", scope="module")
def fixture_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def check(path: Path) -> tuple[int, str]:
    """``social-monitor --config PATH check`` in this process: exit code and stderr."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(["--config", str(path), "check"])
    return code, err.getvalue()


def assert_refused_or_valid(path: Path, data: bytes) -> None:
    """Exit 2 naming the file, or exit 0 for a document that really is a valid config."""
    code, err = check(path)
    assert "Traceback" not in err
    if code == 0:
        parse_config(data.decode("utf-8"), path)  # raises if it was not valid after all
        return
    assert code == 2, err
    assert str(path) in err, err


class TestMalformedConfigs:
    @FUZZ
    @given(mutated())
    def test_mutated_example_exits_2_naming_the_file(
        self, folder: Path, document: dict[str, Any]
    ) -> None:
        """Keys removed, retyped or added: exit 2 with the file named (or 0 if still valid)."""
        path = folder / "monitor.toml"
        data = dumps(document).encode("utf-8", "surrogatepass")
        path.write_bytes(data)
        assert_refused_or_valid(path, data)

    @FUZZ
    @given(corrupted())
    def test_corrupted_bytes_exit_2_naming_the_file(self, folder: Path, data: bytes) -> None:
        """Cut short, invalid UTF-8 or invalid TOML: exit 2 with the file named, no traceback."""
        path = folder / "monitor.toml"
        path.write_bytes(data)
        assert_refused_or_valid(path, data)

    def test_the_writer_round_trips_the_example(self) -> None:
        """The test's TOML writer writes back what it read (so mutations mean what they say)."""
        assert tomllib.loads(dumps(EXAMPLE)) == EXAMPLE
        with pytest.raises(ConfigError):  # the example itself needs its secrets and roster
            check_strict(ROOT / "config" / "example.toml")


def check_strict(path: Path) -> None:
    code, err = check(path)
    if code != 0:
        raise ConfigError(err)


CASES = {
    "invalid-utf8": EXAMPLE_TEXT.encode().replace(b"Example Primary", b"Example \xff\xfe Primary"),
    "invalid-toml": EXAMPLE_TEXT.encode().replace(b"[storage]", b"[storage"),
    "wrong-type": EXAMPLE_TEXT.encode().replace(b"port = 8025", b'port = "eighty"'),
    "unknown-key": EXAMPLE_TEXT.encode().replace(b"[storage]", b"[storage]\ncolour = 1"),
    "missing-school": EXAMPLE_TEXT.encode().replace(b"[school]", b"[schol]"),
    "bad-interval": EXAMPLE_TEXT.encode().replace(b'interval = "5m"', b'interval = "5 fortnights"'),
    "empty": b"",
}


class TestAsACommand:
    @pytest.mark.parametrize("case", sorted(CASES))
    def test_exit_2_naming_the_file(self, tmp_path: Path, case: str) -> None:
        """The installed command: exit 2, the file named on stderr, no traceback."""
        path = tmp_path / "monitor.toml"
        path.write_bytes(CASES[case])
        done = subprocess.run(
            [str(SCRIPT), "--config", str(path), "check"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert str(path) in done.stderr
        assert "Traceback" not in done.stderr
