"""Resolution (SPEC §2.3, §3): closure, implicit groups, selection order, connections."""

from __future__ import annotations

from pathlib import Path

import pytest

from hsmc.model import BuildChoice, EffectiveService, ImageChoice, PortItem, Span, Text
from hsmc.syntax.ports import port_item, published_port
from tests.conftest import compile_errors, compile_files, resolve_errors, resolve_files

PG = """
name: pg
image: postgres:16.4-alpine
port: 5432
ports:
  - "5432:5432"
env:
  DBS: "${HSM_MERGED_PARAMS.db}"
healthcheck:
  test:
    - CMD-SHELL
    - pg_isready
"""


def _pkg(name: str, body: str = "") -> tuple[str, str]:
    return f"registry/packages/{name}.yaml", f"name: {name}\n{body}"


def test_shared_container_merges_params_in_manifest_order_then_group(tmp_path: Path) -> None:
    files = dict(
        [
            _pkg("b", "implies:\n  container:pg:\n    params:\n      db: b_db\n"),
            _pkg("a", "implies:\n  package:b:\n  container:pg:\n    params:\n      db: a_db\n"),
            _pkg("c", "implies:\n  container:pg:\n    params:\n      db: a_db\n"),
        ]
    )
    files["registry/containers/pg.yaml"] = PG
    files["hsm.yaml"] = """
    packages:
      - c
      - a
    services:
      container_groups:
        db:
          selection: pg
          params:
            db: reporting
    """
    compose = compile_files(tmp_path, files)["docker-compose.yml"]
    assert 'DBS: "a_db,b_db,reporting"' in compose  # c, then a (then b, a's implication), group
    assert compose.count("image:") == 1 and "\n  db:\n" in compose


def test_implicit_group_is_named_after_the_container(tmp_path: Path) -> None:
    files = dict([_pkg("a", "implies:\n  container:pg:\n")])
    files["registry/containers/pg.yaml"] = PG
    files["hsm.yaml"] = "packages:\n  - a\n"
    artifacts = compile_files(tmp_path, files)
    assert "\n  pg:\n" in artifacts["docker-compose.yml"]
    assert 'DBS: ""' in artifacts["docker-compose.yml"]
    assert 'PG_HOST="localhost"' in artifacts["packages.env"]
    assert 'PG_PORT="5432"' in artifacts["packages.env"]


def test_package_source_selection_order(tmp_path: Path) -> None:
    sources = """
    version: ">=1,<2"
    default_source: prod
    sources:
      prod:
        type: pypi
        version: "==1.4.0"
      edge:
        type: git
        url: https://example.org/x.git
        ref: v2
        subdirectory: python
    """
    files = dict([_pkg("x", sources.replace("\n    ", "\n")), _pkg("y", 'version: "2.0"\n')])
    files["hsm.yaml"] = "packages:\n  - x\n  - y\n"
    assert "x==1.4.0\ny==2.0\n" in compile_files(tmp_path / "1", files)["requirements.txt"]
    files["hsm.yaml"] = "defaults:\n  mode: edge\npackages:\n  - x\n  - y\n"
    requirements = compile_files(tmp_path / "2", files)["requirements.txt"]
    assert "x @ git+https://example.org/x.git@v2#subdirectory=python\n" in requirements


def test_profile_selection_and_the_ambiguous_case(tmp_path: Path) -> None:
    container = """
    name: q
    image: qdrant/qdrant:v1.11.3
    ports:
      - "6333:6333"
    deployment_profiles:
      local:
        mode: managed
      cloud:
        mode: external
        external:
          host: q.example.org
          port: "443"
          api_key: "${Q_KEY}"
    """.replace("\n    ", "\n")
    files = dict([_pkg("client", "implies:\n  container:q:\n")])
    files["registry/containers/q.yaml"] = container
    files["hsm.yaml"] = "packages:\n  - client\n"
    (diag,) = compile_errors(tmp_path / "1", files)
    assert diag.code == "HSM203" and diag.hint and "`cloud`" in diag.hint and "`local`" in diag.hint

    files["hsm.yaml"] = "defaults:\n  profile: cloud\npackages:\n  - client\n"
    artifacts = compile_files(tmp_path / "2", files)
    assert "services: {}" in artifacts["docker-compose.yml"]
    env = artifacts["packages.env"]
    assert 'Q_HOST="q.example.org"' in env and 'Q_PORT="443"' in env
    assert 'Q_API_KEY="${Q_KEY}"' in env
    assert "Q_KEY=" in artifacts[".env.template"]


