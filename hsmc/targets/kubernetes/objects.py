"""The Kubernetes objects of one managed service, read from its effective record.

The record is the service's ServiceValues, the one the compose emitter reads: the image chosen
in resolve, values filled in interpolate. A group's `overrides:` is compose-shaped, so the
container's fields are read from `ComposeService.body()`, the one place where overrides are
merged (compose.py); shipped files and their mounts come from the EffectiveService. This module
only translates. Objects are plain dicts and lists of str/int/bool in the order a reader
expects; emit_kubernetes writes them.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from hsmc.model import ComposeNode, Literal, RuntimeRef, ServiceValues, Value
from hsmc.ports import container_side, protocol
from hsmc.targets.compose.service import ComposeService

Obj = dict[str, object]
NAME_LABEL = "app.kubernetes.io/name"
FILES_VOLUME = "hsm-files"
VOLUME_SIZE = "1Gi"
_NAMED = re.compile(r"([A-Za-z0-9][A-Za-z0-9_.-]*):(.+)")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|us|ns|m|s)")
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


@dataclass(frozen=True)
class Workload:
    """What emit_kubernetes needs of one service: its objects and what STACK.md tells."""

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


def workload(service: ServiceValues, secret: str, optional: frozenset[str]) -> Workload:
    body = ComposeService.of(service).body()
    ports = tuple(_ports(body.get("ports")))
    mounts, volumes, claims = _volumes(service, body.get("volumes"))
    image = _plain(body.get("image"))  # validate refused run-time references in it (HSM706)
    container: Obj = {"name": service.name, "image": image}
    for key, field in (("entrypoint", "command"), ("command", "args")):
        words = _words(body.get(key))
        if words:
            container[field] = words
    env = _env(body, secret, optional)
    if env:
        container["env"] = env
    if ports:
        container["ports"] = [
            {"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports
        ]
    probe = _probe(body.get("healthcheck"))
    if probe:
        container["readinessProbe"] = probe
    if mounts:
        container["volumeMounts"] = mounts
    pod: Obj = {"containers": [container]}
    if volumes:
        pod["volumes"] = volumes
    labels = {NAME_LABEL: service.name}
    spec: Obj = {"replicas": 1, "selector": {"matchLabels": labels}}
    kind = "StatefulSet" if claims else "Deployment"
    if claims:
        spec["serviceName"] = f"{service.name}-headless"
    spec["template"] = {"metadata": {"labels": labels}, "spec": pod}
    if claims:
        spec["volumeClaimTemplates"] = [_claim(c) for c in claims]
    objects = [_object("apps/v1", kind, service.name, spec)]
    if claims:
        objects.append(_service(f"{service.name}-headless", service.name, ports, headless=True))
    if ports:
        objects.append(_service(service.name, service.name, ports, headless=False))
    return Workload(service.name, kind, image, tuple(objects), ports, tuple(claims))


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


def _plain(node: ComposeNode | None) -> str:
    return node.plain() if isinstance(node, Value) else ""


def _words(node: ComposeNode | None) -> list[str]:
    """compose's string form is split like a shell would (as compose does); lists stay."""
    if isinstance(node, Value):
        return shlex.split(k8s_text(node))
    if isinstance(node, list):
        return [k8s_text(v) for v in node if isinstance(v, Value)]
    return []


def _refs(body: dict[str, ComposeNode]) -> set[str]:
    """Every run-time input the container's env, command, args and probe read."""
    names: set[str] = set()
    todo: list[ComposeNode] = [body.get(k, []) for k in ("environment", "command", "entrypoint")]
    todo.append(body.get("healthcheck", []))
    while todo:
        node = todo.pop()
        if isinstance(node, Value):
            names.update(r.name for r in node.refs)
        elif isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return names


def _env(body: dict[str, ComposeNode], secret: str, optional: frozenset[str]) -> list[Obj]:
    """Inputs first, each from the Secret, so that the `$(NAME)` after them expand; then the
    service's variables. A variable that only passes its input on is the input itself."""
    environment = body.get("environment")
    variables = environment if isinstance(environment, dict) else {}
    result: list[Obj] = []
    for name in sorted(_refs(body)):
        ref: Obj = {"name": secret, "key": name}
        if name in optional:
            ref["optional"] = True
        result.append({"name": name, "valueFrom": {"secretKeyRef": ref}})
    for key in sorted(variables):
        value = variables[key]
        if not isinstance(value, Value) or _passes_on(key, value):
            continue
        result.append({"name": key, "value": k8s_text(value)})
    return result


