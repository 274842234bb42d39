"""A workload's volumes on a cluster: claims, scratch space and shipped files.

A named volume is a claim of the StatefulSet, mounted through a subdirectory (`subPath:
data`): a fresh cloud disk holds `lost+found` at its root, and a data directory that is the
volume's root is then not empty (PostgreSQL's initdb refuses it and the pod crash-loops;
decisions.md, "The kubernetes target"). Every mount of one claim uses the same subdirectory,
so two mounts share the volume as they do on compose. Shipped files come from the service's
ConfigMap, each under a key Kubernetes takes (`config_key`).
"""

from __future__ import annotations

import hashlib
import re

from hsmc.workload import MountKind, Volume, Workload

Obj = dict[str, object]
FILES_VOLUME = "hsm-files"
SCRATCH = "scratch-"
DATA_DIRECTORY = "data"  # the subdirectory of every claim that the container sees
VOLUME_SIZE = "1Gi"
_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_MAX_KEY = 253


def claim_name(volume: str) -> str:
    """A compose volume name as a Kubernetes name (`pg_data` → `pg-data`)."""
    return volume.replace("_", "-").replace(".", "-").lower()


def claims(workload: Workload) -> tuple[tuple[str, Volume], ...]:
    """(claim, first volume item naming it), in the order the volumes are written."""
    found: dict[str, Volume] = {}
    for volume in workload.volumes:
        if volume.kind is MountKind.VOLUME and volume.source:
            found.setdefault(claim_name(volume.source), volume)
    return tuple(found.items())


def mounts(workload: Workload, keys: dict[str, str]) -> tuple[list[Obj], list[Obj]]:
    """(volumeMounts, pod volumes): named volumes are claims, anonymous volumes and tmpfs an
    emptyDir, shipped files come from the service's ConfigMap. `keys`: file name → key."""
    found: list[Obj] = []
    volumes: list[Obj] = []
    for n, volume in enumerate(workload.volumes):
        if volume.kind is MountKind.VOLUME and volume.source:
            mount = _mount(claim_name(volume.source), volume.target, volume.read_only)
            found.append({**mount, "subPath": DATA_DIRECTORY})
        elif volume.kind in (MountKind.ANONYMOUS, MountKind.TMPFS):
            name = f"{SCRATCH}{n}"
            memory = {"medium": "Memory"} if volume.kind is MountKind.TMPFS else {}
            volumes.append({"name": name, "emptyDir": memory})
            found.append(_mount(name, volume.target, volume.read_only))
    files = workload.effective.files
    if files:
        items: list[Obj] = []
        for f in sorted(files, key=lambda f: keys[f.name]):
            key = keys[f.name]
            items.append({"key": key, "path": key, "mode": 0o555 if f.executable else 0o444})
            found.append({**_mount(FILES_VOLUME, f.container_path, True), "subPath": key})
        config = {"name": f"{workload.name}-files", "items": items}
        volumes.append({"name": FILES_VOLUME, "configMap": config})
    return sorted(found, key=lambda m: str(m["mountPath"])), volumes


def _mount(name: str, path: str, read_only: bool) -> Obj:
    mount: Obj = {"name": name, "mountPath": path}
    if read_only:
        mount["readOnly"] = True
    return mount


def claim_template(name: str, service: str) -> Obj:
    """Labels that never change (a claim template is immutable): the service's name and
    hsmc's, never the project's."""
    labels = {"app.kubernetes.io/name": service, "app.kubernetes.io/managed-by": "hsmc"}
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": VOLUME_SIZE}},
        },
    }


def config_keys(names: list[str]) -> dict[str, str]:
    """A ConfigMap key for each shipped file name: the name itself when Kubernetes takes it
    as a key (letters, digits, `-`, `_`, `.`; not `.`, `..` or `..…`), else the name with
    every other character as `_` and a hash of the name (`my file.sh` → `my_file.sh-1c2e…`),
    longer when that is taken: one key per name, never two."""
    keys = {name: name for name in names if is_config_key(name)}
    taken = set(keys.values())
    for name in sorted(n for n in names if n not in keys):
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
        stem = re.sub(r"[^-._a-zA-Z0-9]", "_", name)
        stem = "_" + stem if stem.startswith(".") else stem
        key = f"{stem[: _MAX_KEY - 65]}-{digest}"  # the whole digest: unique for a new name
        for size in range(8, len(digest), 4):
            if f"{stem[: _MAX_KEY - size - 1]}-{digest[:size]}" not in taken:
                key = f"{stem[: _MAX_KEY - size - 1]}-{digest[:size]}"
                break
        keys[name] = key
        taken.add(key)
    return keys


def is_config_key(name: str) -> bool:
    return (
        len(name) <= _MAX_KEY
        and _KEY.fullmatch(name) is not None
        and name not in (".", "..")
        and not name.startswith("..")
    )
