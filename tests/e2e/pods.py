"""A rendered workload run as a pod by podman's `kube play` (Debian's podman 4.3.1), the nearest
thing to a kubelet that runs here: no API server, no StatefulSet, no `subPath`, no `$(VAR)`.

So the pod template of a rendered StatefulSet becomes a Deployment for the trial, with what
the kubelet would do done first, and said so:
- each variable is the value Kubernetes would set (tests/cluster_helpers.container_env: Secret
  keys read, `$(…)` expanded, in order), and so are `command` and `args`;
- a claim is a fresh ext4 file system on a loop device (what a cloud disk is: `lost+found` at
  its root), and a claim mounted with `subPath` is a host path to that subdirectory, created
  as the kubelet creates it (mkdir, with the mode of the volume's root); a shipped file is a
  host path to the ConfigMap item, with the item's mode;
- `ports` are dropped (podman would publish them on this machine), everything else is kept:
  `securityContext` (podman sets no_new_privs for `allowPrivilegeEscalation: false`; its own
  default seccomp filter applies either way), the probes (run here with `podman exec`, as the
  kubelet runs an exec probe).
"""

from __future__ import annotations

import copy
import os
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.cluster_helpers import container_env, expand, secrets_of


class Disk:
    """A fresh ext4 file system of 128 MiB, mounted from a loop device."""

    def __init__(self, where: Path) -> None:
        self.image = where.with_suffix(".img")
        self.root = where
        where.mkdir(parents=True)
        subprocess.run(["truncate", "-s", "128M", self.image], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", self.image], check=True)
        subprocess.run(["mount", "-o", "loop", self.image, where], check=True)

    def close(self) -> None:
        subprocess.run(["umount", self.root], check=False)


def podman_env(work: Path) -> dict[str, str]:
    """podman's defaults raise RLIMIT_NOFILE and RLIMIT_NPROC past what a container sandbox
    may grant (runc: "error setting rlimit … operation not permitted"): ask for what it has."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    conf = work / "containers.conf"
    conf.write_text(
        "[containers]\n"
        f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc=4096:4096"]\n'
        'log_driver = "k8s-file"\n',
        encoding="utf-8",
    )
    return {**os.environ, "CONTAINERS_CONF": str(conf)}


@dataclass
class Trial:
    """One workload converted for `kube play`: the Deployment and the probe to run."""

    name: str
    deployment: dict[str, Any]
    probe: list[str]


def trial(
    workload: dict[str, Any],
    rendered: list[dict[str, Any]],
    disks: dict[str, Path],
    files: Path,
    name: str,
) -> Trial:
    """`disks`: claim name → the mounted root of its file system; `files`: a scratch directory
    for the ConfigMap items."""
    configmaps = {o["metadata"]["name"]: o for o in rendered if o["kind"] == "ConfigMap"}
    template = copy.deepcopy(workload["spec"]["template"])
    spec = template["spec"]
    (container,) = spec["containers"]
    env = container_env(container, secrets_of(rendered))
    container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    for key in ("command", "args"):
        if key in container:
            container[key] = [expand(word, env) for word in container[key]]
    container.pop("ports", None)
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    for n, mount in enumerate(container.get("volumeMounts", [])):
        path = _host_path(mount, spec, disks, configmaps, files)
        kind = "Directory" if path.is_dir() else "File"
        volumes.append({"name": f"v{n}", "hostPath": {"path": str(path), "type": kind}})
        mounts.append({"name": f"v{n}", "mountPath": mount["mountPath"]})
        if mount.get("readOnly"):
            mounts[-1]["readOnly"] = True
    container["volumeMounts"] = mounts
    spec["volumes"] = volumes
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"selector": workload["spec"]["selector"], "template": template},
    }
    probe = container["readinessProbe"]["exec"]["command"]
    return Trial(name, deployment, probe)


def _host_path(
    mount: dict[str, Any],
    spec: dict[str, Any],
    disks: dict[str, Path],
    configmaps: dict[str, dict[str, Any]],
    files: Path,
) -> Path:
    if mount["name"] in disks:
        root = disks[mount["name"]]
        if "subPath" not in mount:
            return root
        path = root / mount["subPath"]
        if not path.exists():  # the kubelet's SafeMakeDir: the mode of the volume's root
            path.mkdir(mode=root.stat().st_mode & 0o7777)
        return path
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    config = volume["configMap"]
    item = next(i for i in config["items"] if i["path"] == mount["subPath"])
    path = files / item["key"]
    path.write_text(configmaps[config["name"]]["data"][item["key"]], encoding="utf-8")
    path.chmod(item["mode"])
    return path


class Podman:
    """podman with the trial's environment; `base` is the stand-ins' base image. `down` takes
    every pod it played down, then unmounts every disk it made."""

    def __init__(self, env: dict[str, str], base: str = "") -> None:
        self.env = env
        self.base = base
        self.played: list[Path] = []
        self.disks: list[Disk] = []

    def disk(self, where: Path) -> Disk:
        made = Disk(where)
        self.disks.append(made)
        return made

    def logs(self, container: str) -> str:
        found = self.run("logs", container, check=False)
        return (found.stdout + found.stderr)[-4000:]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["podman", *args], env=self.env, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"podman {' '.join(args)}: {result.stderr[-2000:]}")
        return result

    def play(self, found: Trial, where: Path) -> str:
        """Starts the pod; returns its container's name."""
        path = where / f"{found.name}.yaml"
        path.write_text(yaml.safe_dump(found.deployment), encoding="utf-8")
        self.played.append(path)
        self.run("kube", "play", str(path))
        (container,) = found.deployment["spec"]["template"]["spec"]["containers"]
        return f"{found.name}-pod-0-{container['name']}"

    def ready(self, container: str, probe: list[str], seconds: float) -> float | None:
        """Seconds until the readiness probe passes, as the kubelet runs it; None if never."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if self.run("exec", container, *probe, check=False).returncode == 0:
                return time.monotonic() - started
            time.sleep(1)
        return None

    def restarts(self, container: str) -> int:
        return int(self.run("inspect", container, "--format", "{{.RestartCount}}").stdout)

    def down(self) -> None:
        for path in self.played:
            self.run("kube", "down", str(path), check=False)
        for disk in self.disks:
            disk.close()


TOOLS = {"podman": "podman", "catatonit": "catatonit", "mkfs.ext4": "e2fsprogs"}


def available() -> str | None:
    """Why the trial cannot run here, or None; as root, installs what is missing with apt (as
    engine.ensure_tools does for the Docker engine)."""
    if os.geteuid() != 0:
        return "not root: a loop device and rootful podman are needed"
    missing = sorted({pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None})
    if missing:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", *missing]
        if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
            return f"{', '.join(missing)} missing and `apt-get install` failed"
    return None
