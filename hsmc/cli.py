"""Command line: options in, a pipeline call, diagnostics out, an exit status.

Exit status (SPEC §5): 0 success, 1 invalid input, 2 usage error, 3 a bug in hsmc.
Heavy modules are imported inside the commands, so `hsmc --version` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from hsmc import __version__, console, targets
from hsmc.console import BuildOptions
from hsmc.console import inputs_of as _inputs
from hsmc.console import run_step as _run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="hsmc", message="%(prog)s %(version)s")
def main() -> None:
    """hsmc compiles hsm.yaml and a registry into docker-compose.yml, .env.template,
    packages.env, requirements.txt, install.sh and STACK.md."""


# No PATH: hsm.yaml in the current directory or the nearest parent that has one (as git does).
_PATH = click.argument("path", type=click.Path(path_type=Path), required=False)
_REGISTRY = click.option(
    "--registry",
    "registries",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A registry root searched before the manifest's (repeatable).",
)
_DEBUG = click.option("--debug", is_flag=True, hidden=True, help="Show internal tracebacks.")
# the registry's names: a light module (importing the pipeline here would slow down --help)
TARGETS = targets.NAMES
_TARGET = click.option(
    "--target",
    type=click.Choice(TARGETS),
    help="Compile for this target only (default: the manifest's `targets:`, else compose).",
)
_ENVIRONMENT = click.option(
    "-e",
    "--environment",
    metavar="NAME",
    help="This environment of hsm.yaml only (`default`: the top level). build, build --check "
    "and check: default every environment; other commands: the top level.",
)
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
@_TARGET
@_ENVIRONMENT
@_NO_CACHE
@_DEBUG
def build(
    path: Path | None,
    output: Path | None,
    registries: tuple[Path, ...],
    check_only: bool,
    force: bool,
    target: str | None,
    environment: str | None,
    no_cache: bool,
    debug: bool,
) -> None:
    """Compile the project at PATH (a directory holding hsm.yaml, or the file) and write its
    artifacts."""
    # console.py runs it, as entry.py does for a plain argv without importing click
    options = BuildOptions(
        path, output, registries, check_only, force, target, environment, no_cache, debug
    )
    console.build(options)


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
    type=click.Path(path_type=Path),  # not a regular file: HSM504, located like the rest
    help="Also report the required run-time inputs this .env file does not set, and values "
    "that cannot go into a URL as they are.",
)
@_TARGET
@_ENVIRONMENT
@_NO_CACHE
@_DEBUG
def check(
    path: Path | None,
    registries: tuple[Path, ...],
    fmt: str,
    env_file: Path | None,
    target: str | None,
    environment: str | None,
    no_cache: bool,
    debug: bool,
) -> None:
    """Validate the project at PATH; write nothing."""
    from hsmc import pipeline
    from hsmc.report import render_json, render_text, render_warning, use_colour

    inputs = _inputs(path, registries, cache=not no_cache)
    checked = _run(lambda: pipeline.check(inputs, env_file, target, environment), debug)
    diagnostics = checked.diagnostics
    if fmt == "json":
        click.echo(render_json(diagnostics, checked.warnings), nl=False)
        sys.exit(1 if diagnostics else 0)
    for warning in checked.warnings:  # as `build` prints them
        click.echo(render_warning(warning), err=True)
    if diagnostics:
        colour = use_colour(sys.stderr.isatty())
        click.echo(render_text(diagnostics, colour, written=False), err=True, nl=False)
    else:
        click.echo("hsmc: no problems found", err=True)
    sys.exit(1 if diagnostics else 0)


@main.command()
@click.argument("name")
@_PATH
@_REGISTRY
@_TARGET
@_ENVIRONMENT
@_NO_CACHE
@_DEBUG
def explain(
    name: str,
    path: Path | None,
    registries: tuple[Path, ...],
    target: str | None,
    environment: str | None,
    no_cache: bool,
    debug: bool,
) -> None:
    """Why NAME (a service, package, environment variable or run-time input) is in the output
    of the project at PATH: the chain of implications, each step with file:line."""
    from hsmc import pipeline

    inputs = _inputs(path, registries, cache=not no_cache)
    click.echo(_run(lambda: pipeline.explain(name, inputs, target, environment), debug), nl=False)


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
@_TARGET
@_ENVIRONMENT
@_NO_CACHE
@_DEBUG
def graph(
    path: Path | None,
    registries: tuple[Path, ...],
    fmt: str,
    target: str | None,
    environment: str | None,
    no_cache: bool,
    debug: bool,
) -> None:
    """Print the resolved stack of the project at PATH: packages, services, external
    endpoints and what needs what (JSON schema: docs/graph.md)."""
    from hsmc import pipeline

    inputs = _inputs(path, registries, cache=not no_cache)
    click.echo(_run(lambda: pipeline.graph(inputs, fmt, target, environment), debug), nl=False)


@main.group()
def registry() -> None:
    """The registry entries a project sees."""


@registry.command("list")
@_PATH
@_REGISTRY
@_DEBUG
def registry_list(path: Path | None, registries: tuple[Path, ...], debug: bool) -> None:
    """Every entry visible to the project at PATH, in search order: where it comes from, its
    modes and profiles. An entry hidden by one of the same name in an earlier root is marked."""
    from hsmc.pipeline import registry as flows

    inputs = _inputs(path, registries)
    for line in _run(lambda: flows.registry_list(inputs), debug):
        click.echo(line)


@registry.command("show")
@click.argument("name")
@_PATH
@_REGISTRY
@_DEBUG
def registry_show(name: str, path: Path | None, registries: tuple[Path, ...], debug: bool) -> None:
    """The entry NAME as the project at PATH sees it, ready to paste into a registry file
    (`package:NAME` or `container:NAME` chooses when both exist), and the entries it hides."""
    from hsmc.pipeline import registry as flows

    inputs = _inputs(path, registries)
    click.echo(_run(lambda: flows.registry_show(name, inputs), debug), nl=False)


@registry.command("eject")
@click.argument("name")
@_PATH
@_REGISTRY
@_DEBUG
def registry_eject(name: str, path: Path | None, registries: tuple[Path, ...], debug: bool) -> None:
    """Copy the entry NAME (`package:NAME` / `container:NAME`) and the files it ships into the
    project's own registry, where it hides the original and can be edited. Never overwrites."""
    from hsmc.pipeline import display_path
    from hsmc.pipeline import registry as flows

    cwd = Path.cwd().resolve()
    inputs = _inputs(path, registries)
    done = _run(lambda: flows.registry_eject(name, inputs), debug)
    for target in done.written:
        click.echo(f"hsmc: wrote {display_path(target, cwd)}", err=True)
    click.echo(
        f"hsmc: {done.entry.kind} `{done.entry.name}` now comes from "
        f"{display_path(done.written[0], cwd)} (it hides {done.entry.file}); edit it, then "
        "hsmc build",
        err=True,
    )