def _passes_on(key: str, value: Value) -> bool:
    only = value.pieces[0] if len(value.pieces) == 1 else None
    return isinstance(only, RuntimeRef) and only.name == key


def _ports(node: ComposeNode | None) -> Iterable[tuple[str, int, str]]:
    seen: set[tuple[int, str]] = set()
    for item in node if isinstance(node, list) else []:
        text = _plain(item)
        port, proto = container_side(text), protocol(text).upper()
        if port.isdigit() and (int(port), proto) not in seen:
            seen.add((int(port), proto))
            yield f"{proto.lower()}-{port}", int(port), proto


def claim_name(volume: str) -> str:
    """A compose volume name as a Kubernetes name (`pg_data` → `pg-data`)."""
    return volume.replace("_", "-").replace(".", "-").lower()


def _volumes(
    service: ServiceValues, items: ComposeNode | None
) -> tuple[list[Obj], list[Obj], list[str]]:
    """(volumeMounts, pod volumes, volumeClaimTemplates): named volumes are claims, a bare
    container path an emptyDir, shipped files come from the service's ConfigMap."""
    mounts: list[Obj] = []
    volumes: list[Obj] = []
    claims: list[str] = []
    files = service.effective.files
    shipped = {f"{m.source}:{m.target}:ro" for m in service.effective.mounts}
    for n, item in enumerate(items if isinstance(items, list) else []):
        text = _plain(item)
        match = _NAMED.fullmatch(text)
        if text in shipped:
            continue  # from `files:`, below
        if match:
            path, _, mode = match.group(2).partition(":")
            name = claim_name(match.group(1))
            claims += [] if name in claims else [name]
            mounts.append(_mount(name, path, "ro" in mode.split(",")))
        elif text.startswith("/") and ":" not in text:
            name = f"scratch-{n}"
            volumes.append({"name": name, "emptyDir": {}})
            mounts.append(_mount(name, text, False))
    if files:
        items_: list[Obj] = []
        for f in sorted(files, key=lambda f: f.name):
            items_.append({"key": f.name, "path": f.name, "mode": 0o555 if f.executable else 0o444})
            mounts.append({**_mount(FILES_VOLUME, f.container_path, True), "subPath": f.name})
        config = {"name": f"{service.name}-files", "items": items_}
        volumes.append({"name": FILES_VOLUME, "configMap": config})
    return sorted(mounts, key=lambda m: str(m["mountPath"])), volumes, claims


def _mount(name: str, path: str, read_only: bool) -> Obj:
    mount: Obj = {"name": name, "mountPath": path}
    if read_only:
        mount["readOnly"] = True
    return mount


def _probe(node: ComposeNode | None) -> Obj:
    """A compose healthcheck as a readiness probe (never a liveness probe: a restart loop
    would hide why a service does not start)."""
    check = node if isinstance(node, dict) else {}
    test = check.get("test")
    words = [shell_text(v) for v in test if isinstance(v, Value)] if isinstance(test, list) else []
    if isinstance(test, Value):
        words = ["CMD-SHELL", shell_text(test)]
    if check.get("disable") is True or not words or words[0] == "NONE":
        return {}
    command = words[1:] if words[0] == "CMD" else ["sh", "-c", " ".join(words[1:])]
    probe: Obj = {"exec": {"command": command}}
    fields = (
        ("start_period", "initialDelaySeconds"),
        ("interval", "periodSeconds"),
        ("timeout", "timeoutSeconds"),
    )
    for key, field in fields:
        seconds = _seconds(check.get(key))
        if seconds is not None:
            probe[field] = seconds
    retries = check.get("retries")
    if isinstance(retries, int) and not isinstance(retries, bool) and retries > 0:
        probe["failureThreshold"] = retries
    return probe


def _seconds(node: ComposeNode | None) -> int | None:
    """A compose duration (`1m30s`, `500ms`) in whole seconds, rounded up; None when it is
    not a plain duration (a run-time reference)."""
    text = _plain(node)
    parts = _DURATION.findall(text)
    if not parts or "".join(a + b for a, b in parts) != text:
        return None
    total = sum(float(a) * _SECONDS[b] for a, b in parts)
    return max(1, math.ceil(total))
