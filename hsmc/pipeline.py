"""The one place where the stages are chained."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hsmc import observe
from hsmc.interpolate import interpolate
from hsmc.model import Artifact, CompiledStack
from hsmc.parse import Inputs, load_project
from hsmc.resolve import resolve
from hsmc.validate import validate

# emit (jinja2) and write are imported where they are used: `check`, `explain` and `graph` need
# neither, and start faster without them.


@dataclass(frozen=True)
class Build:
    output: Path
    artifacts: tuple[Artifact, ...]
    compiled: CompiledStack


def compile_stack(inputs: Inputs) -> CompiledStack:
    """parse → validate → resolve → interpolate; raises CompileError on bad input."""
    project, problems = load_project(inputs)
    validate(project, problems)
    return interpolate(resolve(project))


def compile_project(inputs: Inputs) -> Build:
    """compile_stack, then emit the artifacts (nothing is written)."""
    from hsmc.emit import emit

    compiled = compile_stack(inputs)
    return Build(compiled.stack.manifest.output, emit(compiled), compiled)


def build(inputs: Inputs, force: bool = False) -> Build:
    from hsmc.write import write

    result = compile_project(inputs)
    write(result.artifacts, result.output, force=force)
    observe.outputs(result.output, ((a.path, a.content, a.executable) for a in result.artifacts))
    return result
