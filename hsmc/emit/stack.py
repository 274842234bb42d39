"""The rows of STACK.md that every target writes alike: services and how each is made, and
the inputs a service reads only when it initialises its data, and which environment the stack
is."""

from __future__ import annotations

from hsmc.model import BuildChoice, Difference, EffectiveService, ImageChoice, Stack
from hsmc.record import Record, setfield
from hsmc.workload import CompiledStack, MountKind


class ServiceRow(Record):
    """A row of STACK.md's service table."""

    name: str
    group: str
    container: str
    profile: str
    deployed: str
    mode: str
    source: str
    implied_by: str

    def __init__(
        self,
        name: str,
        group: str,
        container: str,
        profile: str,
        deployed: str,
        mode: str,
        source: str,
        implied_by: str,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "group", group)
        setfield(self, "container", container)
        setfield(self, "profile", profile)
        setfield(self, "deployed", deployed)
        setfield(self, "mode", mode)
        setfield(self, "source", source)
        setfield(self, "implied_by", implied_by)


def service_rows(stack: Stack) -> list[ServiceRow]:
    return [_service_row(s) for s in stack.effective]


def _service_row(service: EffectiveService) -> ServiceRow:
    resolved, profile, endpoint = service.resolved, service.resolved.profile, service.endpoint
    deployed = "managed"  # an external profile without host and port was refused (HSM207)
    if endpoint is not None:
        deployed = f"external {endpoint.host.value}:{endpoint.port.value if endpoint.port else ''}"
    return ServiceRow(
        name=service.name,
        group="explicit" if resolved.group else "implicit",
        container=resolved.container.name,
        profile=profile.name if profile else "managed (implicit)",
        deployed=deployed,
        mode=resolved.source.mode if resolved.source is not None else "—",
        source=made_text(service.made),
        implied_by=", ".join(resolved.implied_by) or "—",
    )


def made_text(made: ImageChoice | BuildChoice | None) -> str:
    """How a service is made; a build context relative to the project directory."""
    if isinstance(made, BuildChoice):
        return f"build {made.from_project}"
    return f"image {made.image.value}" if made is not None else "—"


class InitOnlyRow(Record):
    """A service whose image reads some variables only when it initialises its data."""

    service: str
    variables: tuple[str, ...]
    inputs: tuple[str, ...]  # the run-time inputs those variables read
    volumes: tuple[str, ...]  # its named volumes, where that data lives

    def __init__(
        self,
        service: str,
        variables: tuple[str, ...],
        inputs: tuple[str, ...],
        volumes: tuple[str, ...],
    ) -> None:
        setfield(self, "service", service)
        setfield(self, "variables", variables)
        setfield(self, "inputs", inputs)
        setfield(self, "volumes", volumes)


def init_only_rows(compiled: CompiledStack) -> list[InitOnlyRow]:
    rows = []
    for workload in compiled.workloads:
        if not workload.init_only_env:
            continue
        values = {var.key: var.value for var in workload.environment}
        names = workload.init_only_env
        inputs = sorted({r.name for name in names for r in values[name].refs})
        volumes = sorted(
            {v.source for v in workload.volumes if v.kind is MountKind.VOLUME and v.source}
        )
        rows.append(InitOnlyRow(workload.name, names, tuple(inputs), tuple(volumes)))
    return rows


class EnvironmentView(Record):
    """STACK.md's section on environments, in a manifest that defines any."""

    name: str | None  # None: the default environment (the top level)
    differences: tuple[Difference, ...]  # from the default environment
    others: tuple[str, ...]  # the default's: the environments built beside it
    project: str
    default_project: str

    def __init__(
        self,
        name: str | None,
        differences: tuple[Difference, ...],
        others: tuple[str, ...],
        project: str,
        default_project: str,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "differences", differences)
        setfield(self, "others", others)
        setfield(self, "project", project)
        setfield(self, "default_project", default_project)


def environment_view(stack: Stack) -> EnvironmentView | None:
    """None for a manifest without `environments:` (its STACK.md says nothing of them)."""
    manifest = stack.manifest
    if manifest.environment is None and not manifest.environments:
        return None
    others = tuple(e.name for e in manifest.environments)
    default = manifest.name
    if manifest.environment is not None:  # its project name is the default's + `-NAME`
        default = default.removesuffix(f"-{manifest.environment}")
    return EnvironmentView(
        manifest.environment, manifest.differences, others, manifest.name, default
    )
