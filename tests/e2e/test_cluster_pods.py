"""The kubernetes target's pods, run by podman's `kube play` on a fresh ext4 disk (issue 18):
the data directory of golden 01's postgres and of the built-in one starts below the disk's
`lost+found` and initialises, where the same pod mounting the disk's root crash-loops; the
servers start with no_new_privs (`allowPrivilegeEscalation: false`) and a seccomp filter. What
the conversion for podman does in the kubelet's place is in tests/e2e/pods.py; what this does
and does not prove is in docs/decisions.md ("The kubernetes target").

Stand-in images (tests/e2e/images.py's, built here with podman), not the official ones: the
official entrypoints were read instead (decisions.md).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster_helpers import built, filled_env, project, render, workloads, write_env
from tests.e2e.images import STANDINS, base_tarball, standin_kind
from tests.e2e.pods import Podman, Trial, available, podman_env, trial

BUILTIN = "name: builtin\npackages:\n  - psycopg\n  - redis\n"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], str]:
    """podman's environment and the stand-ins' base image, imported once."""
    why = available()
    if why is not None and os.environ.get("HSMC_E2E_REQUIRED") == "1":  # CI: a failure
        pytest.fail(f"cluster pods: {why} (HSMC_E2E_REQUIRED=1)")
    if why is not None:
        pytest.skip(f"cluster pods: {why}")
    env = podman_env(tmp_path_factory.mktemp("podman"))
    tarball = base_tarball()
    image = "localhost/hsmc-e2e/base:" + tarball.stem.removeprefix("base-")
    runner = Podman(env)
    if runner.run("image", "exists", image, check=False).returncode != 0:
        runner.run("import", "-q", str(tarball), image)
    return env, image


@pytest.fixture
def podman(base: tuple[dict[str, str], str]) -> Iterator[Podman]:
    """Every pod played is taken down, then every disk unmounted."""
    runner = Podman(base[0], base[1])
    yield runner
    runner.down()


def _standin(podman: Podman, reference: str) -> None:
    kind = standin_kind(reference)
    assert kind is not None, reference
    with tempfile.TemporaryDirectory(prefix="hsmc-standin-") as tmp:
        shutil.copytree(STANDINS / kind, tmp, dirs_exist_ok=True)
        tag = reference if "/" in reference else f"docker.io/library/{reference}"
        podman.run("build", "-q", "--build-arg", f"BASE={podman.base}", "-t", tag, tmp)


def _pods(
    source: str, podman: Podman, work: Path, sub_path: bool = True
) -> Iterator[tuple[str, Trial, dict[str, Path]]]:
    """Each StatefulSet of the rendered project, converted, with a fresh disk per claim."""
    directory = built(project(source, work), "kubernetes")
    write_env(directory, filled_env(directory))
    rendered = render(directory)
    for name, workload in sorted(workloads(rendered).items()):
        if workload["kind"] != "StatefulSet":
            continue
        spec = workload["spec"]
        if not sub_path:  # the output as it was before issue 18: the claim's root mounted
            for mount in spec["template"]["spec"]["containers"][0]["volumeMounts"]:
                if mount["name"] != "hsm-files":
                    mount.pop("subPath", None)
        disks = {}
        for claim in spec["volumeClaimTemplates"]:
            disk = podman.disk(work / "disks" / f"{name}-{claim['metadata']['name']}")
            disks[claim["metadata"]["name"]] = disk.root
        _standin(podman, spec["template"]["spec"]["containers"][0]["image"])
        files = work / "files" / name
        files.mkdir(parents=True)
        pod = f"hsmce2e-{os.getpid()}-{name}"
        yield name, trial(workload, rendered, disks, files, pod), disks


@pytest.mark.parametrize("source", ["01-shared-container", BUILTIN], ids=["golden-01", "builtin"])
def test_a_fresh_ext4_disk_initialises_below_its_lost_and_found(
    source: str, podman: Podman, tmp_path: Path
) -> None:
    for name, found, disks in _pods(source, podman, tmp_path):
        container = podman.play(found, tmp_path)
        seconds = podman.ready(container, found.probe, 90)
        logs = podman.logs(container)
        assert seconds is not None, f"{name} never ready:\n{logs}"
        assert podman.restarts(container) == 0, logs
        status = podman.run("exec", container, "cat", "/proc/1/status").stdout
        assert "NoNewPrivs:\t1" in status and "Seccomp:\t2" in status, status
        print(f"\n{name}: ready in {seconds:.0f}s, no restarts")
        for root in disks.values():
            assert sorted(p.name for p in root.iterdir()) == ["data", "lost+found"]
        if name == "postgres":
            (root,) = disks.values()
            assert (root / "data" / "PG_VERSION").is_file()


def test_the_same_pod_on_the_disk_s_root_crash_loops(podman: Podman, tmp_path: Path) -> None:
    """The control: golden 01's pod with the claim's root mounted, as before issue 18."""
    for name, found, _ in _pods("01-shared-container", podman, tmp_path, sub_path=False):
        container = podman.play(found, tmp_path)
        assert podman.ready(container, found.probe, 15) is None, name
        assert "It contains a lost+found directory" in podman.logs(container)
        assert podman.restarts(container) > 0
