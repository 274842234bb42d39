"""The commands that start from the host target's build: `sync` (install with uv) and `run`
(start host code with the environment it needs). Part of the pipeline: they chain a build and
one more step."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hsmc import targets
from hsmc.errors import CompileError
from hsmc.model import Reach
from hsmc.parse import Inputs, display_path
from hsmc.pipeline import Build, compile_project, refuse_the_usual_outputs
from hsmc.record import replace

if TYPE_CHECKING:
    from hsmc.launch import Launch, NotStarted
    from hsmc.sync import Synced


def sync(
    inputs: Inputs,
    uv_args: Sequence[str],
    say: Callable[[str], None],
    environment: str | None = None,
) -> Synced:
    """`sync`: build when the output directory is stale (refusing hand edits as `build` does),
    then install requirements.txt with uv as install.sh does, and uninstall the requirement lines
    of the project's previous sync that the stack no longer lists (hsmc/sync.py). Only the target
    whose packages run on this machine is built (the default one), whatever `targets:` lists:
    installing needs its requirements.txt; a cluster's manifests are not needed to install.
    `environment`: whose (None: the default environment's)."""
    from hsmc.sync import install

    result, stale = _built_for_the_host(inputs, environment)
    stack = result.compiled.stack
    distributions = [p.entry.distribution for p in stack.packages]
    synced = install(stack.manifest.directory, result.output, stale, uv_args, say, distributions)
    if not stale:
        return synced
    # said once, after the build that wrote them: what to run next (Compose Watch, …)
    shown = display_path(result.output, (inputs.cwd or Path.cwd()).resolve())
    return replace(synced, hints=targets.get(result.target).hints(result.compiled, shown))


def _built_for_the_host(inputs: Inputs, environment: str | None) -> tuple[Build, bool]:
    """The output of the target whose packages run on this machine, in `environment` (None:
    the default one), written first when it is stale (as `build` writes it), and whether it
    was: what `sync` and `run` start from."""
    from hsmc.write import stale_report, write

    host = next(t for t in (targets.get(n) for n in targets.NAMES) if t.reach is Reach.HOST)
    result = compile_project(inputs, host.name, environment)
    refuse_the_usual_outputs(inputs, (result,))
    stale = bool(stale_report(result.artifacts, result.output).report)
    if stale:
        write(result.artifacts, result.output)
    return result, stale


def run(
    inputs: Inputs,
    env_file: Path | None,
    command: Sequence[str],
    environ: Mapping[str, str],
    environment: str | None = None,
) -> Launch:
    """`run`: the environment host code gets from `environ`, then `.env` (`env_file`, else
    OUTPUT/.env), then packages.env, as python-dotenv's load_dotenv merges them
    (parse/hostenv.py), after building a stale output as `sync` does. Refuses (CompileError)
    a required input unset or empty (HSM501) and a .env line python-dotenv reads otherwise than
    compose (HSM506). A missing OUTPUT/.env is loaded as nothing when no input is required."""
    from hsmc.launch import Launch
    from hsmc.parse.hostenv import host_environment
    from hsmc.validate.env_file import missing_inputs

    result, built = _built_for_the_host(inputs, environment)
    cwd = Path.cwd().resolve()
    path = env_file if env_file is not None else result.output / ".env"
    shown = display_path(path.resolve(), cwd)
    template = display_path(result.output / ".env.template", cwd)
    required = any(i.required for i in result.inputs)
    load = env_file is not None or required or os.path.lexists(path)
    host = host_environment(
        path if load else None, shown, result.output / "packages.env", environ, template
    )
    defined = {name: bool(value) for name, value in host.env.items()}
    defined.update(dict.fromkeys(host.disputed, True))  # HSM506 says it: one cause, one error
    missing = missing_inputs(result.inputs, defined, shown)
    if host.problems or missing:
        raise CompileError((*host.problems, *missing))
    return Launch(tuple(command), host.env, result.output if built else None)


def start(launch: Launch) -> NotStarted:
    """Replaces this process with the command (hsmc/launch.py); returns only when it could not
    be started."""
    from hsmc.launch import start as exec_command

    return exec_command(launch)
