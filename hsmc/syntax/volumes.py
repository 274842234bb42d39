"""`volumes:` items, short (`[SOURCE:]TARGET[:MODE]`) or long syntax, read as compose reads them
into (kind, source, target, read-only): a source starting with `.`, `/` or `~` is a path of the
machine (a bind mount), a name is a named volume, a reference decides at run time; no source is
an anonymous volume. Compose refuses an empty section (`data:/x:`); a target that is not
absolute, a volume name it cannot create and a mode it does not know are refused too (compose
accepts them in `config` and fails at `up`, or ignores the mode without a word).
"""

from __future__ import annotations

import re

from hsmc.record import Record, setfield
from hsmc.syntax import Problem, split_outside_refs

KINDS = ("volume", "bind", "tmpfs", "anonymous", "unknown")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_MODES = {"ro", "rw", "z", "Z", "nocopy", "consistent", "cached", "delegated"}
_MODES |= {"shared", "slave", "private", "rshared", "rslave", "rprivate"}
_LONG_KEYS = ("type", "source", "target", "read_only", "bind", "volume", "tmpfs", "consistency")
_LONG_TYPES = ("volume", "bind", "tmpfs")
_SYNTAX = "`VOLUME:/path`, `./dir:/path[:ro]` or `/path`"


class Mount(Record):
    kind: str  # one of KINDS
    source: str | None  # the volume's name or the path as written; None: anonymous, tmpfs
    target: str
    read_only: bool

    def __init__(self, kind: str, source: str | None, target: str, read_only: bool) -> None:
        setfield(self, "kind", kind)
        setfield(self, "source", source)
        setfield(self, "target", target)
        setfield(self, "read_only", read_only)


def short(text: str) -> Mount | Problem:
    fields = split_outside_refs(text, ":")
    if len(fields) > 3 or "" in fields:
        return Problem(f"`{text}` is not a volume compose can read", f"write {_SYNTAX}")
    if len(fields) == 1:
        return _target(Mount("anonymous", None, fields[0], False))
    source, target = fields[0], fields[1]
    modes = fields[2].split(",") if len(fields) == 3 else []
    unknown = [m for m in modes if m not in _MODES and "${" not in m]
    if unknown:
        return Problem(
            f"volume `{text}` has an unknown mode `{unknown[0]}`",
            "modes are ro, rw, z, Z, nocopy and the propagation modes, comma-separated",
        )
    kind = kind_of(source)
    if isinstance(kind, Problem):
        return kind
    return _target(Mount(kind, source, target, "ro" in modes))


def kind_of(source: str) -> str | Problem:
    if source.startswith("${"):
        return "unknown"
    if source[:1] in "./~":
        return "bind"
    if _NAME.fullmatch(source):
        return "volume"
    return Problem(
        f"`{source}` is neither a volume name nor a path",
        "name a volume with letters, digits, `_`, `.` and `-`; start a path with `./` or `/`",
    )


def long(fields: dict[str, str], nested: set[str]) -> Mount | Problem:
    """A long-syntax item: `fields` its single values, `nested` the keys holding a mapping."""
    for key in (*fields, *nested):
        if key not in _LONG_KEYS:
            keys = ", ".join(f"`{k}`" for k in _LONG_KEYS)
            return Problem(f"`{key}` is not a key of a long-syntax volume", f"use {keys}")
    kind = fields.get("type", "")
    if kind not in _LONG_TYPES:
        return Problem(
            f"a long-syntax volume of type `{kind}`"
            if kind
            else "a long-syntax volume without a type",
            "give it `type: volume`, `type: bind` or `type: tmpfs`",
        )
    source = fields.get("source")
    if kind == "tmpfs":
        source = None
    elif not source:
        kind = "anonymous" if kind == "volume" else kind
        if kind == "bind":
            return Problem("a bind mount without a `source`", "give it `source: ./dir`")
    elif kind == "volume" and not _NAME.fullmatch(source) and not source.startswith("${"):
        return Problem(f"`{source}` is not a volume name", "use letters, digits, `_`, `.`, `-`")
    read_only = fields.get("read_only", "false").lower() in ("true", "yes", "1")
    return _target(Mount(kind, source, fields.get("target", ""), read_only))


def _target(mount: Mount) -> Mount | Problem:
    if mount.target.startswith("/") or mount.target.startswith("${"):
        return mount
    return Problem(
        f"volume target `{mount.target}` is not an absolute path in the container"
        if mount.target
        else "a volume without a `target`",
        "write the path inside the container from `/`",
    )
