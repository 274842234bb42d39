"""The kubernetes target: a Kustomize directory for a cluster. Packages run in the cluster too
and reach a managed service at its Service name and container port; nothing is published on a
host. Its output is a directory of its own, below the manifest's (`-o DIR` names it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hsmc.model import EnvDialect, Reach

if TYPE_CHECKING:
    from collections.abc import Mapping

    from hsmc.errors import Collector, Diagnostic
    from hsmc.inputs import Use
    from hsmc.model import Artifact, RuntimeInput, Stack
    from hsmc.targets import Target
    from hsmc.workload import CompiledStack


class Kubernetes:
    name = "kubernetes"
    artifact = "SERVICE.yaml in the Kustomize directory"
    reach = Reach.BESIDE
    no_defaults = True  # a Secret has no defaults: .env.template carries them
    env_dialect = EnvDialect.KUSTOMIZE  # the secretGenerator reads .env

    def output(self, configured: Path, named: bool) -> Path:
        return configured if named else configured / self.name

    def check(self, stack: Stack, out: Collector) -> None:
        from hsmc.targets.kubernetes.checks import check_stack

        check_stack(stack, out)

    def check_workloads(self, compiled: CompiledStack, out: Collector) -> None:
        from hsmc.targets.kubernetes.checks import check_workloads

        check_workloads(compiled, out)

    def check_env(
        self, compiled: CompiledStack, nonempty: Mapping[str, bool], numbers: Mapping[str, int]
    ) -> tuple[Diagnostic, ...]:
        """Nothing is published on a host: no port of `.env` can clash."""
        return ()

    def uses(self, compiled: CompiledStack) -> list[Use]:
        from hsmc.targets.kubernetes.objects import uses

        return uses(compiled)

    def hints(self, compiled: CompiledStack, output: str) -> tuple[str, ...]:
        """The cluster's next steps are in its STACK.md."""
        return ()

    def emit(
        self, compiled: CompiledStack, inputs: tuple[RuntimeInput, ...]
    ) -> tuple[Artifact, ...]:
        from hsmc.targets.kubernetes.emit import emit

        return emit(compiled, inputs)


TARGET: Target = Kubernetes()  # mypy checks the protocol
