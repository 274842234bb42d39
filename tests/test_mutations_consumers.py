"""Mutated golden projects that build are accepted by their real consumers (issue 22).

The property: whenever `hsmc build` would exit 0 on a mutated golden project, real Docker
Compose v2 accepts its docker-compose.yml (`config -q`) and, for a project a cluster can run,
`kubectl kustomize` renders its Kubernetes directory. Each consumer reads the directory as a
user has it after following the header of `.env.template`: the template copied to `.env`, every
empty (required) input filled with FILL, a word that is valid as a port, a host, a password and
an image tag alike; defaults stay as the template writes them. A build that fails must fail as
test_mutations.py asks: a CompileError whose diagnostics point into the project; any other
exception is what the command line reports as exit 3.

Compose runs with a controlled environment (PATH and a private HOME, nothing else), so what it
interpolates comes from `.env` alone. Its "variable is not set" warning counts as a refusal:
`.env` is the filled `.env.template`, so a variable compose misses is an input the template
does not list. kubectl runs with the same environment.

The mutations (tests/consumer_mutations.py) aim at what compose or kustomize refuse and hsmc
might pass on. Each example is one project: the consumers cannot be batched across examples,
so the two of one example run side by side and the example count is bounded (measured in
docs/decisions.md, "Consumers of fuzzed projects"). Shrinking is off: each step would run the
consumers again, and an example is one edit already.

REPRODUCTIONS holds one minimal project per failure class the fuzz found, as plain tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import textwrap
from enum import Enum
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hsmc.errors import CompileError
from hsmc.parse import Inputs
from hsmc.pipeline import compile_project
from tests.conftest import compose_binary, write_project
from tests.consumer_mutations import FAMILIES, WHERE, Changes
from tests.test_golden import NOT_ON_A_CLUSTER
from tests.test_mutations import PROJECTS, Files, _check_span

EXAMPLES_PER_FAMILY = int(os.environ.get("HSMC_CONSUMER_EXAMPLES", "60"))  # ~55 s in all
FILL = "5432"
KUBECTL = Path(sys.executable).parent / "kubectl"

# --- building, and asking the consumers ------------------------------------------------------


class Target(Enum):
    """The two targets the consumers below read (hsmc/targets/ registers them)."""

    COMPOSE = "compose"
    KUBERNETES = "kubernetes"


def materialize(root: Path, files: Files, changes: Changes) -> None:
    for name in sorted(files.keys() | changes.keys()):
        content = changes[name] if name in changes else files[name][0]
        if content is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        os.chmod(path, files[name][1] if name in files else 0o644)


def built_directory(root: Path, target: Target) -> Path | None:
    """The target's artifacts written to `root/out-TARGET` with a filled `.env`, or None when
    the build fails with located diagnostics (any other exception propagates: exit 3)."""
    try:
        build = compile_project(Inputs(path=root, cwd=root, cache=False), target=target.value)
    except CompileError as exc:
        assert exc.diagnostics, "CompileError without diagnostics"
        for d in exc.diagnostics:
            _check_span(d.span, root, f"{d.code} `{d.message}`")
        return None
    out = root / f"out-{target.value}"
    for artifact in build.artifacts:
        path = out / artifact.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(artifact.content)
        path.chmod(0o755 if artifact.executable else 0o644)
    template = (out / ".env.template").read_text(encoding="utf-8")
    (out / ".env").write_text(filled_env(template), encoding="utf-8")
    return out


def filled_env(template: str) -> str:
    """`.env.template` as a user fills it in: every empty `NAME=` set to FILL."""
    return re.sub(r"(?m)^([A-Za-z_][A-Za-z0-9_]*)=$", rf"\1={FILL}", template)


def _command(target: Target, directory: Path) -> list[str]:
    if target is Target.COMPOSE:
        return [str(compose_binary()), "-f", "docker-compose.yml", "config", "-q"]
    return [str(KUBECTL), "kustomize", str(directory)]


def refusals(directories: dict[Target, Path]) -> list[str]:
    """What each consumer says against its directory ([] when all accept); they run at once."""
    running = []
    for target, directory in directories.items():
        home = directory.parent / f".home-{target.value}"
        home.mkdir(exist_ok=True)
        process = subprocess.Popen(
            _command(target, directory),
            cwd=directory,
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(home)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        running.append((target, process))
    found = []
    for target, process in running:
        _, stderr = process.communicate()
        complaint = stderr.strip()
        if process.returncode != 0 or "variable is not set" in complaint:
            found.append(f"{target.value}: exit {process.returncode}: {complaint[:600]}")
    return found


def check_project(root: Path, cluster: bool) -> list[str]:
    """Builds the compose target, and the kubernetes one when the project can run on a
    cluster; what the consumers refuse of each build that succeeds."""
    directories = {}
    for target in (Target.COMPOSE, *((Target.KUBERNETES,) if cluster else ())):
        directory = built_directory(root, target)
        if directory is not None:
            directories[target] = directory
    return refusals(directories)


def describe(files: Files, changes: Changes) -> str:
    """The mutation, for a failure message: removed and new files, new lines of changed ones."""
    out = []
    for rel, content in sorted(changes.items()):
        if content is None or rel not in files:
            out.append(f"{'removed' if content is None else 'new file'} {rel}")
            continue
        old = files[rel][0].decode("utf-8").split("\n")
        new = [line for line in content.decode("utf-8").split("\n") if line not in old]
        out.append(f"{rel}:" + "".join(f"\n+ {line}" for line in new))
    return "\n".join(out)


@pytest.mark.parametrize("case", sorted(PROJECTS))
def test_every_golden_case_as_it_is_is_accepted(case: str, tmp_path: Path) -> None:
    """The harness itself: an unmutated project passes (FILL, `.env`, the environment)."""
    root = tmp_path / case
    materialize(root, PROJECTS[case], {})
    assert check_project(root, case not in NOT_ON_A_CLUSTER) == []
    assert (root / "out-compose" / ".env").is_file()


def test_a_refusal_and_an_unset_variable_are_reported(tmp_path: Path) -> None:
    compose, cluster = tmp_path / "compose", tmp_path / "cluster"
    write_project(compose, {"docker-compose.yml": "services:\n  a:\n    image: x:${TAG}\n"})
    write_project(cluster, {"kustomization.yaml": "resources:\n  - missing.yaml\n"})
    found = refusals({Target.COMPOSE: compose, Target.KUBERNETES: cluster})
    assert [f.split(":")[0] for f in found] == ["compose", "kubernetes"]
    assert "variable is not set" in found[0] and "exit 0" in found[0]
    assert "missing.yaml" in found[1]


# --- the property ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(
    max_examples=EXAMPLES_PER_FAMILY,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_mutated_project_that_builds_is_accepted_by_compose_and_kustomize(
    family: str, data: st.DataObject
) -> None:
    case, rel = data.draw(st.sampled_from(WHERE[family]), label="file")
    files = PROJECTS[case]
    changes = FAMILIES[family].mutate(files, rel, data)
    with tempfile.TemporaryDirectory(prefix="hsmc-consumers-") as tmp:
        root = Path(tmp) / case
        materialize(root, files, changes)
        found = check_project(root, case not in NOT_ON_A_CLUSTER)
    assert not found, f"{case}: {describe(files, changes)}\n" + "\n".join(found)


# --- one minimal project per failure class the fuzz found ---------------------------------------


def _service(entry: str = "", overrides: str = "", **more: str) -> dict[str, str]:
    """A group `svc` of container `svc` (busybox); `entry` and `overrides` add YAML lines,
    `more` files (by path)."""
    manifest = "services:\n  container_groups:\n    svc:\n      selection: svc\n"
    if overrides:
        manifest += "      overrides:\n" + textwrap.indent(overrides, " " * 8)
    return {
        "hsm.yaml": manifest,
        "registry/containers/svc.yaml": "name: svc\nimage: busybox:1.36\n" + entry,
        **more,
    }


def _ports(item: str) -> dict[str, str]:
    return _service(f'ports:\n  - "{item}"\n')


def _interval(value: str) -> dict[str, str]:
    return _service(f'healthcheck:\n  test:\n    - CMD\n    - "true"\n  interval: "{value}"\n')


REPRODUCTIONS: dict[str, dict[str, str]] = {
    "port-out-of-range": _ports("99999"),
    "host-port-out-of-range": _ports("99999:80"),
    "port-zero": _ports("80:0"),
    "port-in-arabic-indic-digits": _ports("\u0668\u0660"),
    "port-in-fullwidth-digits": _ports("\uff18\uff10"),
    "port-with-a-superscript-digit": _ports("8080:\u00b2"),
    "port-range-with-a-superscript-digit": _ports("8000-8001:\u00b2-81"),
    "port-ranges-of-different-sizes": _ports("8000-8002:80-81"),
    "port-range-reversed": _ports("81-80:81-80"),
    "port-protocol-unknown": _ports("80/icmp"),
    "port-protocol-empty": _ports("80:"),
    "port-host-ip-a-name": _ports("localhost:80:80"),
    "port-with-a-sign": _ports("+80"),
    "port-in-exponent-form": _ports("1e3"),
    "port-default-out-of-range": _ports("${PORT:-99999}:80"),
    "overrides-port-out-of-range": _service(overrides='ports:\n  - "99999"\n'),
    "overrides-port-range-with-a-superscript-digit": _service(
        overrides='ports:\n  - "8000-8001:\u00b2-81"\n'
    ),
    "command-with-an-unbalanced-quote": _service('command: "sh -c \'echo hi"\n'),
    "command-ending-in-a-backslash": _service('command: "echo \\\\"\n'),
    "command-with-an-unbalanced-backquote": _service('command: "echo `date"\n'),
    "overrides-command-with-an-unbalanced-quote": _service(
        overrides='command: "sh -c \'echo hi"\n'
    ),
    "healthcheck-test-without-cmd": _service("healthcheck:\n  test:\n    - echo\n    - hi\n"),
    "duration-without-a-unit": _interval("5"),
    "duration-with-a-space": _interval("1h 30m"),
    "duration-in-arabic-indic-digits": _interval("\u0665s"),
    "duration-past-int64-nanoseconds": _interval("99999999999h"),
    "duration-of-400-digits": _interval("9" * 400 + "s"),
    "overrides-duration-without-a-unit": _service(overrides='healthcheck:\n  interval: "5"\n'),
    "retries-negative": _service("healthcheck:\n  test:\n    - CMD\n    - x\n  retries: -1\n"),
    "volume-with-an-empty-source": _service('volumes:\n  - ":/data"\n'),
    "volume-with-an-empty-section": _service('volumes:\n  - "data::/data"\n'),
    "volume-with-too-many-colons": _service('volumes:\n  - "data:/data:ro:z"\n'),
    "volume-name-with-a-space": _service('volumes:\n  - "my vol:/data"\n'),
    "volume-name-with-a-leading-dash": _service('volumes:\n  - "-vol:/data"\n'),
    "image-empty": {**_service(), "registry/containers/svc.yaml": 'name: svc\nimage: ""\n'},
    "shipped-file-name-with-an-equals-sign": _service(
        "files:\n  /etc/x.sh: files/x=y.sh\n", **{"registry/containers/files/x=y.sh": "echo\n"}
    ),
}


@pytest.mark.parametrize("case", sorted(REPRODUCTIONS))
def test_each_class_the_fuzz_found_is_a_located_error_or_accepted(
    case: str, tmp_path: Path
) -> None:
    root = write_project(tmp_path / "project", REPRODUCTIONS[case])
    assert check_project(root, cluster=True) == []
