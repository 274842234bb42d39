"""The Kubernetes objects of one managed service, read from its typed Workload.

The workload is the one every target reads (hsmc/workload.py): the image, argv words, typed
ports and volumes, the healthcheck with durations in seconds, the group's overrides already
merged. This module only translates; nothing here parses a string. Objects are plain dicts and
lists of str/int/bool in the order a reader expects; emit.py writes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hsmc.inputs import Use, package_uses
from hsmc.model import Literal, RuntimeRef, Value
from hsmc.workload import CompiledStack, Duration, Healthcheck, MountKind, Workload

Obj = dict[str, object]
NAME_LABEL = "app.kubernetes.io/name"
FILES_VOLUME = "hsm-files"
VOLUME_SIZE = "1Gi"


@dataclass(frozen=True)
class Objects:
    """What emit needs of one service: its objects and what STACK.md tells."""

    name: str
    kind: str  # Deployment or StatefulSet
    image: str
    objects: tuple[Obj, ...]
    ports: tuple[tuple[str, int, str], ...]  # (name, port, protocol)
    claims: tuple[str, ...]  # volumeClaimTemplates names


def k8s_text(value: Value) -> str:
    """Text where Kubernetes expands `$(VAR)` (env values, command, args): a run-time
    reference becomes `$(NAME)` and every literal `$` is doubled (`$$` reads as `$`)."""
    return "".join(
        p.text.replace("$", "$$") if isinstance(p, Literal) else f"$({p.name})"
        for p in value.pieces
    )


def shell_text(value: Value) -> str:
    """Text a probe passes as is: references stay `${…}` for the probe's shell to expand
    from the container's environment, where they are defined."""
    return value.plain()


def objects(workload: Workload, secret: str, optional: frozenset[str]) -> Objects:
    name = workload.name
    ports = _ports(workload)
    mounts, volumes, claims = _volumes(workload)
    image = workload.image.plain() if workload.image else ""  # checks refused references
    container: Obj = {"name": name, "image": image}
    if workload.entrypoint is not None and workload.entrypoint.words:
        container["command"] = [k8s_text(w) for w in workload.entrypoint.words]
    if workload.command is not None and workload.command.words:
        container["args"] = [k8s_text(w) for w in workload.command.words]
    env = _env(workload, secret, optional)
    if env:
        container["env"] = env
    if ports:
        container["ports"] = [
            {"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports
        ]
    probe = _probe(workload.healthcheck)
    if probe:
        container["readinessProbe"] = probe
    if mounts:
        container["volumeMounts"] = mounts
    pod: Obj = {"containers": [container]}
    if volumes:
        pod["volumes"] = volumes
    labels = {NAME_LABEL: name}
    spec: Obj = {"replicas": 1, "selector": {"matchLabels": labels}}
    kind = "StatefulSet" if claims else "Deployment"
    if claims:
        spec["serviceName"] = f"{name}-headless"
    spec["template"] = {"metadata": {"labels": labels}, "spec": pod}
    if claims:
        spec["volumeClaimTemplates"] = [_claim(c) for c in claims]
    found = [_object("apps/v1", kind, name, spec)]
    if claims:
        found.append(_service(f"{name}-headless", name, ports, headless=True))
    if ports:
        found.append(_service(name, name, ports, headless=False))
    return Objects(name, kind, image, tuple(found), ports, tuple(claims))


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


def _claim(name: str) -> Obj:
    return {
        "metadata": {"name": name},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": VOLUME_SIZE}},
        },
    }


def _ports(workload: Workload) -> tuple[tuple[str, int, str], ...]:
    """Every container port, once per protocol (a range gives one per port); the host side is
    a laptop's concern."""
    seen: dict[tuple[int, str], None] = {}
    for port in workload.ports:
        for binding in port.bindings:
            if binding.container is not None:  # a reference: refused by the checks
                seen.setdefault((binding.container, binding.protocol.upper()), None)
    return tuple((f"{proto.lower()}-{port}", port, proto) for port, proto in seen)


def refs(workload: Workload) -> set[str]:
    """Every run-time input the container's env, command, args and probe read."""
    values = [e.value for e in workload.environment]
    for command in (workload.command, workload.entrypoint):
        values += list(command.words) if command is not None else []
    check = workload.healthcheck
    values += list(check.test or ()) if check is not None else []
    return {r.name for value in values for r in value.refs}


