"""Interpolate stage: the resolved Stack → a CompiledStack of typed Workloads, whose strings
are all Values.

Compile-time ${HSM…} references are replaced, run-time ${VAR} references kept, env maps merged
(conflicts are errors, a group's overrides last), and every string a target needs typed once
(hsmc/workload.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from hsmc.errors import Collector
from hsmc.interpolate.packages import package_env
from hsmc.interpolate.refs import Interpolator
from hsmc.interpolate.workloads import compile_workloads
from hsmc.model import Stack
from hsmc.workload import CompiledStack


def interpolate(stack: Stack) -> CompiledStack:
    out = Collector()
    interp = Interpolator(out)
    workloads = compile_workloads(stack, interp, out)
    env = package_env(stack, interp, out)
    out.raise_if_any()
    manifest = stack.manifest
    return CompiledStack(
        manifest=Path(manifest.file).name,
        project=manifest.name,
        stack=stack,
        workloads=workloads,
        package_env=env,
        project_from_output=_posix_relpath(manifest.directory, manifest.output),
        output_from_project=_posix_relpath(manifest.output, manifest.directory),
    )


def _posix_relpath(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()
