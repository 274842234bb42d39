"""The compose target: Docker Compose v2 on one machine. Packages run on the host and reach a
managed service at the host port it publishes; the output directory is the manifest's."""

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


class Compose:
    name = "compose"
    artifact = "docker-compose.yml"
    reach = Reach.HOST
    no_defaults = False  # compose applies `${VAR:-default}` itself
    env_dialect = EnvDialect.COMPOSE_GO

    def output(self, configured: Path, named: bool) -> Path:
        return configured

    def check(self, stack: Stack, out: Collector) -> None:
        from hsmc.targets.compose.checks import check_host_ports

        check_host_ports(stack.effective, out)

    def check_workloads(self, compiled: CompiledStack, out: Collector) -> None:
        """Compose fills every reference itself: nothing to refuse here."""

    def check_env(
        self, compiled: CompiledStack, nonempty: Mapping[str, bool], numbers: Mapping[str, int]
    ) -> tuple[Diagnostic, ...]:
        from hsmc.errors import Collector
        from hsmc.targets.compose.checks import check_host_ports

        out = Collector()
        check_host_ports(compiled.stack.effective, out, nonempty, numbers)
        return tuple(out.diagnostics)

    def uses(self, compiled: CompiledStack) -> list[Use]:
        from hsmc.targets.compose.service import uses

        return uses(compiled)

    def hints(self, compiled: CompiledStack, output: str) -> tuple[str, ...]:
        """After a build that wrote Compose Watch rules: how to run them."""
        from hsmc.targets.compose.develop import watch_hint, watched

        services = watched(compiled.workloads)
        compose = f"{output}/docker-compose.yml"
        return (watch_hint(services, compose),) if services else ()

    def emit(
        self, compiled: CompiledStack, inputs: tuple[RuntimeInput, ...]
    ) -> tuple[Artifact, ...]:
        from hsmc.targets.compose.emit import emit

        return emit(compiled, inputs)


TARGET: Target = Compose()  # mypy checks the protocol