def _env(workload: Workload, secret: str, optional: frozenset[str]) -> list[Obj]:
    """Inputs first, each from the Secret, so that the `$(NAME)` after them expand; then the
    service's variables. A variable that only passes its input on is the input itself."""
    result: list[Obj] = []
    for name in sorted(refs(workload)):
        ref: Obj = {"name": secret, "key": name}
        if name in optional:
            ref["optional"] = True
        result.append({"name": name, "valueFrom": {"secretKeyRef": ref}})
    for var in workload.environment:
        if not _passes_on(var.key, var.value):
            result.append({"name": var.key, "value": k8s_text(var.value)})
    return result


def _passes_on(key: str, value: Value) -> bool:
    only = value.pieces[0] if len(value.pieces) == 1 else None
    return isinstance(only, RuntimeRef) and only.name == key


def claim_name(volume: str) -> str:
    """A compose volume name as a Kubernetes name (`pg_data` → `pg-data`)."""
    return volume.replace("_", "-").replace(".", "-").lower()


def _volumes(workload: Workload) -> tuple[list[Obj], list[Obj], list[str]]:
    """(volumeMounts, pod volumes, volumeClaimTemplates): named volumes are claims, anonymous
    volumes and tmpfs an emptyDir, shipped files come from the service's ConfigMap."""
    mounts: list[Obj] = []
    volumes: list[Obj] = []
    claims: list[str] = []
    for n, volume in enumerate(workload.volumes):
        if volume.kind is MountKind.VOLUME and volume.source:
            name = claim_name(volume.source)
            claims += [] if name in claims else [name]
            mounts.append(_mount(name, volume.target, volume.read_only))
        elif volume.kind in (MountKind.ANONYMOUS, MountKind.TMPFS):
            name = f"scratch-{n}"
            memory = {"medium": "Memory"} if volume.kind is MountKind.TMPFS else {}
            volumes.append({"name": name, "emptyDir": memory})
            mounts.append(_mount(name, volume.target, volume.read_only))
    files = workload.effective.files
    if files:
        items: list[Obj] = []
        for f in sorted(files, key=lambda f: f.name):
            items.append({"key": f.name, "path": f.name, "mode": 0o555 if f.executable else 0o444})
            mounts.append({**_mount(FILES_VOLUME, f.container_path, True), "subPath": f.name})
        config = {"name": f"{workload.name}-files", "items": items}
        volumes.append({"name": FILES_VOLUME, "configMap": config})
    return sorted(mounts, key=lambda m: str(m["mountPath"])), volumes, claims


def _mount(name: str, path: str, read_only: bool) -> Obj:
    mount: Obj = {"name": name, "mountPath": path}
    if read_only:
        mount["readOnly"] = True
    return mount


def _probe(check: Healthcheck | None) -> Obj:
    """A compose healthcheck as a readiness probe (never a liveness probe: a restart loop
    would hide why a service does not start)."""
    if check is None or not check.probes or check.test is None:
        return {}
    words = [shell_text(v) for v in check.test]
    command = words[1:] if words[0] == "CMD" else ["sh", "-c", " ".join(words[1:])]
    probe: Obj = {"exec": {"command": command}}
    fields = (
        (check.start_period, "initialDelaySeconds"),
        (check.interval, "periodSeconds"),
        (check.timeout, "timeoutSeconds"),
    )
    for duration, field in fields:
        seconds = _seconds(duration)
        if seconds is not None:
            probe[field] = seconds
    if check.retries is not None and check.retries > 0:
        probe["failureThreshold"] = check.retries
    return probe


def _seconds(duration: Duration | None) -> int | None:
    """In whole seconds, rounded up, at least 1; None when unknown until run time."""
    if duration is None or duration.seconds is None:
        return None
    return max(1, math.ceil(duration.seconds))


def uses(compiled: CompiledStack) -> list[Use]:
    """Every value the manifests and packages.env write: a container's environment, command,
    args and probe. A host port is nothing on a cluster: it is not a use."""
    found: list[Use] = []
    for workload in compiled.workloads:
        where = f"service {workload.name}"
        found += [Use(where, e.key, e.value) for e in workload.environment]
        for command in (workload.command, workload.entrypoint):
            found += [Use(where, None, w) for w in command.words] if command is not None else []
        check = workload.healthcheck
        found += [Use(where, None, t) for t in check.test or ()] if check is not None else []
    return found + package_uses(compiled.package_env)
