"""Synthetic hsmc projects for benchmarks: a registry of packages and containers, and an hsm.yaml.

    python benchmarks/generate.py OUT [--packages 400] [--containers 120] [--selected 150]
        [--groups 12] [--external-share 0.25] [--registry-scale 1] [--seed 1]

writes OUT/hsm.yaml and OUT/registry/{packages,containers}/NAME.yaml (plus the files some
containers ship). The same parameters always give byte-identical files.

Shape of the registry (realistic entries, valid per SPEC §2):

* Containers have an image, one or two published ports (`HOST:CONTAINER`; every host port in the
  registry is unique, so any selection is accepted by compose), env with a runtime secret
  (`${X_PASSWORD:?…}`) and `${HSM_MERGED_PARAMS.db}`, a named volume, usually a healthcheck and a
  `connection:` map built from `${HSM.host}`/`${HSM.port}`, a `managed` profile (the default) and
  an `external` one whose host and port are runtime inputs. Some have a command, an image source,
  a shipped init script, and some imply containers with a higher index (so never a cycle).
* Packages have a version, env, `implies` of 1-3 containers with params, sometimes pypi/git
  sources, and sometimes imply a package with a higher index.
* Every variable name starts with its entry's own name, so two entries never conflict.
* Packages imply containers near their own position in the registry (`home = i * C // P`) and,
  now and then, one of the shared "infra" containers (the last twelfth): a project that selects
  a run of related packages reaches a realistic subset of the containers, not all of them.

`registry_scale` multiplies the registry without touching the project: the first `packages` and
`containers` entries (and hsm.yaml) are exactly those of scale 1; the further entries form
`registry_scale - 1` more blocks of the same shape that nothing selected ever reaches. So
scale 10 measures the cost of a registry that grows while the project stays the same.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_PLAIN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]*( [A-Za-z0-9_./-]+)*$")

# A YAML node: a scalar (None is an empty value), a block list of scalars or a block map.
Node: TypeAlias = "str | int | list[Node] | dict[str, Node] | None"

CONTAINER_KINDS = ("db", "cache", "queue", "search", "graph", "blob", "api", "worker", "ml")
PACKAGE_AREAS = ("auth", "billing", "catalog", "ingest", "report", "notify", "ledger", "media")
PACKAGE_ROLES = ("client", "service", "sdk", "worker", "tools")
IMAGES = {
    "db": ("postgres", "5432", "/var/lib/postgresql/data"),
    "cache": ("redis", "6379", "/data"),
    "queue": ("rabbitmq", "5672", "/var/lib/rabbitmq"),
    "search": ("opensearch", "9200", "/usr/share/opensearch/data"),
    "graph": ("neo4j", "7687", "/data"),
    "blob": ("minio", "9000", "/data"),
    "api": ("api-gateway", "8080", "/srv/data"),
    "worker": ("task-runner", "8000", "/work"),
    "ml": ("model-server", "8501", "/models"),
}
HOST_PORT_BASE = 10000  # host ports 10000 + 2*i and 10000 + 2*i + 1 for container i
WINDOW = 6  # a package implies containers among the WINDOW ones from its home position


@dataclass(frozen=True)
class Params:
    """What to generate. `packages` and `containers` size one registry block; the project is
    drawn from the first block, and `registry_scale` blocks are written in all."""

    packages: int = 400
    containers: int = 120
    selected: int = 150
    groups: int = 12
    external_share: float = 0.25
    seed: int = 1
    registry_scale: int = 1

    def check(self) -> None:
        if self.packages < 1 or self.containers < 2:
            raise ValueError("need at least 1 package and 2 containers")
        if not 1 <= self.selected <= self.packages:
            raise ValueError("selected must be between 1 and packages")
        if not 0 <= self.groups <= self.containers:
            raise ValueError("groups must be between 0 and containers")
        if not 0.0 <= self.external_share <= 1.0:
            raise ValueError("external_share must be between 0 and 1")
        if self.registry_scale < 1:
            raise ValueError("registry_scale must be at least 1")
        if HOST_PORT_BASE + 2 * self.containers * self.registry_scale > 65535:
            raise ValueError("too many containers for unique host ports")


@dataclass(frozen=True)
class Summary:
    """What was written, for the caller's report."""

    root: Path
    registry_packages: int
    registry_containers: int
    selected_packages: int
    groups: int
    external_groups: int
    reached_containers: int  # containers the selection reaches (implications, groups)


