"""Reads the names a .env file defines (for `hsmc check --env-file`). Values are looked at
only to tell an empty one from a set one; they never leave this module."""

from __future__ import annotations

import re
from pathlib import Path

from hsmc.errors import CompileError, Diagnostic

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$")


def defined_names(path: Path, shown: str) -> dict[str, bool]:
    """{name: whether its value is non-empty} for every assignment in a dotenv file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CompileError([Diagnostic("HSM009", f"cannot read {shown}: {exc}", None)]) from exc
    names: dict[str, bool] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        value = match.group(2).strip()
        if value[:1] in ("'", '"'):
            value = value[1:].split(value[0], 1)[0]
        else:
            value = value.split(" #", 1)[0].strip()
        names[match.group(1)] = bool(value)
    return names
