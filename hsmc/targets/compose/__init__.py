"""The compose target: Docker Compose v2 on one machine. Packages run on the host and reach a
managed service at the host port it publishes; the output directory is the manifest's."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hsmc.model import Reach

if TYPE_CHECKING:
    from hsmc.errors import Collector
    from hsmc.inputs import Use
    from hsmc.model import Artifact, RuntimeInput, Stack
    from hsmc.workload import CompiledStack


class Compose:
    name = "compose"
    artifact = "docker-compose.yml"
    reach = Reach.HOST
    no_defaults = False  # compose applies `${VAR:-default}` itself

    def output(self, configured: Path, named: bool) -> Path:
        return configured

    def check(self, stack: Stack, out: Collector) -> None:
        from hsmc.targets.compose.checks import check_host_ports

        check_host_ports(stack.effective, out)

    def check_workloads(self, compiled: CompiledStack, out: Collector) -> None:
        """Compose fills every reference itself: nothing to refuse here."""

    def uses(self, compiled: CompiledStack) -> list[Use]:
        from hsmc.targets.compose.service import uses

        return uses(compiled)

    def emit(
        self, compiled: CompiledStack, inputs: tuple[RuntimeInput, ...]
    ) -> tuple[Artifact, ...]:
        from hsmc.targets.compose.emit import emit

        return emit(compiled, inputs)


TARGET = Compose()
