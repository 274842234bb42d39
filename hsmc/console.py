"""`hsmc build` without click: its options, read as click reads them when they are plain, and
the code that both ways of running it share.

click costs about 10 ms to import, a seventh of what an edit+build may cost at most (issue 21).
So entry.py asks `parse_build` first: an argv made only of `build`, a PATH and the options in
OPTIONS, each spelled out whole (`--output DIR`, `--output=DIR`, `-o DIR`), with values that
click would take as they are, is run here (`standalone`); anything else (`--help`, `-oDIR`,
an unknown or misspelt option, `--`, a value click would refuse or that starts with `-`, a
second PATH, shell completion) returns None, and click runs the command as before, with its
own messages. Both run `build` below and print through `echo`, which writes what click.echo
writes (and is click.echo, for any text that is not plain ASCII); tests/test_console.py runs
every kind of argv both ways and compares stdout, stderr, exit status and outputs, and checks
that OPTIONS is exactly the options cli.py gives `build`: an option added there and not here
fails it (until then such an argv would simply go to click).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from hsmc import targets

if TYPE_CHECKING:
    from hsmc.pipeline import Inputs

T = TypeVar("T")


class BuildOptions(NamedTuple):
    """The parameters of cli.py's `build`, by the same names."""

    path: Path | None = None
    output: Path | None = None
    registries: tuple[Path, ...] = ()
    check_only: bool = False
    force: bool = False
    target: str | None = None
    environment: str | None = None
    no_cache: bool = False
    debug: bool = False


# Each spelling of each option of `build` (cli.py), the parameter it sets, and its kind: "flag";
# "path" (click.Path: any path; if it exists, readable); "directory" (click.Path with
# file_okay=False; repeatable); "target" (click.Choice of the targets' names); "text" (a
# plain value, taken as it is).
OPTIONS: dict[str, tuple[str, str]] = {
    "-o": ("output", "path"),
    "--output": ("output", "path"),
    "--registry": ("registries", "directory"),
    "--check": ("check_only", "flag"),
    "--force": ("force", "flag"),
    "--target": ("target", "target"),
    "--no-cache": ("no_cache", "flag"),
    "--debug": ("debug", "flag"),
    "-e": ("environment", "text"),
    "--environment": ("environment", "text"),
}


def parse_build(argv: list[str], environ: Mapping[str, str]) -> BuildOptions | None:
    """The options of a plain `build` argv, as click would parse them; None for anything
    click should parse (and perhaps refuse) itself."""
    if not argv or argv[0] != "build" or any(_completion(k) for k in environ):
        return None
    options, registries, rest = BuildOptions(), list[Path](), argv[1:]
    while rest:
        token = rest.pop(0)
        name, given, value = token.partition("=") if token.startswith("--") else (token, "", "")
        if name not in OPTIONS:
            if token.startswith("-") or options.path is not None or not _plain(token):
                return None  # an option of click's, or one it refuses; a second PATH
            if not _as_click_path(token, file_okay=True):
                return None
            options = options._replace(path=Path(token))
            continue
        field, kind = OPTIONS[name]
        if kind == "flag":
            if given:
                return None  # click: "Option '--force' does not take a value."
            options = _set(options, field, True)
            continue
        if not given:
            if not rest:
                return None  # click: "Option '-o' requires an argument."
            value = rest.pop(0)
        taken = _value(value, kind)
        if taken is None:
            return None
        if isinstance(taken, Path) and kind == "directory":
            registries.append(taken)
        else:
            options = _set(options, field, taken)
    return options._replace(registries=tuple(registries))


def _set(options: BuildOptions, field: str, value: object) -> BuildOptions:
    """One parameter set by its name: OPTIONS names BuildOptions' fields, and each kind gives
    its field's type (tests/test_console.py parses every option into its field)."""
    return options._replace(**{field: value})  # type: ignore[arg-type]


def _completion(variable: str) -> bool:
    """click's shell completion is asked for through `_PROG_COMPLETE` (click runs it)."""
    return variable.startswith("_") and variable.endswith("_COMPLETE")


def _plain(value: str) -> bool:
    """Not empty, no leading `-`, and text (not bytes of a file name that is not UTF-8)."""
    if not value or value.startswith("-"):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _value(value: str, kind: str) -> object | None:
    if not _plain(value):
        return None
    if kind == "text":
        return value
    if kind == "target":
        return value if value in targets.NAMES else None
    return Path(value) if _as_click_path(value, file_okay=kind == "path") else None


def _as_click_path(value: str, file_okay: bool) -> bool:
    """What click.Path accepts without a message: a path that does not exist, or one that is a
    directory (or a file, where files are allowed) and readable."""
    try:
        mode = os.stat(value).st_mode
    except OSError:
        return True
    import stat

    if stat.S_ISREG(mode) and not file_okay:
        return False
    return os.access(value, os.R_OK)


def echo(message: str, err: bool = False, nl: bool = True) -> None:
    """click.echo: plain ASCII is written as click writes it (click would strip an ANSI escape
    from a stream that is no terminal, and re-encode a stream it finds misconfigured: such
    text goes to click.echo itself)."""
    if not message.isascii() or "\x1b" in message:
        import click

        click.echo(message, err=err, nl=nl)
        return
    stream = sys.stderr if err else sys.stdout
    stream.write(f"{message}\n" if nl else message)
    stream.flush()


