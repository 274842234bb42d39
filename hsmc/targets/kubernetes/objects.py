"""The Kubernetes objects of one managed service, read from its typed Workload.

The workload is the one every target reads (hsmc/workload.py): the image, argv words, typed
ports and volumes, the healthcheck with durations in seconds, the group's overrides already
merged. This module only translates; nothing here parses a string. Objects are plain dicts and
lists of str/int/bool in the order a reader expects; emit.py writes them. The environment is
env.py's, the volumes volumes.py's.

Nothing the project's name reaches is immutable: selectors carry only the service's name label,
claim templates only labels that never change; the project's label is on the pod template
(written here) and on each object's metadata (Kustomize's `labels:`), which a rename may
change.
"""

from __future__ import annotations

from hsmc.inputs import Use, package_uses
from hsmc.record import Record, setfield
from hsmc.syntax import quantities
from hsmc.targets.kubernetes.env import Environment, environment, k8s_text, probe
from hsmc.targets.kubernetes.volumes import claim_template, claims, config_keys, mounts
from hsmc.workload import CompiledStack, Resources, Workload

Obj = dict[str, object]
NAME_LABEL = "app.kubernetes.io/name"
PART_OF_LABEL = "app.kubernetes.io/part-of"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
# pod hardening every built-in image starts with (decisions.md: each entrypoint read)
CONTAINER_SECURITY: Obj = {"allowPrivilegeEscalation": False}
POD_SECURITY: Obj = {"seccompProfile": {"type": "RuntimeDefault"}}


class Objects(Record):
    """What emit needs of one service: its objects and what STACK.md tells."""

    name: str
    kind: str  # Deployment or StatefulSet
    image: str
    objects: tuple[Obj, ...]
    ports: tuple[tuple[str, int, str], ...]  # (name, port, protocol)
    claims: tuple[str, ...]  # volumeClaimTemplates names
    secret: str | None  # the Secret of its inputs, when it reads any
    secret_keys: tuple[str, ...]  # the inputs its Secret holds
    files: tuple[tuple[str, str], ...]  # (ConfigMap key, file name) of its shipped files
    resources: str  # as STACK.md shows them

    def __init__(
        self,
        name: str,
        kind: str,
        image: str,
        objects: tuple[Obj, ...],
        ports: tuple[tuple[str, int, str], ...],
        claims: tuple[str, ...],
        secret: str | None,
        secret_keys: tuple[str, ...],
        files: tuple[tuple[str, str], ...],
        resources: str,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "kind", kind)
        setfield(self, "image", image)
        setfield(self, "objects", objects)
        setfield(self, "ports", ports)
        setfield(self, "claims", claims)
        setfield(self, "secret", secret)
        setfield(self, "secret_keys", secret_keys)
        setfield(self, "files", files)
        setfield(self, "resources", resources)


def secret_name(workload: Workload) -> str:
    return f"{workload.name}-inputs"


def objects(workload: Workload, project: str) -> Objects:
    name = workload.name
    ports = _ports(workload)
    keys = config_keys([f.name for f in workload.effective.files])
    container, env = _container(workload, ports)
    volume_mounts, volumes = mounts(workload, keys)
    if volume_mounts:
        container["volumeMounts"] = volume_mounts
    container["securityContext"] = CONTAINER_SECURITY
    pod = _pod(container, volumes)
    claimed = tuple(c for c, _ in claims(workload))
    labels = {NAME_LABEL: name}
    template_labels = {**labels, PART_OF_LABEL: project, MANAGED_BY_LABEL: "hsmc"}
    # no `replicas`: an apply would undo `kubectl scale` (the default is 1)
    spec: Obj = {"selector": {"matchLabels": labels}}
    kind = "StatefulSet" if claimed else "Deployment"
    if claimed:
        spec["serviceName"] = f"{name}-headless"
    spec["template"] = {"metadata": {"labels": template_labels}, "spec": pod}
    if claimed:
        spec["volumeClaimTemplates"] = [claim_template(c, name) for c in claimed]
    found = [_object("apps/v1", kind, name, spec)]
    if claimed:
        found.append(_service(f"{name}-headless", name, ports, headless=True))
    if ports:
        found.append(_service(name, name, ports, headless=False))
    secret = secret_name(workload) if env.keys else None
    files = tuple(sorted((keys[f.name], f.name) for f in workload.effective.files))
    image = str(container["image"])
    shown = _shown(container.get("resources"))
    return Objects(name, kind, image, tuple(found), ports, claimed, secret, env.keys, files, shown)


