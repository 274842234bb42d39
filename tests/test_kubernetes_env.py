"""A container on a cluster sees exactly the variables compose gives it, with compose's values
(issue 18 items 3, 4, 7): the same `.env` given to real Compose (`config`) and to `kubectl
kustomize`, each container's environment computed by Kubernetes' rules (tests/cluster_helpers),
names outside the reserved `HSMC_` namespace compared, values too, and the arguments.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import pytest

from hsmc.errors import CompileError
from hsmc.parse import Inputs
from hsmc.parse.dotenv_compose import read_compose
from hsmc.parse.dotenv_kustomize import read_kustomize
from hsmc.pipeline import compile_project
from hsmc.targets.kubernetes.defaults import carried
from tests.cluster_helpers import (
    BUILTINS,
    built,
    compose_services,
    container_env,
    expand,
    filled_env,
    project,
    render,
    secrets_of,
    workloads,
    write_env,
)
from tests.conftest import run_hsmc, write_project
from tests.test_kubernetes import CLUSTER_CASES

# a service whose variable is named like the input another variable reads (item 4), an input
# read in a longer value, a command and a probe, a literal `$`, a default compose resolves
ORDER = {
    "hsm.yaml": "name: order\nservices:\n  container_groups:\n    web:\n      selection: web\n",
    "registry/containers/web.yaml": (
        "name: web\nimage: nginx\nenv:\n"
        "  A: literal-a\n"
        '  Z: "${A}"\n'
        '  GREETING: "hello ${A} for $$(5) ${PRICE:-cost$$5}"\n'
        "command:\n  - serve\n  - --a=${A}\n  - $$(HOME)\n"
        'healthcheck:\n  test: test -n "${A}"\n'
    ),
}


def _pair(source: str | dict[str, str], parent: Path) -> tuple[Path, Path]:
    """(compose output, cluster output), each with the cluster's filled .env."""
    if isinstance(source, dict):
        root = write_project(parent / "project", source)
    else:
        root = project(source, parent)
    cluster = built(root, "kubernetes")
    compose = built(root, "compose")
    # every value differs from every default (a default that wins by mistake shows); a number
    # stays a number (some inputs are ports)
    env = {k: _other(v) for k, v in filled_env(cluster, "5432").items()}
    write_env(cluster, env)
    write_env(compose, env)
    return compose, cluster


def _other(default: str) -> str:
    if default.isdigit():
        return str(int(default) + 1)
    return f"{default}-set" if default else "set"


def _compose(value: object) -> object:
    """`docker compose config` writes a literal `$` as `$$` (its output is compose input)."""
    return value.replace("$$", "$") if isinstance(value, str) else value


CASES: list[str | dict[str, str]] = [*CLUSTER_CASES, BUILTINS, ORDER]
IDS = [*CLUSTER_CASES, "builtins", "order"]


@pytest.mark.parametrize("source", CASES, ids=IDS)
def test_each_container_gets_compose_s_variables_values_and_arguments(
    source: str | dict[str, str], tmp_path: Path
) -> None:
    compose_dir, cluster_dir = _pair(source, tmp_path)
    services = compose_services(compose_dir)
    rendered = render(cluster_dir)
    secrets = secrets_of(rendered)
    found = workloads(rendered)
    assert found.keys() <= services.keys()
    for name, workload in found.items():
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        env = container_env(container, secrets)
        own = {k: v for k, v in env.items() if not k.startswith("HSMC_")}
        given = {k: _compose(v) for k, v in (services[name].get("environment") or {}).items()}
        assert own == given, name
        assert len(container.get("env", [])) == len(env), "a name defined twice"
        compose: dict[str, Any] = services[name]
        args = [expand(a, env) for a in container.get("args", [])]
        assert args == [_compose(a) for a in compose.get("command") or []], name
        command = [expand(a, env) for a in container.get("command", [])]
        assert command == [_compose(a) for a in compose.get("entrypoint") or []], name


def test_the_order_case_reads_the_env_value_where_compose_does(tmp_path: Path) -> None:
    """Compose fills `Z: ${A}` from .env, not from the service's own `A: literal-a`."""
    _, cluster_dir = _pair(ORDER, tmp_path)
    rendered = render(cluster_dir)
    (container,) = workloads(rendered)["web"]["spec"]["template"]["spec"]["containers"]
    env = container_env(container, secrets_of(rendered))
    a = (cluster_dir / ".env").read_text(encoding="utf-8").split("A=", 1)[1].split("\n")[0]
    assert env["Z"] == a and env["A"] == "literal-a"
    assert env["GREETING"] == f"hello {a} for $(5) cost$5-set"
    assert container["args"] == ["serve", "--a=$(HSMC_A)", "$$(HOME)"]
    probe = container["readinessProbe"]["exec"]["command"]
    assert probe == ["sh", "-c", 'test -n "${HSMC_A}"']  # the shell reads the .env value


