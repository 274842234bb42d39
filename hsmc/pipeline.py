"""The one place where the stages are chained."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hsmc.interpolate import interpolate
from hsmc.model import Artifact, CompiledStack
from hsmc.parse import Inputs, load_project
from hsmc.resolve import resolve
from hsmc.validate import validate

if TYPE_CHECKING:
    from hsmc.write import Written

# emit (jinja2) and write are imported where they are used: `check`, `explain` and `graph` need
# neither, and start faster without them.


@dataclass(frozen=True)
class Build:
    output: Path
    artifacts: tuple[Artifact, ...]
    compiled: CompiledStack
    written: Written | None = None  # set by `build`: what it did to the output directory


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
    written = write(result.artifacts, result.output, force=force)
    return Build(result.output, result.artifacts, result.compiled, written)
