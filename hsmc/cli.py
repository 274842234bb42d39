"""Command line: options in, a pipeline call, diagnostics out, an exit status.

Exit status (SPEC §5): 0 success, 1 invalid input, 2 usage error, 3 a bug in hsmc.
Heavy modules are imported inside the commands, so `hsmc --version` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from hsmc import __version__

T = TypeVar("T")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="hsmc", message="%(prog)s %(version)s")
def main() -> None:
    """hsmc compiles hsm.yaml and a registry into docker-compose.yml, .env.template,
    packages.env, requirements.txt, install.sh and STACK.md."""


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Output directory (default: the manifest's `output`, else generated/).",
)
@click.option(
    "--registry",
    "registries",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A registry root searched before the manifest's (repeatable).",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 with a diff when the output directory is not up to date.",
)
@click.option("--force", is_flag=True, help="Overwrite generated files edited by hand.")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks of internal errors.")
def build(
    path: Path,
    output: Path | None,
    registries: tuple[Path, ...],
    check_only: bool,
    force: bool,
    debug: bool,
) -> None:
    """Compile the project at PATH (a directory holding hsm.yaml, or the file) and write its
    artifacts."""
    from hsmc.parse import Inputs, display_path
    from hsmc.pipeline import build as run_build
    from hsmc.pipeline import compile_project
    from hsmc.write import stale_report

    inputs = Inputs(path=path, registries=registries, output=output)
    if check_only:
        compiled = _run(lambda: compile_project(inputs), debug)
        report = stale_report(compiled.artifacts, compiled.output)
        shown = display_path(compiled.output, Path.cwd().resolve())
        if report:
            click.echo(report, nl=False)
            click.echo(f"hsmc: {shown} is not up to date; run `hsmc build`", err=True)
            sys.exit(1)
        click.echo(f"hsmc: {shown} is up to date", err=True)
        return
    result = _run(lambda: run_build(inputs, force=force), debug)
    shown = display_path(result.output, Path.cwd().resolve())
    click.echo(f"hsmc: wrote {len(result.artifacts)} files to {shown}", err=True)


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
@click.option(
    "--registry",
    "registries",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A registry root searched before the manifest's (repeatable).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the diagnostics.",
)
@click.option(
    "--env-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also report the required run-time inputs this .env file does not set.",
)
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks of internal errors.")
def check(
    path: Path, registries: tuple[Path, ...], fmt: str, env_file: Path | None, debug: bool
) -> None:
    """Validate the project at PATH; write nothing."""
    from hsmc.errors import CompileError, Diagnostic
    from hsmc.parse import Inputs, display_path
    from hsmc.parse.envfile import defined_names
    from hsmc.pipeline import compile_project
    from hsmc.report import render_json, render_text, use_colour
    from hsmc.validate import missing_inputs

    def run() -> tuple[Diagnostic, ...]:
        try:
            result = compile_project(Inputs(path=path, registries=registries))
        except CompileError as exc:
            return exc.diagnostics
        if env_file is None:
            return ()
        shown = display_path(env_file.resolve(), Path.cwd().resolve())
        return missing_inputs(result.compiled.inputs, defined_names(env_file, shown), shown)

    diagnostics = _run(run, debug)
    if fmt == "json":
        click.echo(render_json(diagnostics), nl=False)
    elif diagnostics:
        colour = use_colour(sys.stderr.isatty())
        click.echo(render_text(diagnostics, colour, written=False), err=True, nl=False)
    else:
        click.echo("hsmc: no problems found", err=True)
    sys.exit(1 if diagnostics else 0)


def _run(step: Callable[[], T], debug: bool) -> T:
    from hsmc.errors import CompileError
    from hsmc.report import render_text, use_colour

    try:
        return step()
    except CompileError as exc:
        colour = use_colour(sys.stderr.isatty())
        click.echo(render_text(exc.diagnostics, colour), err=True, nl=False)
        sys.exit(1)
    except Exception as exc:
        if debug or os.environ.get("HSMC_DEBUG"):
            raise
        click.echo(
            f"hsmc: internal error (this is a bug in hsmc, please report it with the input that "
            f"caused it): {type(exc).__name__}: {exc}",
            err=True,
        )
        sys.exit(3)