def test_env_template_defaults_are_compose_s_values(tmp_path: Path) -> None:
    entry = (
        'name: web\nimage: nginx\nenv:\n  PRICE: "${PRICE:-cost$$5}"\n  SHOWN: "${SHOWN:-a b}"\n'
    )
    files = {"hsm.yaml": ORDER["hsm.yaml"], "registry/containers/web.yaml": entry}
    write_project(tmp_path, files)
    build = compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    template = next(a for a in build.artifacts if a.path == ".env.template").content.decode()
    assert "\nPRICE=cost$5\n" in template and "\nSHOWN=a b\n" in template


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ('"${GREETING:-${NAME}}"', "reads another input"),
        ('"${GREETING:- padded}"', "text a `.env` line cannot carry"),
        ('"${GREETING:-cost$$HOME}"', "text a `.env` line cannot carry"),
        ("\"${GREETING:-'quoted'}\"", "text a `.env` line cannot carry"),
        ('"${GREETING:-a #b}"', "text a `.env` line cannot carry"),
        ('"${GREETING:-a\\tb}"', "text a `.env` line cannot carry"),  # a tab: YAML's escape
    ],
)
def test_a_default_the_env_cannot_carry_is_hsm709(value: str, why: str, tmp_path: Path) -> None:
    entry = f"name: web\nimage: nginx\nenv:\n  NAME: ${{NAME}}\n  GREETING: {value}\n"
    write_project(tmp_path, {"hsm.yaml": ORDER["hsm.yaml"], "registry/containers/web.yaml": entry})
    with pytest.raises(CompileError) as caught:
        compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    (found,) = caught.value.diagnostics
    assert found.code == "HSM709" and why in found.message, found.message
    assert found.span is not None and found.span.line == 5
    assert compile_project(Inputs(path=tmp_path, cwd=tmp_path)).artifacts  # compose is fine


def test_two_defaults_of_one_input_are_hsm709(tmp_path: Path) -> None:
    entry = 'name: web\nimage: nginx\nenv:\n  A: "${X:-one}"\n  B: "${X:-two}"\n'
    write_project(tmp_path, {"hsm.yaml": ORDER["hsm.yaml"], "registry/containers/web.yaml": entry})
    with pytest.raises(CompileError) as caught:
        compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    assert [d.code for d in caught.value.diagnostics] == ["HSM709"]


def test_the_carried_rule_agrees_with_both_readers() -> None:
    """Every string of up to three characters among the troublesome ones: where `carried` says
    yes, compose and Kustomize read `K=value` alike (the other way it may be stricter)."""
    chars = ["a", "$", "{", "#", " ", "\t", '"', "'", "\\", "\x0b", "\xa0", "\u2028", "_", "1"]
    for n in (1, 2, 3):
        for combo in itertools.product(chars, repeat=n):
            value = "".join(combo)
            if not carried(value):
                continue
            text = f"K={value}\n"
            compose = read_compose(text, {}).assignments
            kustomize = read_kustomize(text)
            assert [(a.key, a.value) for a in compose] == [(p.key, p.value) for p in kustomize]


def test_check_env_file_refuses_an_empty_input_compose_would_default(tmp_path: Path) -> None:
    write_project(tmp_path, {"hsm.yaml": "name: demo\npackages:\n  - psycopg\n"})
    env_file = tmp_path / "filled.env"
    env_file.write_text("POSTGRES_PASSWORD=x\nPOSTGRES_USER=\n", encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    cluster = run_hsmc(
        "check", "--target", "kubernetes", "--env-file", env_file, cwd=tmp_path, env=env
    )
    assert cluster.returncode == 1
    assert "error[HSM711]: input `POSTGRES_USER` is empty in filled.env" in cluster.stderr
    compose = run_hsmc("check", "--env-file", env_file, cwd=tmp_path, env=env)
    assert compose.returncode == 0, compose.stderr  # compose gives `postgres`
    env_file.write_text("POSTGRES_PASSWORD=x\nPOSTGRES_USER=pg\n", encoding="utf-8")
    again = run_hsmc(
        "check", "--target", "kubernetes", "--env-file", env_file, cwd=tmp_path, env=env
    )
    assert again.returncode == 0, again.stderr
