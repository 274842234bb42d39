"""Paths named in input files and on the command line, checked before the system sees them:
a NUL or an over-long name would otherwise surface as an exception deep in a stage."""

from __future__ import annotations

NAME_MAX = 255  # bytes in one path component (Linux, macOS)
PATH_MAX = 4095  # bytes in a whole path (Linux)
HINT = "a file name holds at most 255 bytes and a path at most 4095, without a NUL character"


def problem(path: str) -> str | None:
    """Why no system call can take `path` (as a message tail), or None."""
    if "\0" in path:
        return "holds a NUL character"
    encoded = path.encode("utf-8", "surrogatepass")
    if any(len(part) > NAME_MAX for part in encoded.split(b"/")):
        return f"has a name longer than {NAME_MAX} bytes"
    if len(encoded) > PATH_MAX:
        return f"is longer than {PATH_MAX} bytes"
    return None


def shown(value: str) -> str:
    """`value` for a message: a NUL made visible, a long value shortened in the middle."""
    value = value.replace("\0", "\\0")
    return value if len(value) <= 60 else f"{value[:40]}…{value[-12:]}"
