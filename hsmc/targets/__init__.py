"""Targets: where a stack runs, each a plug-in behind one protocol, and the registry of them.

A target reads the typed, target-neutral stack (hsmc/workload.py) and owns everything that
differs between places: how packages reach services (its `reach`, which resolve decides the
endpoints by), what it cannot run (its checks), the run-time inputs its artifacts really read
(its `uses`: so its .env.template and `check --env-file` ask for those only), its emitter with
its own view model and quoting, and its output directory. hsmc/pipeline/ loops over the selected
targets; nothing outside this package names a particular one. A plug-in (compose/,
kubernetes/) imports no other plug-in; this module imports them by name, on demand, so that
a compose build never loads the cluster's code. docs/architecture.md: "Adding a target".
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    from hsmc.errors import Collector, Diagnostic
    from hsmc.inputs import Use
    from hsmc.model import Artifact, EnvDialect, Reach, RuntimeInput, Stack
    from hsmc.workload import CompiledStack

# name → the module that holds its TARGET; the first is the default target
_PLUGINS = {"compose": "hsmc.targets.compose", "kubernetes": "hsmc.targets.kubernetes"}
NAMES = tuple(_PLUGINS)
DEFAULT = NAMES[0]


class Target(Protocol):
    """What a target provides."""

    @property
    def name(self) -> str:
        """As `--target` and `targets:` spell it."""

    @property
    def artifact(self) -> str:
        """Where a managed service lands, as `hsmc explain` says it (`docker-compose.yml`);
        `SERVICE` in it stands for the service's name (`SERVICE.yaml`)."""

    @property
    def reach(self) -> Reach:
        """Where the packages run: how they reach a managed service (SPEC §3.5)."""

    @property
    def no_defaults(self) -> bool:
        """Its consumer applies no `${VAR:-default}`: every input must be set in `.env`."""

    @property
    def env_dialect(self) -> EnvDialect:
        """How its consumer reads the filled-in `.env` (`check --env-file` reads it so)."""

    def output(self, configured: Path, named: bool) -> Path:
        """Its output directory: `configured` is the manifest's `output` (or `-o DIR` when
        `named`, which then names this target's directory itself)."""

    def check(self, stack: Stack, out: Collector) -> None:
        """What it cannot run, on the resolved stack (its names, sources, mounts)."""

    def check_workloads(self, compiled: CompiledStack, out: Collector) -> None:
        """What it cannot run, on the filled workloads (references it does not expand)."""

    def check_env(
        self, compiled: CompiledStack, nonempty: Mapping[str, bool], numbers: Mapping[str, int]
    ) -> tuple[Diagnostic, ...]:
        """What it refuses once the values of `.env` are known (`hsmc check --env-file`):
        `nonempty` the names set and whether non-empty, `numbers` the values that are port
        numbers (no other value reaches a target)."""

    def uses(self, compiled: CompiledStack) -> list[Use]:
        """Every value its artifacts write (the run-time inputs are the references in them)."""

    def emit(
        self, compiled: CompiledStack, inputs: tuple[RuntimeInput, ...]
    ) -> tuple[Artifact, ...]:
        """Its artifacts, given the run-time inputs of its uses."""

    def hints(self, compiled: CompiledStack, output: str) -> tuple[str, ...]:
        """What to tell the user to run next once a build wrote its artifacts to `output` (as
        shown to the user): e.g. `docker compose up --watch` for Compose Watch rules."""


def get(name: str) -> Target:
    """The target called `name` (one of NAMES: validate and the command line refuse others)."""
    module = importlib.import_module(_PLUGINS[name])
    target: Target = module.TARGET
    return target