def test_a_service_reaches_its_dependency_by_service_name(tmp_path: Path) -> None:
    files = {
        "registry/containers/pg.yaml": PG,
        "registry/containers/app.yaml": (
            "name: app\nimage: app:1\nport: 8000\nimplies:\n  container:pg:\n"
            'connection:\n  APP_URL: "http://${HSM.host}:${HSM.port}"\n'
        ),
        "registry/containers/web.yaml": "name: web\nimage: web:1\nimplies:\n  container:app:\n",
        "hsm.yaml": "services:\n  container_groups:\n    front:\n      selection: web\n",
    }
    compose = compile_files(tmp_path, files)["docker-compose.yml"]
    assert 'PG_HOST: "pg"' in compose and 'PG_PORT: "5432"' in compose
    assert 'APP_URL: "http://app:8000"' in compose  # the container port, published or not
    assert 'pg:\n        condition: "service_healthy"' in compose
    assert 'app:\n        condition: "service_started"' in compose


def test_env_conflict_names_both_sources(tmp_path: Path) -> None:
    files = dict([_pkg("a", 'env:\n  PG_PORT: "6543"\nimplies:\n  container:pg:\n')])
    files["registry/containers/pg.yaml"] = PG
    files["hsm.yaml"] = "packages:\n  - a\n"
    (diag,) = compile_errors(tmp_path, files)
    assert diag.code == "HSM307"
    assert "`a`" in diag.message and "connection of `pg`" in diag.message
    assert diag.related and diag.related[0].span.file.endswith("a.yaml")


def test_overrides_merge_maps_and_replace_lists(tmp_path: Path) -> None:
    files = {
        "registry/containers/pg.yaml": PG,
        "hsm.yaml": """
        services:
          container_groups:
            db:
              selection: pg
              overrides:
                restart: unless-stopped
                environment:
                  EXTRA: "1"
                ports:
                  - "15432:5432"
        """,
    }
    files["hsm.yaml"] = files["hsm.yaml"].replace("\n        ", "\n")
    compose = compile_files(tmp_path, files)["docker-compose.yml"]
    assert 'restart: "unless-stopped"' in compose
    assert 'EXTRA: "1"' in compose and "DBS:" in compose
    assert '"15432:5432"' in compose and '"5432:5432"' not in compose


def test_unpublished_port_with_a_package_dependent_is_an_error(tmp_path: Path) -> None:
    files = dict([_pkg("a", "implies:\n  container:pg:\n")])
    files["registry/containers/pg.yaml"] = PG.replace('ports:\n  - "5432:5432"\n', "")
    files["hsm.yaml"] = "packages:\n  - a\n"
    (diag,) = compile_errors(tmp_path, files)
    assert diag.code == "HSM404" and diag.hint and '"HOST:5432"' in diag.hint


def test_build_context_is_relative_to_the_output_directory(tmp_path: Path) -> None:
    (tmp_path / "services" / "api").mkdir(parents=True)
    files = {
        "registry/containers/api.yaml": (
            "name: api\nsources:\n  dev:\n    type: build\n    path: ../../services/api\n"
            '    dockerfile: Dockerfile.dev\n    args:\n      PY: "3.12"\n'
        ),
        "hsm.yaml": (
            "output: out/stack\nservices:\n  container_groups:\n    api:\n"
            "      selection: api\n      mode: dev\n"
        ),
    }
    compose = compile_files(tmp_path, files)["docker-compose.yml"]
    assert 'context: "../../services/api"' in compose
    assert 'dockerfile: "Dockerfile.dev"' in compose and 'PY: "3.12"' in compose


def test_no_image_and_no_source_is_an_error(tmp_path: Path) -> None:
    files = {
        "registry/containers/x.yaml": "name: x\n",
        "hsm.yaml": "services:\n  container_groups:\n    x:\n      selection: x\n",
    }
    assert [d.code for d in compile_errors(tmp_path, files)] == ["HSM204"]