def _pod(container: Obj, volumes: list[Obj]) -> Obj:
    pod: Obj = {
        "automountServiceAccountToken": False,  # no built-in talks to the API server
        "enableServiceLinks": False,  # no FOO_SERVICE_HOST, FOO_PORT: compose gives none
        "securityContext": POD_SECURITY,
        "containers": [container],
    }
    if volumes:
        pod["volumes"] = volumes
    return pod


def _container(
    workload: Workload, ports: tuple[tuple[str, int, str], ...]
) -> tuple[Obj, Environment]:
    image = workload.image.plain() if workload.image else ""  # checks refused references
    container: Obj = {"name": workload.name, "image": image}
    if workload.entrypoint is not None and workload.entrypoint.words:
        container["command"] = [k8s_text(w) for w in workload.entrypoint.words]
    if workload.command is not None and workload.command.words:
        container["args"] = [k8s_text(w) for w in workload.command.words]
    env = environment(workload, secret_name(workload))
    if env.entries:
        container["env"] = list(env.entries)
    if ports:
        container["ports"] = [
            {"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports
        ]
    if workload.resources is not None:
        container["resources"] = resources(workload.resources)
    # a healthcheck is the readiness probe; a liveness probe only where the registry
    # declares one (a wrong one restarts a healthy database in a loop)
    probes = (("readinessProbe", workload.healthcheck), ("livenessProbe", workload.liveness))
    for field, check in probes:
        found = probe(check)
        if found:
            container[field] = found
    return container, env


def resources(given: Resources) -> Obj:
    found: Obj = {}
    for section, cpu, memory in (
        ("requests", given.requests_cpu, given.requests_memory),
        ("limits", given.limits_cpu, given.limits_memory),
    ):
        amounts: Obj = {}
        if cpu is not None:
            amounts["cpu"] = quantities.kubernetes_cpu(cpu)
        if memory is not None:
            amounts["memory"] = quantities.kubernetes_memory(memory)
        if amounts:
            found[section] = amounts
    return found


def _shown(given: object) -> str:
    """`requests cpu 100m, memory 256Mi; limits …` for STACK.md."""
    if not isinstance(given, dict):
        return ""
    parts = []
    for section, amounts in given.items():
        if isinstance(amounts, dict):
            parts.append(f"{section} " + ", ".join(f"{k} {v}" for k, v in amounts.items()))
    return "; ".join(parts)


def _object(api: str, kind: str, name: str, spec: Obj) -> Obj:
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": name, "labels": {NAME_LABEL: name}},
        "spec": spec,
    }


def _service(name: str, app: str, ports: tuple[tuple[str, int, str], ...], headless: bool) -> Obj:
    spec: Obj = {"type": "ClusterIP"}
    if headless:
        spec["clusterIP"] = "None"
    spec["selector"] = {NAME_LABEL: app}
    if ports:
        spec["ports"] = [
            {"name": n, "port": p, "targetPort": n, "protocol": proto} for n, p, proto in ports
        ]
    obj = _object("v1", "Service", name, spec)
    obj["metadata"] = {"name": name, "labels": {NAME_LABEL: app}}
    return obj


def _ports(workload: Workload) -> tuple[tuple[str, int, str], ...]:
    """Every container port, once per protocol (a range gives one per port); the host side is
    a laptop's concern. With no `ports:`, the main `port:` is the one port: it is what
    dependents are given, and compose's network reaches it without publishing it (a port of
    `ports:` that is not the main one is HSM712's)."""
    seen: dict[tuple[int, str], None] = {}
    for port in workload.ports:
        for binding in port.bindings:
            if binding.container is not None:  # a reference: refused by the checks
                seen.setdefault((binding.container, binding.protocol.upper()), None)
    main = workload.effective.resolved.container.port
    if not workload.ports and main is not None:
        seen[(main, "TCP")] = None
    return tuple((f"{proto.lower()}-{port}", port, proto) for port, proto in seen)


def uses(compiled: CompiledStack) -> list[Use]:
    """Every value the manifests and packages.env write: a container's environment, command,
    args and probes. A host port is nothing on a cluster: it is not a use."""
    found: list[Use] = []
    for workload in compiled.workloads:
        where = f"service {workload.name}"
        found += [Use(where, e.key, e.value) for e in workload.environment]
        for command in (workload.command, workload.entrypoint):
            found += [Use(where, None, w) for w in command.words] if command is not None else []
        for check in (workload.healthcheck, workload.liveness):
            if check is not None and check.probes:
                found += [Use(where, None, t) for t in check.test or ()]
    return found + package_uses(compiled.package_env)
