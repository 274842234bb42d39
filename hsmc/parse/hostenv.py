"""The environment of a host process, for `hsmc run`: the process's own, then `.env`, then
`packages.env`, merged as a program that calls python-dotenv's `load_dotenv(".env")` and then
`load_dotenv("packages.env")` gets it — by python-dotenv itself (docs/decisions.md, "hsmc run"):
a variable the process has already keeps its value, a file's `${VAR}` expands from the
process's environment first (the variables `.env` added included), then from the file's earlier
lines, and a variable without a value (`KEY` alone) is not set.

`.env` is also read as compose reads it: the containers get compose's values and the host
python-dotenv's, so a line the two read differently (`KEY: value`, `$VAR`, `export` and quotes
in some forms) would give the host another password than its database; it is refused (HSM506),
by name and line, never by value.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from hsmc.errors import CompileError, Diagnostic, printable
from hsmc.model import Span
from hsmc.parse.dotenv_compose import MAX_EXPANSION, ComposeReading
from hsmc.parse.envfile import Locator, compose_reading, read_env_text
from hsmc.record import Record, setfield


class HostEnv(Record):
    env: dict[str, str]  # the whole environment CMD gets
    problems: tuple[Diagnostic, ...]  # .env lines python-dotenv reads otherwise (HSM506)
    disputed: frozenset[str]  # the names of those lines compose reads

    def __init__(
        self,
        env: dict[str, str],
        problems: tuple[Diagnostic, ...] = (),
        disputed: frozenset[str] = frozenset(),
    ) -> None:
        setfield(self, "env", env)
        setfield(self, "problems", problems)
        setfield(self, "disputed", disputed)


def host_environment(
    env_file: Path | None,
    shown: str,
    packages_env: Path,
    environ: Mapping[str, str],
    template: str | None = None,
) -> HostEnv:
    """`environ` (the process's), then `env_file` (None: there is none to load), then
    `packages_env`, as load_dotenv merges them. Raises CompileError for a .env file that
    cannot be read (HSM009, HSM503, HSM504)."""
    env = dict(environ)
    problems: tuple[Diagnostic, ...] = ()
    disputed: frozenset[str] = frozenset()
    if env_file is not None:
        text = read_env_text(env_file, shown, template)
        where = Locator(text, shown)
        reading = compose_reading(text, where, environ)
        text = _universal_newlines(text)
        _refuse_a_large_expansion(text, environ, where)
        dotenv_values, lines = _load(env, io.StringIO(text))
        names = reading.values.keys() | dotenv_values.keys()
        disputed = frozenset(
            n for n in names if n not in environ and reading.values.get(n) != dotenv_values.get(n)
        )
        problems = tuple(_disagreement(where, n, reading, lines) for n in sorted(disputed))
        disputed &= reading.values.keys()
    try:
        packages = packages_env.read_text(encoding="utf-8")
    except OSError as exc:
        message = f"cannot read {packages_env}: {exc.strerror or exc}"
        raise CompileError([Diagnostic("HSM009", message, None, "run `hsmc build`")]) from None
    _load(env, io.StringIO(_universal_newlines(packages)))
    return HostEnv(env, problems, disputed)


def _refuse_a_large_expansion(text: str, environ: Mapping[str, str], where: Locator) -> None:
    """python-dotenv expands `${NAME}` where compose does not (in single quotes): `B='${A}${A}'`
    doubles per line. An upper bound of each value's length, from python-dotenv's own parse,
    keeps that under compose's limit (HSM504) before python-dotenv builds anything."""
    from dotenv.parser import parse_stream
    from dotenv.variables import Literal, Variable, parse_variables

    sizes: dict[str, int] = {name: len(value) for name, value in environ.items()}
    total = 0
    for binding in parse_stream(io.StringIO(text)):
        if binding.key is None or binding.value is None:
            continue
        size = 0
        for atom in parse_variables(binding.value):
            if isinstance(atom, Literal):
                size += len(atom.value)
            elif isinstance(atom, Variable):  # the longest it can be: any source, the default
                size += max(sizes.get(atom.name, 0), len(atom.default or ""))
        sizes[binding.key] = max(size, sizes.get(binding.key, 0))
        total += size
        if total > MAX_EXPANSION + len(text):
            problem = "references that expand to more than 4 MiB (for python-dotenv)"
            raise CompileError([where.too_large(binding.original.line, problem)])


def _universal_newlines(text: str) -> str:
    """What open(path, encoding="utf-8") hands python-dotenv (load_dotenv opens it so)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _load(env: dict[str, str], stream: io.StringIO) -> tuple[dict[str, str], dict[str, int]]:
    """`load_dotenv(stream=…)` into `env` instead of os.environ, by python-dotenv's own code
    (its DotEnv reads os.environ, so os.environ is `env` while it runs, and is restored).
    Returns the file's values (the variables it would set, before the environment wins) and
    the line of each name's last assignment."""
    from dotenv.main import DotEnv
    from dotenv.parser import parse_stream

    text = stream.getvalue()
    lines = {b.key: b.original.line for b in parse_stream(io.StringIO(text)) if b.key is not None}
    saved = dict(os.environ)
    quiet = logging.getLogger("dotenv.main")  # its "could not parse" is said by HSM506
    was_disabled, quiet.disabled = quiet.disabled, True
    try:
        os.environ.clear()
        os.environ.update(env)
        dotenv = DotEnv(None, stream=io.StringIO(text), override=False)
        values = {k: v for k, v in dotenv.dict().items() if v is not None}
        dotenv.set_as_environment_variables()  # load_dotenv without PYTHON_DOTENV_DISABLED
        env.clear()
        env.update(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        quiet.disabled = was_disabled
    return values, lines


def _disagreement(
    where: Locator, name: str, reading: ComposeReading, lines: dict[str, int]
) -> Diagnostic:
    """HSM506 at the line compose reads `name` from (else python-dotenv's, without the name:
    what python-dotenv takes for a name there may be part of a value)."""
    hint = (
        "write `NAME=value`, or `NAME='value'` for a value with blanks or `#` (without `\\` "
        "or `${`): `NAME: value`, `$VAR` without braces and escapes read differently"
    )
    assigned = [a for a in reading.assignments if a.key == name]
    if not assigned:
        span = Span(where.shown, lines.get(name, 1))
        message = (
            f"python-dotenv reads a variable at line {span.line} of {where.shown} that Docker "
            "Compose does not"
        )
        return Diagnostic("HSM506", message, span, hint)
    last = assigned[-1]
    bare = last.separator < 0 or where.text[last.separator] == "\n"
    span = where.span(last.start, -1 if bare else last.separator + 1)
    message = (
        f"python-dotenv and Docker Compose read `{printable(name)}` in {where.shown} "
        "differently: `hsmc run` would give host code another value than the containers"
    )
    return Diagnostic("HSM506", message, span, hint)