def standalone(options: BuildOptions) -> None:
    """`build` as click's standalone mode runs a command: exit 0 after it, "Aborted!" on an
    interrupt, a broken pipe silenced (exit 1); raises SystemExit in every case."""
    try:
        build(options)
    except (EOFError, KeyboardInterrupt):
        echo("", err=True)
        echo("Aborted!", err=True)
        sys.exit(1)
    except OSError as exc:
        import errno

        if exc.errno != errno.EPIPE:
            raise
        sys.stdout = _Pacified(sys.stdout)
        sys.stderr = _Pacified(sys.stderr)
        sys.exit(1)
    sys.exit(0)


class _Pacified:
    """click's PacifyFlushWrapper: a stream whose flush ignores a broken pipe (at exit)."""

    def __init__(self, wrapped: object) -> None:
        self._wrapped = wrapped

    def flush(self) -> None:
        import errno

        try:
            self._wrapped.flush()  # type: ignore[attr-defined]
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise

    def __getattr__(self, name: str) -> object:
        return getattr(self._wrapped, name)


def build(o: BuildOptions) -> None:
    """`hsmc build`, once its options are parsed (by click or by parse_build)."""
    from hsmc import pipeline
    from hsmc.pipeline import display_path

    inputs = inputs_of(o.path, o.registries, output=o.output, cache=not o.no_cache)
    if o.check_only:
        stale = False
        check = lambda: pipeline.check_up_to_date(inputs, o.target, o.environment)  # noqa: E731
        for staleness in run_step(check, o.debug):
            shown = display_path(staleness.output, Path.cwd().resolve())
            if staleness.abandoned:
                echo(f"no longer generated: {shown}/ (an earlier build's output)")
                echo(
                    f"hsmc: {shown} holds the output of an earlier build that no environment or "
                    "target of hsm.yaml writes now; remove the files its .hsmc-generated lists, "
                    "and that file",
                    err=True,
                )
                stale = True
            elif staleness.report:
                echo(staleness.report, nl=False)
                echo(f"hsmc: {_stale_advice(shown, staleness.edited)}", err=True)
                stale = True
            else:
                echo(f"hsmc: {shown} is up to date", err=True)
        sys.exit(1 if stale else 0)
    results = run_step(
        lambda: pipeline.build(inputs, force=o.force, target=o.target, environment=o.environment),
        o.debug,
        writes=True,
    )
    for result in results:  # the warnings for stack.notes (once), then each target's summary
        for line in result.messages:
            echo(line, err=True)


def _stale_advice(shown: str, edited: tuple[str, ...]) -> str:
    if not edited:
        return f"{shown} is not up to date; run `hsmc build`"
    # a plain `hsmc build` would refuse these (HSM411): say what works
    return (
        f"{shown} is not up to date and was edited by hand ({', '.join(edited)}); move the "
        "change into hsm.yaml or the registry, then run `hsmc build --force`"
    )


def inputs_of(
    path: Path | None,
    registries: tuple[Path, ...],
    output: Path | None = None,
    cache: bool = True,
) -> Inputs:
    """No PATH: hsm.yaml is searched from the current directory upwards."""
    from hsmc.pipeline import Inputs

    return Inputs(path or Path("."), registries, output, cache=cache, search_up=path is None)


def run_step(step: Callable[[], T], debug: bool, writes: bool = False) -> T:
    """Runs a command's work: a project the command line asks too much of (`-e NAME`) →
    diagnostics and exit 2; invalid input, or a file the system refuses (HSM009) →
    diagnostics and exit 1; a bug → exit 3."""
    from hsmc import pipeline
    from hsmc.errors import CompileError, UsageError
    from hsmc.report import render_text, use_colour

    try:
        return step()
    except UsageError as exc:  # the command line named what the project lacks (`-e NAME`)
        colour = use_colour(sys.stderr.isatty())
        echo(render_text(exc.diagnostics, colour, written=False), err=True, nl=False)
        sys.exit(2)
    except CompileError as exc:
        colour = use_colour(sys.stderr.isatty())
        written = pipeline.output_untouched(exc.diagnostics, writes)
        echo(render_text(exc.diagnostics, colour, written=written), err=True, nl=False)
        sys.exit(1)
    except OSError as exc:
        # the system refused a file (the known places report it with a location already): the
        # environment's doing, not a bug in hsmc
        if debug or os.environ.get("HSMC_DEBUG"):
            raise
        error = pipeline.os_error(exc)
        text = render_text((error,), use_colour(sys.stderr.isatty()), written=writes)
        echo(text, err=True, nl=False)
        sys.exit(1)
    except Exception as exc:
        if debug or os.environ.get("HSMC_DEBUG"):
            raise
        echo(
            f"hsmc: internal error (this is a bug in hsmc, please report it with the input that "
            f"caused it): {type(exc).__name__}: {exc}",
            err=True,
        )
        sys.exit(3)
