"""Reads a filled-in `.env` for `hsmc check --env-file` and `hsmc run`, as the consumer of each
target reads it: Docker Compose (EnvDialect.COMPOSE_GO, dotenv_compose.py) or Kustomize's
secretGenerator (EnvDialect.KUSTOMIZE: the lines Kustomize reads differently from compose are
refused, dotenv_kustomize.py). Values are looked at only to tell an empty one from a set one,
a URL-safe one from one that is not, and to read a port number (the compose target's host-port
check compares them); no other value leaves this module, and no diagnostic shows one (a snippet
shows the line up to its value, then `…`).

The file is refused before it is read when it is not a regular file (a FIFO would block, a
device never end) or is larger than LIMIT (HSM504).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path

from hsmc.errors import CompileError, Diagnostic, printable
from hsmc.model import EnvDialect, Span
from hsmc.parse.dotenv_compose import (
    ComposeEnvError,
    ComposeReading,
    TooLarge,
    line_of,
    read_compose,
)
from hsmc.parse.dotenv_kustomize import Difference, differences, read_kustomize
from hsmc.record import Record, setfield

LIMIT = 1024 * 1024  # bytes: a filled-in .env is a few KiB; the YAML inputs' limit too

# RFC 3986 unreserved characters and sub-delimiters: what a URL's user, password or path
# segment holds as it is. Everything else (@ / : # % ? [ ], spaces, non-ASCII) must be
# percent-encoded, which nothing between .env and a client does.
_URL_SAFE = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=-]*")
_PORT = re.compile(r"[0-9]{1,5}")


class EnvFacts(Record):
    """What checks may know of the values a consumer reads: never the values."""

    nonempty: dict[str, bool]  # every name set (the environment's too, for compose): non-empty?
    url_unsafe: frozenset[str]  # names whose value would change a URL's meaning
    problems: tuple[Diagnostic, ...]  # lines the dialect reads differently (HSM505)
    ports: dict[str, int]  # values that are port numbers

    def __init__(
        self,
        nonempty: dict[str, bool],
        url_unsafe: frozenset[str],
        problems: tuple[Diagnostic, ...],
        ports: dict[str, int],
    ) -> None:
        setfield(self, "nonempty", nonempty)
        setfield(self, "url_unsafe", url_unsafe)
        setfield(self, "problems", problems)
        setfield(self, "ports", ports)

    @classmethod
    def of(cls, values: Mapping[str, str], problems: tuple[Diagnostic, ...] = ()) -> EnvFacts:
        unsafe = frozenset(n for n, v in values.items() if not _URL_SAFE.fullmatch(v))
        ports = {n: int(v) for n, v in values.items() if _PORT.fullmatch(v) and int(v) < 65536}
        return cls({n: bool(v) for n, v in values.items()}, unsafe, problems, ports)


def read_env_file(
    path: Path,
    shown: str,
    dialect: EnvDialect,
    environ: Mapping[str, str],
    template: str | None = None,
) -> EnvFacts:
    """The facts of `path` as `dialect` reads it. For compose, `environ` is the process
    environment: compose expands `$VAR` in the file from it first, and a variable it sets
    wins over the file's. Kustomize reads no environment. `template` (shown as the user
    types it) is the .env.template a missing file is copied from. Raises CompileError
    (HSM009, HSM503, HSM504)."""
    text = read_env_text(path, shown, template)
    where = Locator(text, shown)
    reading = compose_reading(text, where, environ if dialect is EnvDialect.COMPOSE_GO else {})
    if dialect is EnvDialect.COMPOSE_GO:
        return EnvFacts.of({**reading.values, **environ})
    found = list(differences(text, reading, where.line_of))
    facts = EnvFacts.of({p.key: p.value for p in read_kustomize(text)})
    refused = {d.name for d in found if d.name}  # HSM505 says it: one cause, one error
    return EnvFacts(
        {**facts.nonempty, **dict.fromkeys(refused, True)},
        facts.url_unsafe - refused,
        tuple(where.kustomize(d) for d in found),
        {},
    )


def compose_reading(text: str, where: Locator, environ: Mapping[str, str]) -> ComposeReading:
    try:
        return read_compose(text, environ)
    except ComposeEnvError as exc:
        raise CompileError([where.refused(exc)]) from None
    except TooLarge as exc:
        raise CompileError([where.too_large(where.line_of(exc.offset), exc.problem)]) from None


def read_env_text(path: Path, shown: str, template: str | None = None) -> str:
    """The text of a .env file (without a UTF-8 BOM), refused before reading when it is not a
    regular file or is larger than LIMIT."""
    try:
        _refuse_unless_small_file(os.stat(path), shown)
        # O_NONBLOCK: should the path turn into a FIFO after the stat, opening does not wait
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as stream:
            _refuse_unless_small_file(os.fstat(stream.fileno()), shown)
            data = stream.read(LIMIT + 1)
    except FileNotFoundError:
        raise CompileError([_missing(shown, template)]) from None
    except OSError as exc:
        message = f"cannot read {shown}: {exc.strerror or exc}"
        raise CompileError([Diagnostic("HSM009", message, None, _READABLE)]) from None
    if len(data) > LIMIT:  # it grew since the stat
        raise CompileError([_too_large(shown)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        span = Span(shown, line)
        message = f"{shown} is not UTF-8 text (line {line})"
        raise CompileError([Diagnostic("HSM009", message, span, _READABLE)]) from None
    return text.removeprefix("\ufeff")


_READABLE = "make it a readable UTF-8 text file"


def _refuse_unless_small_file(info: os.stat_result, shown: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
        message = f"{shown} is {kind}, not a regular file: hsmc reads .env files only"
        hint = "pass the path of the filled-in .env file"
        raise CompileError([Diagnostic("HSM504", message, None, hint)])
    if info.st_size > LIMIT:
        raise CompileError([_too_large(shown)])


_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _too_large(shown: str) -> Diagnostic:
    message = f"{shown} is larger than 1 MiB, the limit for a .env file"
    hint = "a .env holds the stack's run-time inputs, a line each: is this the right file?"
    return Diagnostic("HSM504", message, None, hint)


def _missing(shown: str, template: str | None) -> Diagnostic:
    hint = "pass the path of the filled-in .env file"
    if template is not None:
        hint = f"copy the template and fill it in: `cp {template} {shown}`"
    return Diagnostic("HSM009", f"no such file: {shown}", None, hint)


class Locator:
    """Spans in a .env file, with the line shown only up to its value."""

    def __init__(self, text: str, shown: str) -> None:
        self.text, self.shown = text, shown
        self.line_of = line_of(text)

    def span(self, offset: int, value_at: int) -> Span:
        line = self.line_of(offset)
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", start)
        whole = self.text[start : len(self.text) if end < 0 else end].removesuffix("\r")
        shown = whole if value_at < 0 else whole[: value_at - start]
        if value_at >= 0 and len(whole) > value_at - start:
            shown += "…"
        return Span(self.shown, line, offset - start + 1, 1, printable(shown))

    def refused(self, exc: ComposeEnvError) -> Diagnostic:
        line = self.line_of(exc.offset)
        start = self.text.rfind("\n", 0, exc.offset) + 1
        span = Span(self.shown, line, exc.offset - start + 1)  # no snippet: it may be a value
        message = f"Docker Compose cannot read line {line} of {self.shown}: {exc.problem}"
        hint = (
            "compose reads nothing from a file it stops in; write `NAME=value` lines (see "
            "docs/format.md §12)"
        )
        return Diagnostic("HSM503", message, span, hint)

    def too_large(self, line: int, problem: str) -> Diagnostic:
        message = f"{self.shown} is past hsmc's limits for a .env file: {problem} (line {line})"
        hint = "a .env file holds plain `NAME=value` lines; limits: docs/format.md §12"
        return Diagnostic("HSM504", message, Span(self.shown, line), hint)

    def kustomize(self, d: Difference) -> Diagnostic:
        what = f"`{printable(d.name)}`" if d.name else "this line"
        message = f"Kustomize reads {what} in {self.shown} differently from compose: {d.reason}"
        hint = (
            "write `NAME=value` with the value as it is: no quotes, no `export`, no comment "
            "or blanks after it, no `$`, one line (Kustomize's secretGenerator takes the rest "
            "of the line after `=` verbatim)"
        )
        return Diagnostic("HSM505", message, self.span(d.offset, d.value_at), hint)