def test_local_sources_must_exist_and_be_relative(tmp_path: Path) -> None:
    body = "sources:\n  dev:\n    type: local\n    path: {}\n    editable: true\n"
    files = dict([_pkg("a", body.format("../../missing")), _pkg("b", body.format("/abs/b"))])
    files["hsm.yaml"] = "packages:\n  - a: dev\n"
    (missing,) = compile_errors(tmp_path / "1", files)
    assert missing.code == "HSM402" and missing.span and missing.span.line == 5
    files["hsm.yaml"] = "packages:\n  - b: dev\n"
    (absolute,) = compile_errors(tmp_path / "2", files)
    assert absolute.code == "HSM401" and absolute.span and absolute.span.col == 11


@pytest.mark.parametrize(
    ("item", "main", "host"),
    [
        ("5432:5432", "5432", "5432"),
        ("15432:5432/tcp", "5432", "15432"),
        ("127.0.0.1:6543:5432", "5432", "6543"),
        ("127.0.0.1::5432", "5432", None),
        ("5432", "5432", None),
        ("${PG_PORT:-5432}:5432", "5432", "${PG_PORT:-5432}"),
        ("8000-8001:80-81", "81", "8001"),
        ("9000:9001", "9000", None),
    ],
)
def test_the_published_host_port_of_a_ports_item(item: str, main: str, host: str | None) -> None:
    typed = port_item(Text(item, Span("f", 1)))
    assert isinstance(typed, PortItem)
    found = published_port(typed, main)
    assert (found.value if found else None) == host


def test_the_container_ports_of_a_ports_item() -> None:
    def containers(item: str) -> list[str]:
        typed = port_item(Text(item, Span("f", 1)))
        assert isinstance(typed, PortItem)
        return [b.container.value for b in typed.bindings]

    assert containers("127.0.0.1:80:8080/udp") == ["8080"]
    assert containers("8000-8001:80-81") == ["80", "81"]


def test_overrides_keep_shipped_mounts_merge_list_env_and_rebase_binds(tmp_path: Path) -> None:
    (tmp_path / "registry" / "containers" / "files").mkdir(parents=True)
    (tmp_path / "registry" / "containers" / "files" / "init.sh").write_text("#!/bin/sh\n")
    files = {
        "registry/containers/pg.yaml": PG
        + "files:\n  /init.sh: files/init.sh\nvolumes:\n  - ./conf:/etc/pg:ro\n",
        "hsm.yaml": """
        output: out/stack
        services:
          container_groups:
            db:
              selection: pg
              overrides:
                environment:
                  - EXTRA=1
                volumes:
                  - ./backup:/backup
                  - type: volume
                    source: cache
                    target: /cache
        """.replace("\n        ", "\n"),
    }
    compose = compile_files(tmp_path, files)["docker-compose.yml"]
    assert 'EXTRA: "1"' in compose and "DBS:" in compose  # merged, not replaced
    assert '"../../backup:/backup"' in compose  # relative to the project, rebased
    assert '"./files/db/init.sh:/init.sh:ro"' in compose  # the shipped mount survives
    assert "\nvolumes:\n  cache: {}\n" in compose
    files["hsm.yaml"] = (
        "output: out/stack\nservices:\n  container_groups:\n    db:\n      selection: pg\n"
    )
    compose = compile_files(tmp_path, files)["docker-compose.yml"]
    assert '"../../registry/containers/conf:/etc/pg:ro"' in compose  # relative to the entry


PG_2 = 'name: postgres\nimage: postgres:16\nports:\n  - "5432:5432"\n'


def test_one_host_port_published_twice(tmp_path: Path) -> None:
    manifest = (
        "services:\n  container_groups:\n    pg-a:\n      selection: postgres\n"
        "    pg-b:\n      selection: postgres\n"
    )
    files = {"hsm.yaml": manifest}
    files["registry/containers/postgres.yaml"] = PG_2
    (diag,) = compile_errors(tmp_path, files)  # the compose target's check
    assert diag.code == "HSM408" and "`pg-a` and `pg-b`" in diag.message


