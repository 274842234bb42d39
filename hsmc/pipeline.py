"""The one place where the stages are chained."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hsmc.emit import Artifact, emit
from hsmc.interpolate import interpolate
from hsmc.model import CompiledStack
from hsmc.parse import Inputs, load_project
from hsmc.resolve import resolve
from hsmc.validate import validate
from hsmc.write import write


@dataclass(frozen=True)
class Build:
    output: Path
    artifacts: tuple[Artifact, ...]
    compiled: CompiledStack


def compile_project(inputs: Inputs) -> Build:
    """parse → validate → resolve → interpolate → emit; raises CompileError on bad input."""
    project, problems = load_project(inputs)
    validate(project, problems)
    stack = resolve(project)
    compiled = interpolate(stack)
    return Build(project.manifest.output, emit(compiled), compiled)


def build(inputs: Inputs, force: bool = False) -> Build:
    result = compile_project(inputs)
    write(result.artifacts, result.output, force=force)
    return result
