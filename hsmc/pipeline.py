"""The one place where the stages are chained.

A target (`compose`, `kubernetes`) shares parse and validate; resolve, interpolate and emit run
once per target, because where packages reach services and what a cluster refuses differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hsmc.errors import Collector
from hsmc.interpolate import interpolate
from hsmc.model import Artifact, CompiledStack, Project
from hsmc.parse import Inputs, load_project
from hsmc.resolve import resolve
from hsmc.validate import validate
from hsmc.validate_kubernetes import check_kubernetes

# emit (jinja2) and write are imported where they are used: `check`, `explain` and `graph` need
# neither, and start faster without them.

COMPOSE = "compose"
KUBERNETES = "kubernetes"


@dataclass(frozen=True)
class Build:
    output: Path
    artifacts: tuple[Artifact, ...]
    compiled: CompiledStack
    target: str = COMPOSE


def load_checked(inputs: Inputs) -> Project:
    """parse → validate; raises CompileError on bad input."""
    project, problems = load_project(inputs)
    validate(project, problems)
    return project


def targets_of(project: Project, asked: str | None) -> tuple[str, ...]:
    """The target asked for on the command line, else the manifest's `targets:` (in their
    order, each once), else compose."""
    if asked is not None:
        return (asked,)
    listed = dict.fromkeys(t.value for t in project.manifest.targets)
    return tuple(listed) or (COMPOSE,)


def compile_for(project: Project, target: str) -> CompiledStack:
    """resolve → (the target's checks) → interpolate."""
    stack = resolve(project, target)
    if target == KUBERNETES:
        out = Collector()
        check_kubernetes(stack, out)
        out.raise_if_any()
    return interpolate(stack)


def compile_stack(inputs: Inputs, target: str | None = None) -> CompiledStack:
    """The stack for `target`, else for the manifest's first target."""
    project = load_checked(inputs)
    return compile_for(project, targets_of(project, target)[0])


def compile_stacks(
    inputs: Inputs, target: str | None = None
) -> tuple[tuple[str, CompiledStack], ...]:
    """(target, stack) for `target`, else for each of the manifest's targets."""
    project = load_checked(inputs)
    return tuple((t, compile_for(project, t)) for t in targets_of(project, target))


def compile_project(inputs: Inputs, target: str = COMPOSE) -> Build:
    """compile the stack for one target, then emit its artifacts (nothing is written)."""
    project = load_checked(inputs)
    return _emitted(project, target, inputs.output is not None)


def compile_targets(inputs: Inputs, target: str | None = None) -> tuple[Build, ...]:
    project = load_checked(inputs)
    named = inputs.output is not None and target is not None
    return tuple(_emitted(project, t, named) for t in targets_of(project, target))


def build(inputs: Inputs, force: bool = False, target: str | None = None) -> tuple[Build, ...]:
    """Every target's artifacts are compiled before the first is written: bad input for one
    target leaves every output directory untouched."""
    from hsmc.write import write

    results = compile_targets(inputs, target)
    for result in results:
        write(result.artifacts, result.output, force=force)
    return results


def _emitted(project: Project, target: str, output_named: bool) -> Build:
    compiled = compile_for(project, target)
    output = project.manifest.output
    if target == KUBERNETES:
        from hsmc.emit_kubernetes import emit_kubernetes

        # `-o DIR` with `--target kubernetes` names the directory itself; otherwise the
        # cluster's artifacts live below the compose ones, in a directory of their own
        directory = output if output_named else output / KUBERNETES
        return Build(directory, emit_kubernetes(compiled), compiled, target)
    from hsmc.emit import emit

    return Build(output, emit(compiled), compiled, target)