def test_two_entries_installing_one_distribution(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "packages:\n  - a\n  - b\n",
        "registry/packages/a.yaml": 'name: a\ndistribution: "Redis[hiredis]"\n',
        "registry/packages/b.yaml": "name: b\ndistribution: redis\n",
    }
    (diag,) = resolve_errors(tmp_path, files)
    assert diag.code == "HSM113" and "`a` and `b` both install `redis`" in diag.message


# --- the effective service record (resolve on its own) ------------------------------------------

APP = """
name: app
image: app:entry
port: 8000
ports:
  - "8000:8000"
volumes:
  - ./conf:/etc/app
env:
  MODE: entry
  KEEP: entry
healthcheck:
  test:
    - CMD
    - "true"
  interval: 5s
deployment_profiles:
  managed:
    mode: managed
  tuned:
    mode: managed
    image: app:profile
    env:
      MODE: profile
    healthcheck:
      interval: 1s
  remote:
    mode: external
    external:
      host: app.example.com
      port: "443"
      region: eu
sources:
  pinned:
    type: image
    image: app:pinned
  local:
    type: build
    path: ./src
"""


def _effective(tmp_path: Path, group: str, app: str = APP) -> EffectiveService:
    files = {
        "hsm.yaml": f"services:\n  container_groups:\n    app:\n      selection: app\n{group}",
        "registry/containers/app.yaml": app,
    }
    (tmp_path / "registry" / "containers" / "src").mkdir(parents=True)
    stack = resolve_files(tmp_path, files)
    (service,) = stack.effective
    return service


def test_the_image_is_chosen_once_source_then_profile_then_entry(tmp_path: Path) -> None:
    entry = _effective(tmp_path / "1", "")
    assert isinstance(entry.made, ImageChoice) and entry.made.image.value == "app:entry"
    assert entry.made.origin == "image of the entry"
    profile = _effective(tmp_path / "2", "      profile: tuned\n")
    assert isinstance(profile.made, ImageChoice) and profile.made.image.value == "app:profile"
    source = _effective(tmp_path / "3", "      profile: tuned\n      mode: pinned\n")
    assert isinstance(source.made, ImageChoice) and source.made.image.value == "app:pinned"
    build = _effective(tmp_path / "4", "      mode: local\n")
    assert isinstance(build.made, BuildChoice)
    assert (build.made.context, build.made.from_project) == (
        "../registry/containers/src",
        "registry/containers/src",
    )


def test_profile_fields_override_the_entry_field_by_field(tmp_path: Path) -> None:
    service = _effective(tmp_path, "      profile: tuned\n")
    check = service.healthcheck
    assert check.interval is not None and check.interval.value == "1s"  # the profile's
    assert isinstance(check.test, tuple) and [t.value for t in check.test] == ["CMD", "true"]
    assert [(layer.origin, layer.override) for layer in service.env] == [
        ("`app`", False),
        ("profile `tuned`", True),
    ]
    assert [_written(p) for p in service.ports] == ["8000:8000"]


def _written(item: PortItem) -> str:
    assert isinstance(item.written, Text)
    return item.written.value


def test_ports_follow_the_overrides_of_the_group(tmp_path: Path) -> None:
    """`ports` is the profile's or the entry's until the group's `overrides: ports:` replace
    the list: what compose publishes, and what the host endpoint reads."""
    plain = _effective(tmp_path / "1", "")
    assert [_written(p) for p in plain.ports] == ["8000:8000"]
    overrides = '      overrides:\n        ports:\n          - "127.0.0.1:${APP_PORT:-9000}:8000"\n'
    moved = _effective(tmp_path / "2", overrides)
    assert [_written(p) for p in moved.ports] == ["127.0.0.1:${APP_PORT:-9000}:8000"]
    host = moved.ports[0].bindings[0].host_port
    assert host is not None and host.value == "${APP_PORT:-9000}"
    assert moved.notes == ()