class _DashDashCommand(click.Command):
    """`hsmc sync [PATH] [-- UV_ARGS…]`, `hsmc run [PATH] -- CMD ARGS…`: what follows `--` is
    passed on untouched (click would otherwise take its first word as PATH)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            cut = args.index("--")
            ctx.meta["after_dashes"] = tuple(args[cut + 1 :])
            args = args[:cut]
        return super().parse_args(ctx, args)


@main.command(cls=_DashDashCommand)
@_PATH
@_REGISTRY
@_ENVIRONMENT
@_NO_CACHE
@_DEBUG
@click.pass_context
def sync(
    ctx: click.Context,
    path: Path | None,
    registries: tuple[Path, ...],
    environment: str | None,
    no_cache: bool,
    debug: bool,
) -> None:
    """Build the project at PATH when its output is stale, then install its packages with uv
    (as install.sh does) into $VIRTUAL_ENV or the project's .venv. Arguments after `--` go to
    `uv pip install`. Never installs into hsmc's own environment; never runs Docker."""
    from hsmc.pipeline import host

    inputs = _inputs(path, registries, cache=not no_cache)
    uv_args = ctx.meta.get("after_dashes", ())

    def say(line: str) -> None:
        click.echo(f"hsmc: {line}", err=True)

    done = _run(lambda: host.sync(inputs, uv_args, say, environment), debug)
    if done.returncode != 0:
        click.echo(f"hsmc: `uv pip install` failed (exit status {done.returncode})", err=True)
        sys.exit(1)
    click.echo(f"hsmc: synced {done.venv}", err=True)
    for hint in done.hints:
        click.echo(f"hsmc: {hint}", err=True)


@main.command(cls=_DashDashCommand)
@_PATH
@_REGISTRY
@click.option(
    "--env-file",
    type=click.Path(path_type=Path),  # not a regular file: HSM504, located like the rest
    help="The filled-in .env to load before packages.env (default: OUTPUT/.env).",
)
@_ENVIRONMENT
@_NO_CACHE
@_DEBUG
@click.pass_context
def run(
    ctx: click.Context,
    path: Path | None,
    registries: tuple[Path, ...],
    env_file: Path | None,
    environment: str | None,
    no_cache: bool,
    debug: bool,
) -> None:
    """Run CMD (after `--`) on this machine with the environment host code needs: .env, then
    packages.env, as python-dotenv's load_dotenv merges them (variables already set win). Builds
    first when the output is stale; refuses when a required input is unset or empty. The exit
    status is CMD's. Never runs Docker."""
    from hsmc import pipeline
    from hsmc.pipeline import host
    from hsmc.report import render_text, use_colour

    command = ctx.meta.get("after_dashes")
    if not command:
        raise click.UsageError("give the command after `--`: hsmc run [PATH] -- CMD ARGS…")
    inputs = _inputs(path, registries, cache=not no_cache)
    launch = _run(lambda: host.run(inputs, env_file, command, os.environ, environment), debug)
    if launch.built is not None:
        shown = pipeline.display_path(launch.built, Path.cwd().resolve())
        click.echo(f"hsmc: {shown} was stale and has been rebuilt", err=True)
    failure = host.start(launch)  # returns only when the command could not start
    colour = use_colour(sys.stderr.isatty())
    click.echo(render_text((failure.diagnostic,), colour, written=False), err=True, nl=False)
    sys.exit(failure.status)


@main.command()
@click.argument("kind", type=click.Choice(["manifest", "package", "container"]))
@click.option("--path", "show_path", is_flag=True, help="Print where the shipped copy is.")
def schema(kind: str, show_path: bool) -> None:
    """Print the JSON Schema (draft 2020-12) of hsm.yaml (`manifest`) or of a registry entry,
    for editors: yaml-language-server reads `# yaml-language-server: $schema=PATH`."""
    from hsmc.pipeline import registry as flows

    click.echo(flows.schema(kind, where=show_path), nl=False)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@_DEBUG
def init(directory: Path, debug: bool) -> None:
    """Write a commented starter hsm.yaml into DIRECTORY (default: here), naming built-in
    packages, and the copy of its JSON Schema that its modeline names (.hsmc/, for editors;
    `hsmc build` keeps it current). Refuses to overwrite an existing hsm.yaml."""
    from hsmc.pipeline import registry as flows

    target = _run(lambda: flows.init(directory), debug)
    click.echo(f"hsmc: wrote {target} and .hsmc/ beside it; next: hsmc build", err=True)
