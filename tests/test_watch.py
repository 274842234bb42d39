"""Issue 20: Compose Watch for services built from a `build` source. A build source gets one
`rebuild` rule over its context unless it declares `watch:` rules; the rules' paths are rebased
onto the output directory like the context; every mistake is a located diagnostic; real
Compose reads what hsmc writes; `overrides: develop:` still replaces the generated rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hsmc.errors import CompileError, Diagnostic
from hsmc.parse import Inputs
from hsmc.pipeline import compile_project, compile_stack
from hsmc.targets.compose.service import body
from tests.conftest import (
    compile_errors,
    compile_files,
    compose_config,
    run_hsmc,
    write_project,
)

HSM = """
output: out/stack
services:
  container_groups:
    api:
      selection: api
      mode: dev
"""


def entry(source: str, extra: str = "") -> str:
    """A container `api` with a `dev` source (indented under `sources:`) and an image."""
    return f"name: api\nimage: api:1\n{extra}sources:\n  dev:\n{source}"


BUILD = "    type: build\n    path: ../../services/api\n"


def project(tmp_path: Path, source: str, hsm: str = HSM) -> dict[str, str]:
    for folder in ("src", "static", "docs"):
        (tmp_path / "services" / "api" / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "services" / "api" / "Dockerfile").write_text("FROM python:3.12-slim\n")
    (tmp_path / "lib" / "shared").mkdir(parents=True, exist_ok=True)
    return {"hsm.yaml": hsm, "registry/containers/api.yaml": entry(source)}


def service(tmp_path: Path, files: dict[str, str]) -> dict[str, Any]:
    compose = yaml.safe_load(compile_files(tmp_path, files)["docker-compose.yml"])
    found: dict[str, Any] = compose["services"]["api"]
    return found


def codes(diagnostics: tuple[Diagnostic, ...]) -> list[tuple[str, str, int, int]]:
    return [
        (d.code, d.message, d.span.line if d.span else 0, d.span.col if d.span else 0)
        for d in diagnostics
    ]


# --- what compose gets ---------------------------------------------------------------------


def test_a_build_source_without_rules_is_rebuilt_when_its_context_changes(tmp_path: Path) -> None:
    api = service(tmp_path, project(tmp_path, BUILD))
    context = "../../services/api"  # the output is out/stack: two levels below the project
    assert api["build"] == {"context": context}
    assert api["develop"] == {"watch": [{"action": "rebuild", "path": context}]}


def test_declared_rules_are_rebased_onto_the_output_directory(tmp_path: Path) -> None:
    rules = """    watch:
      - action: sync+restart
        path: ../../services/api/src
        target: /app/src
        ignore:
          - "*.pyc"
          - __pycache__/
        initial_sync: true
      - action: sync
        path: ../../lib/shared
        target: /opt/shared
      - action: restart
        path: ../../services/api/static
      - action: rebuild
"""
    files = project(tmp_path, BUILD + rules)
    api = service(tmp_path, files)
    assert api["develop"]["watch"] == [
        {
            "action": "sync+restart",
            "path": "../../services/api/src",
            "target": "/app/src",
            "ignore": ["*.pyc", "__pycache__/"],
            "initial_sync": True,
        },
        {"action": "sync", "path": "../../lib/shared", "target": "/opt/shared"},
        {"action": "restart", "path": "../../services/api/static"},
        {"action": "rebuild", "path": "../../services/api"},  # no path: the context
    ]
    text = compile_files(tmp_path, files)["docker-compose.yml"]
    assert '        - action: "sync+restart"\n          path: "../../services/api/src"\n' in text


def test_real_compose_reads_the_rules_at_the_paths_meant(tmp_path: Path) -> None:
    rules = """    watch:
      - action: sync+restart
        path: ../../services/api/src
        target: /app/$src
        initial_sync: false
      - action: rebuild
