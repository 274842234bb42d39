"""Diagnostics are data: a stable code, a short message, a span, an optional hint.

Stages collect every diagnostic they find and raise once with all of them (CompileError);
report.py renders them. Codes are stable and documented in docs/errors.md:

  HSM0xx  YAML syntax and schema (parse)
  HSM1xx  names and references between entries (validate)
  HSM2xx  selection of modes, profiles and sources (validate, resolve)
  HSM3xx  ${…} references and values (interpolate, validate)
  HSM4xx  paths, files and the output directory (validate, write)
  HSM5xx  run-time inputs (`check --env-file`)
  HSM6xx  the commands' own arguments and actions (`explain`, `registry`, `init`, `sync`)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hsmc.codes import CODES
from hsmc.model import Span
from hsmc.record import Record, setfield


class Related(Record):
    message: str
    span: Span

    def __init__(self, message: str, span: Span) -> None:
        setfield(self, "message", message)
        setfield(self, "span", span)


class Diagnostic(Record):
    code: str
    message: str
    span: Span | None
    hint: str | None
    related: tuple[Related, ...]

    def __init__(
        self,
        code: str,
        message: str,
        span: Span | None,
        hint: str | None = None,
        related: tuple[Related, ...] = (),
    ) -> None:
        if code not in CODES:  # a new code goes into hsmc/codes.py and docs/errors.md
            raise ValueError(f"diagnostic code {code} is not in hsmc/codes.py")
        setfield(self, "code", code)
        setfield(self, "message", message)
        setfield(self, "span", span)
        setfield(self, "hint", hint)
        setfield(self, "related", related)

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.col, self.code)


class CompileError(Exception):
    """Invalid input: carries every diagnostic a stage found, sorted by file and line."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        unique = dict.fromkeys(diagnostics)  # one cause reported once, order kept
        self.diagnostics = tuple(sorted(unique, key=Diagnostic.sort_key))
        first = self.diagnostics[0] if self.diagnostics else None
        super().__init__(first.message if first else "invalid input")


class Collector:
    """Gathers a stage's diagnostics; `raise_if_any` ends the stage when something was wrong."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def add(
        self,
        code: str,
        message: str,
        span: Span | None,
        hint: str | None = None,
        related: tuple[Related, ...] = (),
    ) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint, related))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    def raise_if_any(self) -> None:
        if self.diagnostics:
            raise CompileError(self.diagnostics)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def printable(text: str) -> str:
    """Text for a message: control characters as escapes, so that a hostile name can neither
    break the message's line nor reach a terminal as an escape sequence."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `name`, or None when nothing is close."""
    import difflib

    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    close = closest(name, candidates)
    return f"did you mean `{close}`?" if close else None


def one_of(names: Iterable[str], what: str) -> str:
    listed = ", ".join(f"`{n}`" for n in sorted(set(names)))
    return f"defined {what}: {listed}" if listed else f"no {what} are defined"


class UsageError(CompileError):
    """The command line names what the project does not have (`-e NAME`): a usage error, exit
    2, as click's own for an option's value; the diagnostic still says where to look."""
