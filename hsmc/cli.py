"""Command line: options in, a pipeline call, diagnostics out, an exit status.

Exit status (SPEC §5): 0 success, 1 invalid input, 2 usage error, 3 a bug in hsmc.
Heavy modules are imported inside the commands, so `hsmc --version` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from hsmc import __version__, observe

if TYPE_CHECKING:
    from hsmc.errors import Diagnostic

T = TypeVar("T")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="hsmc", message="%(prog)s %(version)s")
def main() -> None:
    """hsmc compiles hsm.yaml and a registry into docker-compose.yml, .env.template,
    packages.env, requirements.txt, install.sh and STACK.md."""


_PATH = click.argument("path", type=click.Path(path_type=Path), default=Path("."))
_REGISTRY = click.option(
    "--registry",
    "registries",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A registry root searched before the manifest's (repeatable).",
)
_DEBUG = click.option("--debug", is_flag=True, hidden=True, help="Show internal tracebacks.")
_NO_CACHE = click.option(
    "--no-cache", is_flag=True, help="Parse every input file afresh (skip the parse cache)."
)


@main.command()
@_PATH
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Output directory (default: the manifest's `output`, else generated/).",
)
@_REGISTRY
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 with a diff when the output directory is not up to date.",
)
@click.option("--force", is_flag=True, help="Overwrite generated files edited by hand.")
@_NO_CACHE
@_DEBUG
def build(
    path: Path,
    output: Path | None,
    registries: tuple[Path, ...],
    check_only: bool,
    force: bool,
    no_cache: bool,
    debug: bool,
) -> None:
    """Compile the project at PATH (a directory holding hsm.yaml, or the file) and write its
    artifacts."""
    from hsmc.parse import Inputs, display_path
    from hsmc.pipeline import build as run_build
    from hsmc.pipeline import compile_project
    from hsmc.write import stale_report

    inputs = Inputs(path=path, registries=registries, output=output, cache=not no_cache)
    if check_only:
        compiled = _run(lambda: compile_project(inputs), debug)
        report = _run(lambda: stale_report(compiled.artifacts, compiled.output), debug)
        shown = display_path(compiled.output, Path.cwd().resolve())
        if report:
            click.echo(report, nl=False)
            click.echo(f"hsmc: {shown} is not up to date; run `hsmc build`", err=True)
            sys.exit(1)
        click.echo(f"hsmc: {shown} is up to date", err=True)
        return
    result = _run(lambda: run_build(inputs, force=force), debug, writes=True)
    shown = display_path(result.output, Path.cwd().resolve())
    summary = f"hsmc: wrote {len(result.artifacts)} files to {shown}"
    observe.summary(summary)  # a build skipped by its stamp (stamp.py) prints it again
    click.echo(summary, err=True)


@main.command()
@_PATH
@_REGISTRY
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
    help="Also report the required run-time inputs this .env file does not set, and values "
    "that cannot go into a URL as they are.",
)
@_NO_CACHE
@_DEBUG
def check(
    path: Path,
    registries: tuple[Path, ...],
    fmt: str,
    env_file: Path | None,
    no_cache: bool,
    debug: bool,
) -> None:
    """Validate the project at PATH; write nothing."""
    from hsmc.errors import CompileError, Diagnostic
    from hsmc.parse import Inputs, display_path
    from hsmc.parse.envfile import defined_names, url_unsafe_names
    from hsmc.pipeline import compile_stack
    from hsmc.report import render_json, render_text, use_colour
    from hsmc.validate import missing_inputs
    from hsmc.validate_urls import url_inputs, url_unsafe_inputs

    def run() -> tuple[Diagnostic, ...]:
        try:
            compiled = compile_stack(Inputs(path, registries, cache=not no_cache))
        except CompileError as exc:
            return exc.diagnostics
        if env_file is None:
            return ()
        shown = display_path(env_file.resolve(), Path.cwd().resolve())
        missing = missing_inputs(compiled.inputs, defined_names(env_file, shown), shown)
        urls = url_inputs(compiled)
        unsafe = url_unsafe_inputs(urls, url_unsafe_names(env_file, shown), shown)
        return tuple(sorted((*missing, *unsafe), key=Diagnostic.sort_key))

    diagnostics = _run(run, debug)
    if fmt == "json":
        click.echo(render_json(diagnostics), nl=False)
    elif diagnostics:
        colour = use_colour(sys.stderr.isatty())
        click.echo(render_text(diagnostics, colour, written=False), err=True, nl=False)
    else:
        click.echo("hsmc: no problems found", err=True)
    sys.exit(1 if diagnostics else 0)


@main.command()
@click.argument("name")
@_PATH
@_REGISTRY
@_NO_CACHE
@_DEBUG
def explain(
    name: str, path: Path, registries: tuple[Path, ...], no_cache: bool, debug: bool
) -> None:
    """Why NAME (a service, package, environment variable or run-time input) is in the output
    of the project at PATH: the chain of implications, each step with file:line."""
    from hsmc.explain import explain as run_explain
    from hsmc.parse import Inputs
    from hsmc.pipeline import compile_stack

    inputs = Inputs(path=path, registries=registries, cache=not no_cache)
    click.echo(_run(lambda: run_explain(name, compile_stack(inputs)), debug), nl=False)


@main.command()
@_PATH
@_REGISTRY
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "json"]),
    default="mermaid",
    show_default=True,
)
@_NO_CACHE
@_DEBUG
def graph(path: Path, registries: tuple[Path, ...], fmt: str, no_cache: bool, debug: bool) -> None:
    """Print the resolved stack of the project at PATH: packages, services, external
    endpoints and what needs what (JSON schema: docs/graph.md)."""
    from hsmc import graph as graphs
    from hsmc.parse import Inputs
    from hsmc.pipeline import compile_stack

    inputs = Inputs(path=path, registries=registries, cache=not no_cache)
    compiled = _run(lambda: compile_stack(inputs), debug)
    stack = compiled.stack
    if fmt == "json":
        click.echo(graphs.as_json(compiled), nl=False)
    else:
        click.echo(graphs.mermaid(stack) if fmt == "mermaid" else graphs.dot(stack))


@main.group()
def registry() -> None:
    """The registry entries a project sees."""


@registry.command("list")
@_PATH
@_REGISTRY
@_DEBUG
def registry_list(path: Path, registries: tuple[Path, ...], debug: bool) -> None:
    """Every entry visible to the project at PATH, in search order: where it comes from, its
    modes and profiles. An entry hidden by one of the same name in an earlier root is marked."""
    from hsmc.parse import Inputs
    from hsmc.parse.cache import Cache, cache_dir
    from hsmc.parse.catalog import catalog, registry_roots

    roots = _run(lambda: registry_roots(Inputs(path=path, registries=registries)), debug)
    for entry in catalog(roots, Path.cwd().resolve(), Cache(cache_dir())):
        details = []
        if entry.modes:
            details.append("modes: " + ", ".join(entry.modes))
        if entry.profiles:
            details.append("profiles: " + ", ".join(entry.profiles))
        if entry.hidden_by:
            details.append(f"hidden by {entry.hidden_by}")
        if entry.problem:
            details.append(f"invalid: {entry.problem}")
        line = f"{entry.kind:<9} {entry.name:<28} {entry.root}"
        click.echo(line + (f"  ({'; '.join(details)})" if details else ""))


@registry.command("show")
@click.argument("name")
@_PATH
@_REGISTRY
@_DEBUG
def registry_show(name: str, path: Path, registries: tuple[Path, ...], debug: bool) -> None:
    """The entry NAME as the project at PATH sees it, and the entries of that name it hides."""
    from hsmc.errors import CompileError, Diagnostic, did_you_mean
    from hsmc.parse import Inputs
    from hsmc.parse.cache import Cache, cache_dir
    from hsmc.parse.catalog import catalog, registry_roots

    roots = _run(lambda: registry_roots(Inputs(path=path, registries=registries)), debug)
    entries = catalog(roots, Path.cwd().resolve(), Cache(cache_dir()))
    found = [e for e in entries if e.name == name]
    if not found:
        hint = did_you_mean(name, [e.name for e in entries]) or "see `hsmc registry list`"
        error = Diagnostic("HSM601", f"no registry entry named `{name}`", None, hint)
        _run(lambda: (_ for _ in ()).throw(CompileError([error])), debug)
    for entry in found:
        if entry.hidden_by is not None:
            continue
        click.echo(f"# {entry.kind} `{entry.name}` from {entry.file} ({entry.root})")
        hidden = [e for e in found if e.kind == entry.kind and e.hidden_by == entry.file]
        for other in hidden:
            click.echo(f"# overrides {other.file} ({other.root})")
        click.echo(entry.text, nl=not entry.text.endswith("\n"))


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@_DEBUG
def init(directory: Path, debug: bool) -> None:
    """Write a commented starter hsm.yaml into DIRECTORY (default: here), naming built-in
    packages. Refuses to overwrite an existing hsm.yaml; writes nothing else."""
    from hsmc.errors import CompileError, Diagnostic
    from hsmc.parse.cache import Cache, cache_dir
    from hsmc.starter import starter_path, starter_text
    from hsmc.write import create_file

    def run() -> Path:
        target = starter_path(directory)
        if not create_file(target, starter_text(Cache(cache_dir())).encode("utf-8")):
            hint = "edit it, or remove it to start over"
            error = Diagnostic(
                "HSM602", f"{target} exists already; nothing was written", None, hint
            )
            raise CompileError([error])
        return target

    target = _run(run, debug)
    click.echo(f"hsmc: wrote {target}; next: hsmc build", err=True)


def _run(step: Callable[[], T], debug: bool, writes: bool = False) -> T:
    """Runs a command's work: invalid input, or a file the system refuses (HSM009) →
    diagnostics and exit 1; a bug → exit 3."""
    from hsmc.errors import CompileError
    from hsmc.report import render_text, use_colour

    try:
        return step()
    except CompileError as exc:
        colour = use_colour(sys.stderr.isatty())
        written = writes and all(d.code != "HSM410" for d in exc.diagnostics)
        click.echo(render_text(exc.diagnostics, colour, written=written), err=True, nl=False)
        sys.exit(1)
    except OSError as exc:
        # the system refused a file (the known places report it with a location already): the
        # environment's doing, not a bug in hsmc
        if debug or os.environ.get("HSMC_DEBUG"):
            raise
        error = _os_error(exc)
        text = render_text((error,), use_colour(sys.stderr.isatty()), written=writes)
        click.echo(text, err=True, nl=False)
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


def _os_error(exc: OSError) -> Diagnostic:
    from hsmc.errors import Diagnostic
    from hsmc.parse import display_path

    name = exc.filename
    shown = display_path(Path(os.fsdecode(name)), Path.cwd()) if name is not None else "a file"
    return Diagnostic(
        "HSM009",
        f"cannot access {shown}: {exc.strerror or exc}",
        None,
        "check the path and its permissions",
    )