# --- names ---------------------------------------------------------------------------------------


def container_name(index: int) -> str:
    return f"{CONTAINER_KINDS[index % len(CONTAINER_KINDS)]}-{index:05d}"


def package_name(index: int) -> str:
    area = PACKAGE_AREAS[index % len(PACKAGE_AREAS)]
    role = PACKAGE_ROLES[(index // len(PACKAGE_AREAS)) % len(PACKAGE_ROLES)]
    return f"{area}-{role}-{index:05d}"


def env_prefix(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def _rng(seed: int, *parts: object) -> random.Random:
    # A str seed is hashed with SHA-512 by `random`: stable across runs and PYTHONHASHSEED.
    return random.Random(":".join([str(seed), *map(str, parts)]))


# --- the registry model --------------------------------------------------------------------------


class _Layout:
    """Where entries sit: block k holds packages [k*P, (k+1)*P) and containers [k*C, (k+1)*C)."""

    def __init__(self, params: Params) -> None:
        self.p = params.packages
        self.c = params.containers
        self.infra = max(1, self.c // 12)  # the last `infra` containers of each block

    def container_block(self, index: int) -> tuple[int, int]:
        start = (index // self.c) * self.c
        return start, start + self.c

    def package_block(self, index: int) -> tuple[int, int]:
        start = (index // self.p) * self.p
        return start, start + self.p

    def infra_range(self, block_start: int) -> tuple[int, int]:
        return block_start + self.c - self.infra, block_start + self.c


def _container_implies(index: int, layout: _Layout, rng: random.Random) -> dict[str, Node]:
    start, end = layout.container_block(index)
    infra_start, _ = layout.infra_range(start)
    implied: dict[str, Node] = {}
    if index < infra_start and rng.random() < 0.3:
        near = list(range(index + 1, min(index + 5, infra_start)))
        for target in rng.sample(near, min(len(near), rng.randint(1, 2))):
            implied[f"container:{container_name(target)}"] = None
        if rng.random() < 0.5:
            target = rng.randrange(infra_start, end)
            implied[f"container:{container_name(target)}"] = {
                "params": {"db": container_name(index).replace("-", "_")}
            }
    elif index >= infra_start and index + 1 < end and rng.random() < 0.2:
        target = rng.randrange(index + 1, end)
        implied[f"container:{container_name(target)}"] = None
    return implied


def container_entry(index: int, params: Params, layout: _Layout) -> tuple[dict[str, Node], str]:
    """The entry of container `index`, and the text of the init script it ships ('' if none)."""
    rng = _rng(params.seed, "container", index)
    name = container_name(index)
    kind = CONTAINER_KINDS[index % len(CONTAINER_KINDS)]
    image, port, data_path = IMAGES[kind]
    prefix = env_prefix(name)
    tag = f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
    host_port = HOST_PORT_BASE + 2 * index
    entry: dict[str, Node] = {
        "name": name,
        "description": f"Synthetic {kind} container number {index}",
        "image": f"registry.example.com/{image}:{tag}",
    }
    ports: list[Node] = [f"{host_port}:{port}"]
    if rng.random() < 0.3:
        ports.append(f"{host_port + 1}:{int(port) + 1}")
        entry["port"] = int(port)
    entry["ports"] = ports
    entry["env"] = {
        f"{prefix}_LOG_LEVEL": rng.choice(["info", "warning", "debug"]),
        f"{prefix}_PASSWORD": f"${{{prefix}_PASSWORD:?set {prefix}_PASSWORD in .env}}",
        f"{prefix}_DATABASES": "${HSM_MERGED_PARAMS.db}",
        f"{prefix}_WORKERS": str(rng.randint(1, 8)),
    }
    volumes: list[Node] = [f"{prefix.lower()}_data:{data_path}"]
    if rng.random() < 0.2:
        volumes.append(f"{prefix.lower()}_logs:/var/log/{kind}")
    entry["volumes"] = volumes
    if rng.random() < 0.3:
        entry["command"] = [f"{image}-server", "--port", port, "--log-level", "info"]
    script = ""
    if rng.random() < 0.15:
        entry["files"] = {f"/docker-entrypoint-init.d/10-{name}.sh": f"files/init-{name}.sh"}
        script = _init_script(prefix)
    if rng.random() < 0.85:
        healthcheck: dict[str, Node] = {
            "test": ["CMD-SHELL", f"wget -q -O /dev/null http://127.0.0.1:{port}/health || exit 1"],
            "interval": "5s",
            "timeout": "3s",
            "retries": rng.randint(5, 20),
        }
        if rng.random() < 0.3:
            healthcheck["start_period"] = "20s"
        entry["healthcheck"] = healthcheck
    if rng.random() < 0.85:
        entry["connection"] = {
            f"{prefix}_URL": f"{image}://${{HSM.host}}:${{HSM.port}}/",
            f"{prefix}_HOST": "${HSM.host}",
            f"{prefix}_PORT": "${HSM.port}",
            f"{prefix}_PASSWORD": f"${{{prefix}_PASSWORD}}",
        }
    implies = _container_implies(index, layout, rng)
    if implies:
        entry["implies"] = implies
    if rng.random() < 0.25:
        entry["default_source"] = "prod"
        entry["sources"] = {
            "prod": {"type": "image", "image": f"registry.example.com/{image}-hardened:{tag}"}
        }
    managed: dict[str, Node] = {"mode": "managed"}
    if rng.random() < 0.3:
        managed["env"] = {f"{prefix}_PROFILE": "managed"}
    external: dict[str, Node] = {
        "host": f"${{{prefix}_EXTERNAL_HOST:?set {prefix}_EXTERNAL_HOST in .env}}",
        "port": f"${{{prefix}_EXTERNAL_PORT:-{port}}}",
    }
    if rng.random() < 0.3:
        external["api_key"] = f"${{{prefix}_API_KEY}}"
    entry["default_profile"] = "managed"
    entry["deployment_profiles"] = {
        "managed": managed,
        "external": {"mode": "external", "external": external},
    }
    return entry, script


def _init_script(prefix: str) -> str:
    return (
        "#!/bin/sh\n"
        "# Creates one database per name in the comma-separated list (synthetic benchmark).\n"
        "set -e\n"
        f"for db in $(echo \"${{{prefix}_DATABASES:-}}\" | tr ',' ' '); do\n"
        '    echo "init: database $db"\n'
        "done\n"
    )


def package_entry(index: int, params: Params, layout: _Layout) -> dict[str, Node]:
    rng = _rng(params.seed, "package", index)
    name = package_name(index)
    prefix = env_prefix(name)
    p_start, p_end = layout.package_block(index)
    c_start, _ = layout.container_block(index // params.packages * params.containers)
    infra_start, infra_end = layout.infra_range(c_start)
    major = rng.randint(0, 9)
    entry: dict[str, Node] = {
        "name": name,
        "description": f"Synthetic package number {index}",
        "distribution": f"acme-{name}" + ("[async]" if rng.random() < 0.1 else ""),
        "version": f">={major}.{rng.randint(0, 20)},<{major + 1}",
    }
    sources: dict[str, Node] = {}
    if rng.random() < 0.3:
        sources["prod"] = {"type": "pypi", "version": f"=={major}.{rng.randint(0, 20)}.1"}
        entry["default_source"] = "prod"
    if rng.random() < 0.2:
        sources["edge"] = {
            "type": "git",
            "url": f"https://git.example.com/acme/{name}",
            "ref": "main",
        }
    if sources:
        entry["sources"] = sources
    db = name.replace("-", "_")
    env: dict[str, Node] = {
        f"{prefix}_DB_NAME": db,
        f"{prefix}_TIMEOUT": str(rng.choice([5, 10, 30, 60])),
    }
    if rng.random() < 0.3:
        env[f"{prefix}_API_TOKEN"] = f"${{{prefix}_API_TOKEN:?set {prefix}_API_TOKEN in .env}}"
    entry["env"] = env
    home = c_start + (index - p_start) * (infra_start - c_start) // params.packages
    window = list(range(home, min(home + WINDOW, infra_start)))
    targets = rng.sample(window, min(len(window), rng.randint(1, 3)))
    if rng.random() < 0.25:
        targets.append(rng.randrange(infra_start, infra_end))
    implies: dict[str, Node] = {}
    for target in dict.fromkeys(targets):
        implies[f"container:{container_name(target)}"] = (
            {"params": {"db": db}} if rng.random() < 0.8 else None
        )
    if index + 1 < p_end and rng.random() < 0.15:
        target = rng.randrange(index + 1, min(index + 8, p_end))
        implies[f"package:{package_name(target)}"] = None
    entry["implies"] = implies
    return entry


# --- the project ---------------------------------------------------------------------------------


def _closure(
    selected: list[int],
    packages: dict[int, dict[str, Node]],
    containers: dict[int, dict[str, Node]],
) -> set[str]:
    """Names of the containers the selected packages reach (ignoring groups)."""
    by_name_p = {package_name(i): e for i, e in packages.items()}
    by_name_c = {container_name(i): e for i, e in containers.items()}
    todo = [f"package:{package_name(i)}" for i in selected]
    seen: set[str] = set()
    while todo:
        target = todo.pop()
        if target in seen:
            continue
        seen.add(target)
        kind, name = target.split(":", 1)
        entry = (by_name_p if kind == "package" else by_name_c)[name]
        implies = entry.get("implies")
        if isinstance(implies, dict):
            todo.extend(implies)
    return {t.split(":", 1)[1] for t in seen if t.startswith("container:")}


def manifest(
    params: Params,
    packages: dict[int, dict[str, Node]],
    containers: dict[int, dict[str, Node]],
) -> tuple[dict[str, Node], Summary]:
    rng = _rng(params.seed, "project")
    # A run of related packages (the registry places related packages side by side).
    start = rng.randrange(0, params.packages - params.selected + 1)
    selected = list(range(start, start + params.selected))
    rng.shuffle(selected)
    reached = _closure(selected, packages, containers)

    items: list[Node] = []
    for index in selected:
        sources = packages[index].get("sources")
        if isinstance(sources, dict) and "edge" in sources and rng.random() < 0.5:
            items.append({package_name(index): "edge"})
        else:
            items.append(package_name(index))

    # Groups: half name containers the packages already imply (they bind), half add services.
    in_use = sorted(reached)
    unused = sorted({container_name(i) for i in range(params.containers)} - reached)
    n_bound = min(len(in_use), params.groups - min(len(unused), params.groups // 2))
    chosen = rng.sample(in_use, n_bound) + rng.sample(unused, params.groups - n_bound)
    n_external = round(params.external_share * params.groups)
    external = set(rng.sample(range(params.groups), n_external))
    groups: dict[str, Node] = {}
    for g, selection in enumerate(chosen):
        entry = containers[int(selection.rsplit("-", 1)[1])]
        group: dict[str, Node] = {"selection": selection}
        group_name = selection if rng.random() < 0.5 else f"{selection}-svc"
        if g in external:
            group["profile"] = "external"
        else:
            group["profile"] = "managed"
            if "sources" in entry and rng.random() < 0.5:
                group["mode"] = "prod"
            group["params"] = {"db": group_name.replace("-", "_")}
            if rng.random() < 0.5:
                group["overrides"] = {
                    "restart": "unless-stopped",
                    "labels": {"com.example.team": rng.choice(["platform", "data", "core"])},
                }
        groups[group_name] = group
        if g not in external:
            reached |= _closure_of_container(selection, containers)

    doc: dict[str, Node] = {
        "name": f"synthetic-{params.seed}",
        "registry": ["registry"],
        "packages": items,
    }
    if groups:
        doc["services"] = {"container_groups": groups}
    summary = Summary(
        root=Path(),
        registry_packages=params.packages * params.registry_scale,
        registry_containers=params.containers * params.registry_scale,
        selected_packages=params.selected,
        groups=params.groups,
        external_groups=n_external,
        reached_containers=len(reached),
    )
    return doc, summary


def _closure_of_container(name: str, containers: dict[int, dict[str, Node]]) -> set[str]:
    todo, seen = [name], set[str]()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        implies = containers[int(current.rsplit("-", 1)[1])].get("implies")
        if isinstance(implies, dict):
            todo += [t.split(":", 1)[1] for t in implies if t.startswith("container:")]
    return seen


# --- YAML (block style only: strictyaml refuses flow style) --------------------------------------


def _scalar(value: str | int) -> str:
    if isinstance(value, int):
        return str(value)
    if _PLAIN_RE.match(value) and not value[0].isdigit():
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(key: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./-][A-Za-z0-9_./:-]*", key) and not key.endswith(":"):
        return key
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dump(node: dict[str, Node], indent: int = 0) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in node.items():
        if value is None:
            lines.append(f"{pad}{_key(key)}:")
        elif isinstance(value, dict):
            lines.append(f"{pad}{_key(key)}:")
            lines += dump(value, indent + 2)
        elif isinstance(value, list):
            lines.append(f"{pad}{_key(key)}:")
            for item in value:
                if isinstance(item, dict):
                    (first, *rest) = dump(item, indent + 4)
                    lines.append(f"{pad}  - {first.lstrip()}")
                    lines += rest
                elif isinstance(item, str | int):
                    lines.append(f"{pad}  - {_scalar(item)}")
                else:
                    raise TypeError(f"unsupported list item {item!r}")
        else:
            lines.append(f"{pad}{_key(key)}: {_scalar(value)}")
    return lines


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


# --- entry point ---------------------------------------------------------------------------------


def generate(out: Path, params: Params | None = None) -> Summary:
    """Write a synthetic project (hsm.yaml, registry/) into `out`, which must not hold one."""
    params = params or Params()
    params.check()
    if (out / "hsm.yaml").exists() or (out / "registry").exists():
        raise FileExistsError(f"{out} already holds a project")
    layout = _Layout(params)
    header = f"# Synthetic registry entry (benchmarks/generate.py, seed {params.seed})\n"
    packages: dict[int, dict[str, Node]] = {}
    containers: dict[int, dict[str, Node]] = {}
    registry = out / "registry"
    for index in range(params.containers * params.registry_scale):
        entry, script = container_entry(index, params, layout)
        containers[index] = entry
        name = container_name(index)
        _write(registry / "containers" / f"{name}.yaml", header + "\n".join(dump(entry)) + "\n")
        if script:
            _write(registry / "containers" / "files" / f"init-{name}.sh", script)
    for index in range(params.packages * params.registry_scale):
        entry = package_entry(index, params, layout)
        packages[index] = entry
        name = package_name(index)
        _write(registry / "packages" / f"{name}.yaml", header + "\n".join(dump(entry)) + "\n")
    doc, summary = manifest(params, packages, containers)
    text = "# Synthetic project (benchmarks/generate.py)\n" + "\n".join(dump(doc)) + "\n"
    _write(out / "hsm.yaml", text)
    return Summary(**{**summary.__dict__, "root": out})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("out", type=Path, help="directory to create the project in")
    defaults = Params()
    parser.add_argument("--packages", type=int, default=defaults.packages)
    parser.add_argument("--containers", type=int, default=defaults.containers)
    parser.add_argument("--selected", type=int, default=defaults.selected)
    parser.add_argument("--groups", type=int, default=defaults.groups)
    parser.add_argument("--external-share", type=float, default=defaults.external_share)
    parser.add_argument("--registry-scale", type=int, default=defaults.registry_scale)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    args = parser.parse_args(argv)
    params = Params(
        packages=args.packages,
        containers=args.containers,
        selected=args.selected,
        groups=args.groups,
        external_share=args.external_share,
        seed=args.seed,
        registry_scale=args.registry_scale,
    )
    try:
        summary = generate(args.out, params)
    except (ValueError, FileExistsError) as exc:
        print(f"generate.py: {exc}", file=sys.stderr)
        return 2
    print(
        f"{summary.root}: registry {summary.registry_packages} packages, "
        f"{summary.registry_containers} containers; hsm.yaml selects "
        f"{summary.selected_packages} packages, {summary.groups} groups "
        f"({summary.external_groups} external); reaches ~{summary.reached_containers} containers"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
