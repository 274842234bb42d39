"""Interpolate stage: the resolved Stack → a CompiledStack whose strings are all Values.

Compile-time ${HSM…} references are replaced, run-time ${VAR} references kept and collected,
env maps merged (conflicts are errors), and group overrides merged last.
"""

from __future__ import annotations

import os
from pathlib import Path

from hsmc.errors import Collector
from hsmc.interpolate.inputs import collect_inputs
from hsmc.interpolate.packages import package_env
from hsmc.interpolate.refs import Interpolator
from hsmc.interpolate.services import compile_services
from hsmc.model import CompiledStack, Stack


def interpolate(stack: Stack) -> CompiledStack:
    out = Collector()
    interp = Interpolator(out)
    services = compile_services(stack, interp, out)
    env = package_env(stack, interp, out)
    out.raise_if_any()
    manifest = stack.manifest
    return CompiledStack(
        manifest=Path(manifest.file).name,
        project=manifest.name,
        stack=stack,
        services=services,
        package_env=env,
        inputs=collect_inputs(services, env),
        project_from_output=_posix_relpath(manifest.directory, manifest.output),
        output_from_project=_posix_relpath(manifest.output, manifest.directory),
    )


def _posix_relpath(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()