"""
    write_project(tmp_path, project(tmp_path, BUILD + rules))
    built = run_hsmc("build", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    config: Any = compose_config(tmp_path / "out" / "stack")
    watch = config["services"]["api"]["develop"]["watch"]
    api = (tmp_path / "services" / "api").resolve()
    assert [(r["action"], Path(r["path"]), r.get("target")) for r in watch] == [
        # a literal `$` (hsmc writes `$$`); `config` prints its values escaped again: an
        # interpolated `$src` would have left "/app/"
        ("sync+restart", api / "src", "/app/$$src"),
        ("rebuild", api, None),
    ]
    assert config["services"]["api"]["build"]["context"] == str(api)


def test_an_empty_watch_turns_watching_off(tmp_path: Path) -> None:
    api = service(tmp_path, project(tmp_path, BUILD + "    watch:\n"))
    assert "develop" not in api and api["build"] == {"context": "../../services/api"}


def test_an_image_service_gets_no_develop_section(tmp_path: Path) -> None:
    files = project(tmp_path, "    type: image\n    image: api:2\n")
    assert "develop" not in service(tmp_path, files)


def test_a_groups_overrides_develop_replaces_the_generated_rules(tmp_path: Path) -> None:
    hsm = HSM + (
        "      overrides:\n        develop:\n          watch:\n"
        "            - action: sync+exec\n              path: ../services/api/src\n"
        "              target: /app/src\n"
        "              exec:\n                command: kill -HUP 1\n"
    )
    api = service(tmp_path, project(tmp_path, BUILD, hsm))
    assert api["develop"] == {
        "watch": [
            {
                "action": "sync+exec",
                "path": "../services/api/src",
                "target": "/app/src",
                "exec": {"command": "kill -HUP 1"},
            }
        ]
    }


def test_a_map_in_a_list_is_written_as_compose_writes_it(tmp_path: Path) -> None:
    """`- key: value` with the map's other keys below, for every list (here an override's
    long-syntax volume, and a device whose first key holds a list), and real compose reads it."""
    hsm = HSM + (
        "      overrides:\n        volumes:\n          - type: volume\n            source: cache\n"
        "            target: /cache\n        deploy:\n          resources:\n"
        "            reservations:\n              devices:\n                - driver: nvidia\n"
        "                  capabilities:\n                    - gpu\n"
    )
    write_project(tmp_path, project(tmp_path, "    type: image\n    image: api:2\n", hsm))
    built = run_hsmc("build", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    text = (tmp_path / "out" / "stack" / "docker-compose.yml").read_text(encoding="utf-8")
    assert '    volumes:\n      - source: "cache"\n        target: "/cache"\n' in text
    # a first key whose value is a list: the item's dash, the list below
    devices = (
        '            - capabilities:\n                - "gpu"\n              driver: "nvidia"\n'
    )
    assert "          devices:\n" + devices in text
    config: Any = compose_config(tmp_path / "out" / "stack")
    (volume,) = config["services"]["api"]["volumes"]
    assert (volume["type"], volume["source"], volume["target"]) == ("volume", "cache", "/cache")
    (device,) = config["services"]["api"]["deploy"]["resources"]["reservations"]["devices"]
    assert (device["capabilities"], device["driver"]) == (["gpu"], "nvidia")


def test_the_dockerfile_may_be_watched_outside_the_context(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "api.Dockerfile").write_text("FROM python:3.12-slim\n")
    source = (
        BUILD
        + "    dockerfile: ../../docker/api.Dockerfile\n"
        + "    watch:\n      - action: rebuild\n        path: ../../docker/api.Dockerfile\n"
    )
    api = service(tmp_path, project(tmp_path, source))
    assert api["develop"]["watch"] == [{"action": "rebuild", "path": "../../docker/api.Dockerfile"}]


# --- mistakes ------------------------------------------------------------------------------


def rule_errors(tmp_path: Path, rules: str, source: str = BUILD) -> list[tuple[str, str, int, int]]:
    return codes(compile_errors(tmp_path, project(tmp_path, source + "    watch:\n" + rules)))


# the rules start on line 8 of the entry (name, image, sources, dev, type, path, watch)
@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            "      - path: ../../services/api\n",
            [("HSM006", "a watch rule needs `action`", 8, 7)],
        ),
        (
            "      - action: sync+exec\n        target: /app\n",
            [("HSM330", "watch action `sync+exec` is not supported in a registry entry", 8, 17)],
        ),
        (
            "      - action: resync\n",
            [("HSM330", "unknown watch action `resync`", 8, 17)],
        ),
        (
            "      - action: sync\n",
            [("HSM331", "a `sync` rule needs `target`", 8, 9)],
        ),
        (
            "      - action: rebuild\n        target: /app\n        initial_sync: true\n",
            [
                ("HSM331", "a `rebuild` rule takes no `target`", 9, 9),
                ("HSM331", "a `rebuild` rule takes no `initial_sync`", 10, 9),
            ],
        ),
        (
            "      - action: restart\n        initial_sync: false\n",
            [("HSM331", "a `restart` rule takes no `initial_sync`", 9, 9)],
        ),
        (
            "      - action: sync\n        target: app\n",
            [("HSM407", "container path `app` is not absolute", 9, 17)],
        ),
        (
            "      - action: sync\n        path: /srv/api\n        target: /app\n",
            [("HSM401", "absolute path `/srv/api`", 9, 15)],
        ),
        (
            "      - action: rebuild\n        path: ../../lib/shared\n",
            [
                (
                    "HSM332",
                    "a `rebuild` rule watches `../../lib/shared`, outside its build context",
                    9,
                    15,
                )
            ],
        ),
        (
            "      - action: sync\n        path: ../../services/api/nope\n        target: /app\n",
            [("HSM402", "watch path `../../services/api/nope` does not exist", 9, 15)],
        ),
        (
            # every rule is checked, and reported together
            "      - action: sync\n      - action: reload\n",
            [
                ("HSM331", "a `sync` rule needs `target`", 8, 9),
                ("HSM330", "unknown watch action `reload`", 9, 17),
            ],
        ),
    ],
)
def test_a_bad_rule_is_located(
    tmp_path: Path, rules: str, expected: list[tuple[str, str, int, int]]
) -> None:
    assert rule_errors(tmp_path, rules) == expected


def test_an_unknown_rule_key_is_a_schema_error_with_a_hint(tmp_path: Path) -> None:
    found = compile_errors(
        tmp_path, project(tmp_path, BUILD + "    watch:\n      - action: sync\n        targt: /a\n")
    )
    assert [(d.code, d.span.line if d.span else 0) for d in found] == [("HSM005", 9)]
    assert found[0].hint is not None and "`target`" in found[0].hint


def test_initial_sync_is_a_boolean(tmp_path: Path) -> None:
    rules = "      - action: sync\n        target: /a\n        initial_sync: maybe\n"
    assert [c[0] for c in rule_errors(tmp_path, rules)] == ["HSM007"]


def test_only_a_build_source_takes_watch(tmp_path: Path) -> None:
    source = "    type: image\n    image: api:2\n    watch:\n      - action: rebuild\n"
    found = codes(compile_errors(tmp_path, project(tmp_path, source)))
    assert found == [("HSM005", "a `image` source has no key `watch`", 7, 5)]


def test_the_watch_paths_of_a_source_not_chosen_are_not_checked(tmp_path: Path) -> None:
    files = project(tmp_path, BUILD)
    files["registry/containers/api.yaml"] += (
        "  other:\n    type: build\n    path: ../../services/api\n    watch:\n"
        "      - action: sync\n        path: ../../nowhere\n        target: /app\n"
    )
    assert service(tmp_path, files)["develop"]["watch"][0]["action"] == "rebuild"


# --- kubernetes: no counterpart ------------------------------------------------------------


def test_the_kubernetes_emitter_leaves_a_develop_section_out(tmp_path: Path) -> None:
    """A build source never reaches the cluster (HSM703); were one to, its objects would carry
    no trace of the watch rules rather than fail."""
    from hsmc.targets.kubernetes.objects import objects

    write_project(tmp_path, project(tmp_path, BUILD))
    (service,) = compile_stack(Inputs(path=tmp_path, cwd=tmp_path)).compiled.workloads
    assert "develop" in body(service)
    made = objects(service, "demo")
    assert made.kind == "Deployment" and "watch" not in repr(made.objects)


def test_overrides_develop_has_no_counterpart_on_the_kubernetes_target(tmp_path: Path) -> None:
    hsm = (
        "name: watched\ntargets:\n  - kubernetes\nservices:\n  container_groups:\n    api:\n"
        "      selection: api\n      overrides:\n        develop:\n          watch:\n"
        "            - action: rebuild\n              path: ../services/api\n"
    )
    write_project(tmp_path, project(tmp_path, "    type: image\n    image: api:2\n", hsm))
    with pytest.raises(CompileError) as info:
        compile_project(Inputs(path=tmp_path, cwd=tmp_path), target="kubernetes")
    assert [d.code for d in info.value.diagnostics] == ["HSM705"]


# --- STACK.md ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "overrides", "listed"),
    [
        (BUILD, "", True),  # the default rule
        (BUILD + "    watch:\n", "", False),  # turned off
        ("    type: image\n    image: api:2\n", "", False),
        (
            "    type: image\n    image: api:2\n",
            "      overrides:\n        develop:\n          watch:\n"
            "            - action: restart\n              path: ../services/api\n",
            True,
        ),
    ],
)
def test_stack_md_says_how_to_watch_the_watched_services(
    tmp_path: Path, source: str, overrides: str, listed: bool
) -> None:
    stack_md = compile_files(tmp_path, project(tmp_path, source, HSM + overrides))["STACK.md"]
    line = "Services with Compose Watch rules (`develop:` in docker-compose.yml): `api`.\n"
    assert (line in stack_md) is listed
    assert ("## Development" in stack_md) is listed
    assert ("docker compose up --watch" in stack_md) is listed