def test_params_nothing_reads_are_a_note_on_the_external_service(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "packages:\n  - client\nservices:\n  container_groups:\n"
        "    app:\n      selection: app\n      profile: remote\n",
        "registry/packages/client.yaml": (
            "name: client\nimplies:\n  container:app:\n    params:\n      db: mine\n"
        ),
        "registry/containers/app.yaml": APP,
    }
    (tmp_path / "registry" / "containers" / "src").mkdir(parents=True)
    stack = resolve_files(tmp_path, files)
    (service,) = stack.effective
    (note,) = service.notes
    assert "`db: mine` (from client)" in note.message and "profile `remote`" in note.message
    assert note.span is not None and (note.span.file, note.span.line) == ("hsm.yaml", 5)
    assert stack.notes == service.notes


def test_relative_bind_mounts_are_rebased_onto_the_output(tmp_path: Path) -> None:
    service = _effective(tmp_path, "")
    assert [v.value for v in service.volumes] == ["../registry/containers/conf:/etc/app"]


def test_an_external_service_has_an_endpoint_and_nothing_to_run(tmp_path: Path) -> None:
    service = _effective(tmp_path, "      profile: remote\n")
    assert not service.managed and service.made is None
    endpoint = service.endpoint
    assert endpoint is not None and endpoint.port is not None
    assert (endpoint.host.value, endpoint.port.value) == ("app.example.com", "443")
    assert [(s.key, s.text.value) for s in endpoint.fields] == [("region", "eu")]


def test_depends_on_waits_for_health_only_where_a_healthcheck_is_on(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "packages:\n  - client\n",
        "registry/packages/client.yaml": "name: client\nimplies:\n  container:web:\n",
        "registry/containers/web.yaml": (
            "name: web\nimage: web:1\nimplies:\n  container:pg:\n  container:cache:\n"
        ),
        "registry/containers/pg.yaml": PG,
        "registry/containers/cache.yaml": (
            "name: cache\nimage: c:1\nport: 6379\nhealthcheck:\n  disable: true\n"
        ),
    }
    stack = resolve_files(tmp_path, files)
    web = next(s for s in stack.effective if s.name == "web")
    assert [(d.service, d.healthy) for d in web.depends_on] == [("cache", False), ("pg", True)]
    assert [d.endpoint.host.value for d in web.needs] == ["pg", "cache"]  # the service name


def test_bind_services_visits_a_long_chain_once_each(tmp_path: Path) -> None:
    """Each implied container is bound once, in order (bind_services walks a growing list)."""
    count = 300
    files = {"hsm.yaml": "packages:\n  - p\n"}
    files["registry/packages/p.yaml"] = "name: p\nimplies:\n  container:c0:\n"
    for i in range(count):
        implies = f"implies:\n  container:c{i + 1}:\n" if i + 1 < count else ""
        files[f"registry/containers/c{i}.yaml"] = f"name: c{i}\nimage: x:1\n{implies}"
    stack = resolve_files(tmp_path, files)
    assert len(stack.effective) == count
    assert all(len(stack.service_needs[f"c{i}"]) == 1 for i in range(count - 1))


@pytest.mark.slow  # 1100 entries to parse: about 5 s
def test_a_package_chain_longer_than_the_python_stack(tmp_path: Path) -> None:
    """The package closure is a loop, in depth-first order (was RecursionError → exit 3)."""
    count = 1100  # Python stops recursing at 1000 frames
    files = {"hsm.yaml": "packages:\n  - p0\n"}
    for i in range(count):
        implies = f"implies:\n  package:p{i + 1}:\n" if i + 1 < count else ""
        files[f"registry/packages/p{i}.yaml"] = f"name: p{i}\n{implies}"
    stack = resolve_files(tmp_path, files)
    assert len(stack.packages) == count
    by_name = {p.entry.name: p for p in stack.packages}
    assert by_name["p7"].implied_by == ("p6",) and by_name["p0"].listed


def test_implied_by_keeps_the_order_of_the_depth_first_walk(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "packages:\n  - x\n",
        "registry/packages/x.yaml": "name: x\nimplies:\n  package:a:\n  package:b:\n",
        "registry/packages/a.yaml": "name: a\nimplies:\n  package:b:\n",
        "registry/packages/b.yaml": "name: b\n",
    }
    stack = resolve_files(tmp_path, files)
    assert {p.entry.name: p.implied_by for p in stack.packages}["b"] == ("a", "x")
