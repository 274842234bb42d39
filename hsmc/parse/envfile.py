"""Reads the names a .env file defines (for `hsmc check --env-file`). Values are looked at
only to tell an empty one from a set one, and a URL-safe one from one that is not; they never
leave this module."""

from __future__ import annotations

import re
from pathlib import Path

from hsmc.errors import CompileError, Diagnostic

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$")


# RFC 3986 unreserved characters and sub-delimiters: what a URL's user, password or path
# segment holds as it is. Everything else (@ / : # % ? [ ], spaces, non-ASCII) must be
# percent-encoded, which nothing between .env and a client does.
_URL_SAFE = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=-]*")


def defined_names(path: Path, shown: str) -> dict[str, bool]:
    """{name: whether its value is non-empty} for every assignment in a dotenv file."""
    return {name: bool(value) for name, value in _values(path, shown).items()}


def url_unsafe_names(path: Path, shown: str) -> set[str]:
    """The names whose value in a dotenv file would change a URL's meaning if inserted as is."""
    return {n for n, value in _values(path, shown).items() if not _URL_SAFE.fullmatch(value)}


def _values(path: Path, shown: str) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CompileError([Diagnostic("HSM009", f"cannot read {shown}: {exc}", None)]) from exc
    names: dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        value = match.group(2).strip()
        if value[:1] in ("'", '"'):
            value = value[1:].split(value[0], 1)[0]
        else:
            value = value.split(" #", 1)[0].strip()
        names[match.group(1)] = value
    return names
