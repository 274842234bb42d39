"""Names a cluster would merge or refuse, each a located error rather than an apply that fails
or, worse, two things that silently become one.

- HSM707: two objects of one kind and name (the headless Service `db-headless` of a
  StatefulSet `db` and the Service of a group `db-headless`): Kustomize stops ("already
  registered id").
- HSM708: a volume whose claim name is taken or invalid: `pg_data` and `pg.data` both become
  the claim `pg-data` (one disk where compose has two), a claim named like a pod volume hsmc
  adds itself, a name that is no DNS-1123 label (`data_` → `data-`).
- HSM710: a variable of the service named like a reserved `HSMC_NAME` that it needs.
"""

from __future__ import annotations

import re

from hsmc.errors import Collector, printable
from hsmc.model import Span
from hsmc.targets.kubernetes.env import reserved, reserved_inputs
from hsmc.targets.kubernetes.volumes import FILES_VOLUME, SCRATCH, claim_name
from hsmc.workload import CompiledStack, MountKind, Workload

_DNS_1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_INTERNAL = re.compile(rf"{re.escape(FILES_VOLUME)}|{re.escape(SCRATCH)}[0-9]+")


def check_names(compiled: CompiledStack, out: Collector) -> None:
    owners: dict[tuple[str, str], str] = {}
    for workload in compiled.workloads:
        _check_claims(workload, out)
        _check_reserved(workload, out)
        for kind, name in object_names(workload):
            owner = owners.setdefault((kind, name), workload.name)
            if owner != workload.name:
                out.add(
                    "HSM707",
                    f"service `{workload.name}` and service `{owner}` both make the {kind} "
                    f"`{name}`",
                    _span(workload),
                    "rename one of the groups: a StatefulSet `NAME` has a headless Service "
                    "`NAME-headless`, so no other service may be called so",
                )


def object_names(workload: Workload) -> list[tuple[str, str]]:
    """Every (kind, name) of the objects the workload makes, its workload's own name aside
    (service names are unique)."""
    claimed = any(v.kind is MountKind.VOLUME and v.source for v in workload.volumes)
    ported = any(b.container is not None for p in workload.ports for b in p.bindings)
    found = [("Service", workload.name)] if ported else []
    found += [("Service", f"{workload.name}-headless")] if claimed else []
    return found


def _span(workload: Workload) -> Span:
    resolved = workload.effective.resolved
    return resolved.group.span if resolved.group else resolved.container.span


def _check_claims(workload: Workload, out: Collector) -> None:
    sources: dict[str, str] = {}
    for volume in workload.volumes:
        if volume.kind is not MountKind.VOLUME or not volume.source:
            continue
        claim = claim_name(volume.source)
        first = sources.setdefault(claim, volume.source)
        why = None
        if first != volume.source:
            why = f"as volume `{printable(first)}` does: the two would be one disk"
        elif _INTERNAL.fullmatch(claim):
            why = "which is the name of a pod volume hsmc adds itself"
        elif len(claim) > 63 or not _DNS_1123.fullmatch(claim):
            why = "which is not a Kubernetes name (a DNS-1123 label of at most 63 characters)"
        if why is not None:
            out.add(
                "HSM708",
                f"volume `{printable(volume.source)}` of service `{workload.name}` becomes the "
                f"claim `{printable(claim)}`, {why}",
                volume.span,
                "rename the volume: a claim name is the volume's name in lower case with `-` "
                "for `_` and `.`, and must start and end with a letter or digit",
            )


def _check_reserved(workload: Workload, out: Collector) -> None:
    needed = {reserved(name): name for name in reserved_inputs(workload)}
    for var in workload.environment:
        if var.key in needed:
            out.add(
                "HSM710",
                f"variable `{printable(var.key)}` of service `{workload.name}` has the reserved "
                f"name of input `{needed[var.key]}`, which the service reads",
                var.span,
                "names beginning with `HSMC_` are reserved on a cluster for the inputs a "
                "container reads: rename the variable",
            )
