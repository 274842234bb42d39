"""Environments (issue 19): `environments:` in hsm.yaml, applied to the manifest once
(hsmc/environments.py), each built into its own output directory; `-e NAME` on every command.

golden/07-environments is the case of record (tests/test_golden.py); these tests check the rules
one at a time on scratch projects and copies of it."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hsmc import stamp
from hsmc.cli import main
from hsmc.errors import CompileError, UsageError
from hsmc.parse import Inputs, load_project
from hsmc.pipeline import Build, compile_project, compile_targets
from tests.conftest import GOLDEN, copy_case, run_hsmc, write_project

CASE = "07-environments"

# The built-in registry only: qdrant has a `managed` and an `external` profile.
LAPTOP = {
    "hsm.yaml": """
        name: shop
        defaults:
          profile: managed
        packages:
          - psycopg
          - qdrant-client
        services:
          container_groups:
            vector-db:
              selection: qdrant
        environments:
          cloud-db:
            services:
              container_groups:
                vector-db:
                  profile: external
          ci:
            output: ci-stack
    """,
}


def _builds(root: Path, environment: str | None = None) -> dict[str | None, list[Build]]:
    """What `hsmc build` would write, by environment (None: the default)."""
    found: dict[str | None, list[Build]] = {}
    for build in compile_targets(Inputs(path=root, cwd=root), environment=environment):
        found.setdefault(build.compiled.stack.manifest.environment, []).append(build)
    return found


def _file(build: Build, path: str) -> str:
    return next(a.content.decode() for a in build.artifacts if a.path == path)


def _invoke(project: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(project)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("HSMC_DEBUG", raising=False)
    return CliRunner().invoke(main, args)


def _errors(root: Path, files: dict[str, str], environment: str | None = None) -> list[str]:
    write_project(root, files)
    with pytest.raises(CompileError) as info:
        compile_targets(Inputs(path=root, cwd=root), environment=environment)
    return [f"{d.code} {d.message}" for d in info.value.diagnostics]


# --- reading -------------------------------------------------------------------------------------


def test_an_environment_is_read_with_its_positions(tmp_path: Path) -> None:
    write_project(tmp_path, LAPTOP)
    project, problems = load_project(Inputs(path=tmp_path, cwd=tmp_path))
    assert problems == ()
    cloud, ci = project.manifest.environments
    assert (cloud.name, cloud.span.line, ci.name, ci.span.line) == ("cloud-db", 12, "ci", 17)
    (choice,) = cloud.groups
    assert (choice.name, choice.profile and choice.profile.value, choice.mode) == (
        "vector-db",
        "external",
        None,
    )
    assert ci.output == tmp_path / "ci-stack" and ci.output_span is not None
    assert ci.targets is None and ci.groups == () and cloud.output is None
    assert project.manifest.environments_span is not None
    assert project.manifest.environments_span.line == 11


def test_the_fast_path_reads_the_environments_case_as_strictyaml_does() -> None:
    from hsmc.errors import Collector
    from hsmc.parse import load
    from hsmc.parse.fast import fast_tree
    from hsmc.parse.source import SourceFile

    path = GOLDEN / CASE / "hsm.yaml"
    source = SourceFile(path, "hsm.yaml", path.read_text(encoding="utf-8"))
    fast = fast_tree(source.text, "manifest", source.lines)
    strict = load.strict(source, "manifest", Collector())
    assert fast is not None and strict is not None  # the fast path takes it, and agrees
    assert fast.to_json() == strict.to_json()


def test_an_environment_takes_only_the_keys_it_can_change(tmp_path: Path) -> None:
    """`registry:`, `name:` or a group's `params:` stay the top level's: HSM005 names them."""
    files = {
        "hsm.yaml": """
            packages:
              - psycopg
            environments:
              x:
                registry:
                  - other
        """
    }
    write_project(tmp_path, files)
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 1 and "HSM005" in result.stderr, result.stderr


def test_an_environments_package_without_a_mode_says_so(tmp_path: Path) -> None:
    """A bare `- psycopg` under an environment's `packages:` was "expected a mapping, got
    text" with a hint about mappings; it names the package, the environment and the fix."""
    lines = ["packages:", "  - psycopg", "environments:", "  x:", "    packages:"]
    write_project(tmp_path, {"hsm.yaml": "\n".join([*lines, "      - psycopg  # mine", ""])})
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(
        "error[HSM007]: package `psycopg` in environment `x` has no mode\n --> hsm.yaml:6:7\n"
    ), result.stderr
    assert (
        "= help: write `psycopg: MODE`, MODE one of its entry's `sources`, or remove"
        in result.stderr
    )
    assert not (tmp_path / "generated").exists()


# --- what an environment changes, and what it inherits -------------------------------------------


def test_the_default_environment_is_the_top_level_and_each_environment_a_variant(
    tmp_path: Path,
) -> None:
    write_project(tmp_path, LAPTOP)
    builds = _builds(tmp_path)
    assert list(builds) == [None, "cloud-db", "ci"]
    default, cloud, ci = builds[None][0], builds["cloud-db"][0], builds["ci"][0]
    assert default.output == tmp_path / "generated"
    assert cloud.output == tmp_path / "generated" / "cloud-db"  # OUTPUT/NAME
    assert ci.output == tmp_path / "ci-stack"  # its own `output:`
    assert 'name: "shop"\n' in _file(default, "docker-compose.yml")
    assert 'name: "shop-cloud-db"\n' in _file(cloud, "docker-compose.yml")
    assert "\n  vector-db:\n" in _file(default, "docker-compose.yml")
    assert "\n  vector-db:\n" not in _file(cloud, "docker-compose.yml")
    assert "QDRANT_EXTERNAL_HOST" in _file(cloud, "packages.env")
    # `ci` sets nothing but its output: the top level's stack under its own project name
    strip = _file(ci, "docker-compose.yml").replace('"shop-ci"', '"shop"')
    assert strip == _file(default, "docker-compose.yml")


def test_settings_are_inherited_key_by_key(tmp_path: Path) -> None:
    """An environment's `defaults.mode` leaves the top level's `defaults.profile`; its group
    `mode:` leaves the group's `profile:`; a package it does not name keeps its mode."""
    files = {
        "hsm.yaml": """
            defaults:
              profile: managed-dev
            packages:
              - app: dev
              - lib: dev
            services:
              container_groups:
                web:
                  selection: web
                  mode: dev
            environments:
              release:
                defaults:
                  mode: prod
                packages:
                  - lib: prod
                services:
                  container_groups:
                    web:
                      mode: prod
        """,
        "registry/packages/app.yaml": """
            name: app
            sources:
              dev:
                type: pypi
                version: "==1.0.dev1"
              prod:
                type: pypi
                version: "==1.0"
        """,
        "registry/packages/lib.yaml": """
            name: lib
            sources:
              dev:
                type: pypi
                version: "==2.0.dev1"
              prod:
                type: pypi
                version: "==2.0"
        """,
        "registry/containers/web.yaml": """
            name: web
            image: web:1
            sources:
              dev:
                type: image
                image: web:dev
              prod:
                type: image
                image: web:1
            deployment_profiles:
              managed-dev:
                mode: managed
              managed-prod:
                mode: managed
        """,
    }
    write_project(tmp_path, files)
    release = _builds(tmp_path)["release"][0]
    requirements = _file(release, "requirements.txt")
    assert "app==1.0.dev1" in requirements  # listed with its own mode: kept
    assert "lib==2.0\n" in requirements  # the environment's
    compose = _file(release, "docker-compose.yml")
    assert 'image: "web:1"' in compose and "profile managed-dev" in compose
    rows = _file(release, "STACK.md")
    assert "| defaults.mode | `prod` | not set |" in rows
    assert "| package `lib`: mode | `prod` | `dev` |" in rows
    assert "| group `web`: mode | `prod` | `dev` |" in rows
    assert "defaults.profile" not in rows and "package `app`" not in rows


def test_a_manifest_with_environments_builds_its_top_level_as_before(tmp_path: Path) -> None:
    """Adding `environments:` changes no artifact of the default environment but STACK.md,
    which says which environment it is."""
    project = copy_case("01-shared-container", tmp_path)
    before = {
        a.path: a.content for a in compile_project(Inputs(path=project, cwd=project)).artifacts
    }
    with (project / "hsm.yaml").open("a", encoding="utf-8") as manifest:
        manifest.write("environments:\n  staging:\n")
    after = {
        a.path: a.content for a in compile_project(Inputs(path=project, cwd=project)).artifacts
    }
    assert set(after) == set(before)
    assert [p for p in before if before[p] != after[p]] == ["STACK.md"]
    assert b"This stack is the default environment" in after["STACK.md"]


def test_an_environment_can_select_another_container_for_a_group(tmp_path: Path) -> None:
    files = {
        **LAPTOP,
        "hsm.yaml": LAPTOP["hsm.yaml"]
        + """
          other:
            services:
              container_groups:
                vector-db:
                  selection: vectors
        """,
        "registry/containers/vectors.yaml": """
            name: vectors
            image: vectors:1.0
            port: 6333
            ports:
              - "16333:6333"
            connection:
              QDRANT_URL: "http://${HSM.host}:${HSM.port}"
        """,
    }
    write_project(tmp_path, files)
    other = _builds(tmp_path, environment="other")["other"][0]
    assert 'image: "vectors:1.0"' in _file(other, "docker-compose.yml")
    # a container only an environment selects stays out of the top level's stack
    default = compile_project(Inputs(path=tmp_path, cwd=tmp_path))
    assert "vectors" not in _file(default, "docker-compose.yml")


# --- the output directories ----------------------------------------------------------------------


def test_dash_o_moves_every_output_and_with_e_names_that_environments(tmp_path: Path) -> None:
    write_project(tmp_path, LAPTOP)
    out = tmp_path / "out"
    every = compile_targets(Inputs(path=tmp_path, cwd=tmp_path, output=Path("out")))
    assert [b.output for b in every] == [out, out / "cloud-db", out / "ci"]  # -o wins over output:
    one = compile_targets(
        Inputs(path=tmp_path, cwd=tmp_path, output=Path("out")), environment="cloud-db"
    )
    assert [b.output for b in one] == [out]
    cluster = compile_targets(
        Inputs(path=tmp_path, cwd=tmp_path, output=Path("k")),
        target="kubernetes",
        environment="cloud-db",
    )
    assert [b.output for b in cluster] == [tmp_path / "k"]  # as --target with -o


def test_two_builds_of_one_directory_are_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    """An environment named `files` would write into the default's files/ (shipped files); one
    named `kubernetes` where the top level builds the cluster too, into its directory."""
    files = {
        "hsm.yaml": """
            name: demo
            targets:
              - compose
              - kubernetes
            packages:
              - psycopg
            environments:
              files:
              kubernetes:
        """
    }
    errors = _errors(tmp_path, files)
    assert errors == [
        "HSM123 the compose target of environment `files` would write into the files of the "
        "compose target of the default environment",
        "HSM123 the kubernetes target of environment `files` would write into the files of the "
        "compose target of the default environment",
        "HSM123 the compose target of environment `kubernetes` and the kubernetes target of "
        "the default environment would write one output directory",
    ]
    assert not (tmp_path / "generated").exists()
    # `check` says what `build` refuses (a user trial: "no problems found"); the default's output
    # is not set in hsm.yaml, so no note points at its first line
    checked = run_hsmc("check", "--format", "json", cwd=tmp_path)
    assert checked.returncode == 1
    assert [f"{d['code']} {d['message']}" for d in json.loads(checked.stdout)] == errors
    assert "is set here" not in run_hsmc("check", cwd=tmp_path).stderr
    # nested directories that own different files are fine: OUTPUT/NAME/kubernetes, OUTPUT/NAME
    (tmp_path / "hsm.yaml").write_text(
        (tmp_path / "hsm.yaml").read_text().replace("  files:\n  kubernetes:\n", "  staging:\n")
    )
    assert len(compile_targets(Inputs(path=tmp_path, cwd=tmp_path))) == 4


# --- diagnostics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("staging", True),
        ("a", True),
        ("eu-west-1", True),
        ("x" * 63, True),
        ("x" * 64, False),
        ("Staging", False),
        ("-a", False),
        ("a-", False),
        ("a_b", False),
        ("a.b", False),
        ("default", False),
    ],
)
def test_environment_names_are_dns_labels(tmp_path: Path, name: str, valid: bool) -> None:
    files = {"hsm.yaml": f"packages:\n  - psycopg\nenvironments:\n  {name}:\n"}
    write_project(tmp_path, files)
    if valid:
        assert compile_targets(Inputs(path=tmp_path, cwd=tmp_path))
    else:
        assert _errors(tmp_path, files) == [f"HSM120 invalid environment name `{name}`"]


def test_an_environment_names_groups_and_packages_of_the_top_level(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": """
            packages:
              - psycopg
              - qdrant-client
            services:
              container_groups:
                vector-db:
                  selection: qdrant
            environments:
              x:
                packages:
                  - psycopg: prod
                  - redis: prod
                  - psycopg: dev
                services:
                  container_groups:
                    vectordb:
                      profile: external
        """
    }
    assert _errors(tmp_path, files) == [
        "HSM122 environment `x` sets the mode of package `redis`, which the top level does not "
        "list",
        "HSM106 package `psycopg` is listed twice with different modes",
        "HSM121 environment `x` sets group `vectordb`, which the top level does not define",
    ]


def test_an_environments_unknown_profile_mode_and_target_are_located_and_name_it(
    tmp_path: Path,
) -> None:
    files = {
        "hsm.yaml": """
            packages:
              - psycopg
              - qdrant-client
            services:
              container_groups:
                vector-db:
                  selection: qdrant
            environments:
              x:
                targets:
                  - kubernetes
                  - swarm
                defaults:
                  mode: nightly
                packages:
                  - psycopg: prod
                services:
                  container_groups:
                    vector-db:
                      profile: externall
                      selection: qdrantt
        """
    }
    write_project(tmp_path, files)
    with pytest.raises(CompileError) as info:
        compile_targets(Inputs(path=tmp_path, cwd=tmp_path))
    found = {(d.code, d.span.line if d.span else 0): d for d in info.value.diagnostics}
    assert sorted(found) == [("HSM104", 21), ("HSM201", 16), ("HSM701", 12)]
    assert found[("HSM701", 12)].message == "environment `x`: unknown target `swarm`"
    assert found[("HSM104", 21)].hint == "did you mean `qdrant`?"
    for diagnostic in found.values():
        assert diagnostic.related[-1].message == "environment `x` is defined here"
        assert diagnostic.related[-1].span.line == 9
    # `defaults.mode` names no mode of the stack (HSM210, resolve): also the environment's
    fixed = files["hsm.yaml"].split("                targets:")[0] + "                defaults:\n"
    fixed += "                  mode: nightly\n"
    assert _errors(tmp_path, {"hsm.yaml": fixed}) == [
        "HSM210 environment `x`: `defaults.mode: nightly` names no mode of the selected packages "
        "and containers"
    ]


def test_a_target_refusing_an_environments_choice_names_it_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    """A build source on the cluster (HSM703): the top level keeps `mode: dev`, an environment
    that builds for the cluster forgot to choose the image."""
    project = copy_case(CASE, tmp_path)
    manifest = project / "hsm.yaml"
    manifest.write_text(
        manifest.read_text().replace("          mode: prod\n", "          mode: dev\n")
    )
    result = run_hsmc("build", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error[HSM703]: environment `cluster`: service `api` is built from a local directory"
    )
    assert "= note: environment `cluster` is defined here\n  --> hsm.yaml:19:3" in result.stderr
    assert not (project / "generated").exists()  # the laptop's stack is not written either
    # the other environments do not depend on it
    assert run_hsmc("build", "-e", "cloud-db", cwd=project).returncode == 0
    assert run_hsmc("build", "-e", "default", cwd=project).returncode == 0
    checked = run_hsmc("check", "--format", "json", cwd=project)
    assert checked.returncode == 1
    (only,) = json.loads(checked.stdout)
    assert only["code"] == "HSM703" and only["message"].startswith("environment `cluster`: ")


def test_a_mistake_of_the_top_level_is_said_once_not_per_environment(tmp_path: Path) -> None:
    project = copy_case(CASE, tmp_path)
    (project / "services" / "api" / "Dockerfile").unlink()
    (project / "services" / "api" / "app.py").unlink()
    (project / "services" / "api").rmdir()  # the build context: HSM402 in resolve
    result = run_hsmc("build", cwd=project)
    assert result.returncode == 1
    assert result.stderr.count("error[") == 1, result.stderr
    assert "error[HSM402]: directory `../../services/api` does not exist" in result.stderr
    # built alone, the environment that inherits the mistake says so
    alone = run_hsmc("build", "-e", "cloud-db", cwd=project)
    assert "error[HSM402]: environment `cloud-db`: directory" in alone.stderr


def test_a_mistake_in_any_environment_stops_every_build(tmp_path: Path) -> None:
    """hsm.yaml is valid or not: a mode no entry defines in `cluster` stops `-e cloud-db` too."""
    project = copy_case(CASE, tmp_path)
    manifest = project / "hsm.yaml"
    manifest.write_text(manifest.read_text().replace("- shop-models: prod", "- shop-models: prd"))
    result = run_hsmc("build", "-e", "cloud-db", cwd=project)
    assert result.returncode == 1
    assert "error[HSM201]: environment `cluster`: package `shop-models` has no mode `prd`" in (
        result.stderr
    )


def test_an_unknown_environment_on_the_command_line_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_case(CASE, tmp_path)
    for args in (
        ["build", "-e", "clustr"],
        ["build", "--check", "--environment", "clustr"],
        ["check", "-e", "clustr"],
        ["check", "-e", "clustr", "--format", "json"],
        ["explain", "api", "-e", "clustr"],
        ["graph", "-e", "clustr"],
        ["sync", "-e", "clustr"],
        ["run", "-e", "clustr", "--", "true"],
    ):
        result = _invoke(project, args, monkeypatch)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith(
            "error[HSM610]: no environment `clustr` in hsm.yaml\n  --> hsm.yaml:18:1\n"
        ), args
        assert "= help: did you mean `cluster`?" in result.stderr
        assert "nothing was written" not in result.stderr
    assert not (project / "generated").exists()
    other = _invoke(project, ["build", "-e", "staging"], monkeypatch)
    assert (
        "defined environments of hsm.yaml: `cloud-db`, `cluster`; `default` is the top level"
        in (other.stderr)
    )
    none = _invoke(GOLDEN / "01-shared-container", ["graph", "-e", "x"], monkeypatch)
    assert none.exit_code == 2
    assert "hsm.yaml defines no `environments:`" in none.stderr
    with pytest.raises(UsageError):
        compile_targets(Inputs(path=project, cwd=project), environment="nope")


# --- the commands --------------------------------------------------------------------------------


def test_a_refusal_in_any_output_directory_leaves_every_one_untouched(tmp_path: Path) -> None:
    """A file in the way of `cloud-db`'s output: the top level and `cluster` were written
    first, and the summary still said 'nothing was written'."""
    project = copy_case(CASE, tmp_path)
    manifest = project / "hsm.yaml"
    manifest.write_text(
        manifest.read_text().replace("  cloud-db:\n", "  cloud-db:\n    output: notes.txt\n")
    )
    (project / "notes.txt").write_text("mine\n")
    result = run_hsmc("build", cwd=project)
    assert result.returncode == 1 and "error[HSM412]" in result.stderr, result.stderr
    assert result.stderr.endswith("1 error found; nothing was written\n")
    assert not (project / "generated").exists()


def test_run_and_sync_do_not_write_over_another_environments_output(tmp_path: Path) -> None:
    """`cluster` lists only kubernetes, so `run -e cluster` builds its compose output for the
    host; `stage` writes its own compose output there: each command took the directory for
    its own, and `build --check` failed after every `run`."""
    project = copy_case(CASE, tmp_path)
    manifest = project / "hsm.yaml"
    text = manifest.read_text().replace(
        "environments:\n", "environments:\n  stage:\n    output: generated/cluster\n", 1
    )
    manifest.write_text(text)
    assert run_hsmc("build", cwd=project).returncode == 0
    before = (project / "generated" / "cluster" / "docker-compose.yml").read_bytes()
    for command in (["run", "-e", "cluster", "--", "true"], ["sync", "-e", "cluster"]):
        result = run_hsmc(*command, cwd=project)
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith(
            "error[HSM123]: the compose target of environment `cluster` and the compose target "
            "of environment `stage` would write one output directory\n"
        ), result.stderr
    assert (project / "generated" / "cluster" / "docker-compose.yml").read_bytes() == before
    assert run_hsmc("build", "--check", cwd=project).returncode == 0


def test_a_target_asked_for_does_not_write_over_another_environments_output(
    tmp_path: Path,
) -> None:
    """An environment named `kubernetes` writes OUTPUT/kubernetes, where `--target kubernetes`
    writes the top level's cluster output: it replaced the environment's compose files."""
    manifest = "name: shop\npackages:\n  - psycopg\n"
    manifest += "environments:\n  kubernetes:\n    targets:\n      - compose\n"
    write_project(tmp_path, {"hsm.yaml": manifest})
    assert run_hsmc("build", cwd=tmp_path).returncode == 0
    for command in ("build", "check"):
        result = run_hsmc(command, "--target", "kubernetes", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "error[HSM123]: the kubernetes target of the default environment" in result.stderr
        assert " --> hsm.yaml:5:3\n" in result.stderr, result.stderr
    assert (tmp_path / "generated" / "kubernetes" / "docker-compose.yml").exists()
    assert run_hsmc("build", "--check", cwd=tmp_path).returncode == 0


def test_hand_edits_in_two_output_directories_are_each_named_by_their_path(
    tmp_path: Path,
) -> None:
    """Named by the output directory's last part, two edits of one file name in two outputs
    read `kubernetes/redis.yaml` twice, and were said as one error."""
    project = copy_case(CASE, tmp_path)
    assert run_hsmc("build", cwd=project).returncode == 0
    for output in ("generated", "generated/cluster/kubernetes"):
        edited = project / output / ".gitignore"
        edited.write_text(edited.read_text() + "# mine\n")
    result = run_hsmc("build", cwd=project)
    assert result.returncode == 1, result.stderr
    named = [line for line in result.stderr.splitlines() if line.startswith("error[HSM411]")]
    assert named == [
        f"error[HSM411]: {output}/.gitignore was edited by hand since the last build"
        for output in ("generated", "generated/cluster/kubernetes")
    ], result.stderr


def test_an_output_no_build_writes_now_is_said_by_build_and_fails_check(tmp_path: Path) -> None:
    """An environment removed from hsm.yaml left its output as it was, and `build --check`
    passed; the compose output `run -e cluster` keeps for an environment without it is not
    one of those."""
    project = copy_case(CASE, tmp_path)
    assert run_hsmc("build", cwd=project).returncode == 0
    run_hsmc("run", "-e", "cluster", "--", "true", cwd=project)  # builds, then wants a .env
    assert (project / "generated" / "cluster" / "docker-compose.yml").exists()
    assert run_hsmc("build", "--check", cwd=project).returncode == 0
    manifest = project / "hsm.yaml"
    text = manifest.read_text()
    manifest.write_text(text[: text.index("  cloud-db:")])
    said = (
        "hsmc: warning: generated/cloud-db holds the output of an earlier build that no "
        "environment or target of hsm.yaml writes now"
    )
    for _ in range(2):  # the build, then the no-op its stamp answers
        result = run_hsmc("build", cwd=project)
        assert result.returncode == 0 and said in result.stderr, result.stderr
    assert (project / "generated" / "cloud-db" / "docker-compose.yml").exists()  # left alone
    checked = run_hsmc("build", "--check", cwd=project)
    assert checked.returncode == 1
    assert "no longer generated: generated/cloud-db/" in checked.stdout
    shutil.rmtree(project / "generated" / "cloud-db")
    result = run_hsmc("build", cwd=project)
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    assert run_hsmc("build", "--check", cwd=project).returncode == 0


def test_build_writes_every_environment_and_e_one(tmp_path: Path) -> None:
    project = copy_case(CASE, tmp_path)
    one = run_hsmc("build", "-e", "cluster", cwd=project)
    assert one.returncode == 0, one.stderr
    assert one.stderr == "hsmc: wrote 11 files to generated/cluster/kubernetes\n"
    assert sorted(p.name for p in (project / "generated").iterdir()) == ["cluster"]
    every = run_hsmc("build", cwd=project)
    assert every.stderr.splitlines() == [
        "hsmc: wrote 9 files to generated",
        "hsmc: generated/cluster/kubernetes is up to date (11 files unchanged)",
        "hsmc: wrote 9 files to generated/cloud-db",
    ]
    for directory in ("", "cluster/kubernetes", "cloud-db"):
        assert (project / "generated" / directory / ".hsmc-generated").is_file()
    # each owns its own files only: the top level's build removed nothing of the others'
    listing = (project / "generated" / ".hsmc-generated").read_text()
    assert "cloud-db" not in listing and "cluster" not in listing
    assert run_hsmc("build", "-e", "default", cwd=project).stderr == (
        "hsmc: generated is up to date (9 files unchanged)\n"
    )


@pytest.mark.parametrize(
    "edited",
    ["docker-compose.yml", "cloud-db/docker-compose.yml", "cluster/kubernetes/api.yaml"],
)
def test_build_check_catches_an_edit_in_any_environment(tmp_path: Path, edited: str) -> None:
    project = copy_case(CASE, tmp_path)
    assert run_hsmc("build", cwd=project).returncode == 0
    assert run_hsmc("build", "--check", cwd=project).returncode == 0
    path = project / "generated" / edited
    path.write_text(path.read_text() + "# edited\n")
    result = run_hsmc("build", "--check", cwd=project)
    assert result.returncode == 1
    assert "+# edited" not in result.stdout and "-# edited" in result.stdout
    stale = [line for line in result.stderr.splitlines() if "is not up to date" in line]
    directory = "generated" + (f"/{edited.rsplit('/', 1)[0]}" if "/" in edited else "")
    name = edited.rsplit("/", 1)[-1]
    assert len(stale) == 1
    assert stale[0].startswith(
        f"hsmc: {directory} is not up to date and was edited by hand ({name})"
    )
    environment = edited.split("/")[0] if "/" in edited else "default"
    alone = run_hsmc("build", "--check", "-e", environment, cwd=project)
    assert alone.returncode == 1
    others = {"default", "cluster", "cloud-db"} - {environment}
    assert all(
        run_hsmc("build", "--check", "-e", other, cwd=project).returncode == 0 for other in others
    )


def test_explain_and_graph_take_an_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_case(CASE, tmp_path)
    graph = _invoke(project, ["graph", "--format", "json", "-e", "cloud-db"], monkeypatch)
    services = {s["name"]: s for s in json.loads(graph.stdout)["services"]}
    assert services["vector-db"]["deployment"] == "external"
    default = _invoke(project, ["graph", "--format", "json"], monkeypatch)
    assert {s["name"]: s for s in json.loads(default.stdout)["services"]}["vector-db"][
        "deployment"
    ] == "managed"
    explained = _invoke(project, ["explain", "api", "-e", "cluster"], monkeypatch)
    assert explained.exit_code == 0, explained.stderr
    assert "api.yaml" in explained.stdout  # the cluster's artifact: its first target
    assert "docker-compose.yml" in _invoke(project, ["explain", "api"], monkeypatch).stdout
    # what the environment chose, where it chose it (a trial: only the top level's lines)
    assert "  ← mode `prod` of environment `cluster` (hsm.yaml:27)\n" in explained.stdout
    models = _invoke(project, ["explain", "shop-models", "-e", "cluster"], monkeypatch).stdout
    assert "← listed in hsm.yaml:10 with mode `prod` (hsm.yaml:23)\n" in models
    vector = _invoke(project, ["explain", "vector-db", "-e", "cloud-db"], monkeypatch).stdout
    assert "  ← profile `external` of environment `cloud-db` (hsm.yaml:32)\n" in vector
    assert "of environment" not in _invoke(project, ["explain", "api"], monkeypatch).stdout


def test_run_takes_the_environments_host_output(tmp_path: Path) -> None:
    project = copy_case(CASE, tmp_path)
    cloud = project / "generated" / "cloud-db"
    cloud.mkdir(parents=True)
    (cloud / ".env").write_text("POSTGRES_PASSWORD=pw\nQDRANT_EXTERNAL_HOST=qdrant.example.cloud\n")
    show = [sys.executable, "-c", "import os; print(os.environ['QDRANT_URL'])"]
    result = run_hsmc("run", "-e", "cloud-db", "--", *show, cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "http://qdrant.example.cloud:6333\n"
    assert result.stderr == "hsmc: generated/cloud-db was stale and has been rebuilt\n"
    assert not (project / "generated" / "docker-compose.yml").exists()
    # the environment's host target, whatever it lists: `cluster` runs packages on a cluster
    cluster = run_hsmc("run", "-e", "cluster", "--", "true", cwd=project)
    assert "error[HSM009]: no such file: generated/cluster/.env" in cluster.stderr
    assert (project / "generated" / "cluster" / "docker-compose.yml").is_file()


def test_warnings_are_said_once_and_an_environments_own_name_it(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": LAPTOP["hsm.yaml"].replace(
            "              selection: qdrant\n",
            "              selection: qdrant\n"
            "              overrides:\n"
            "                restart: unless-stopped\n"
            "              params:\n"
            "                collection: shop\n",
        )
    }
    write_project(tmp_path, files)
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    unread = [line for line in lines if "gives `collection`" in line]
    assert len(unread) == 1 and lines.index(unread[0]) == 0  # the default's, not again for `ci`
    external = [line for line in lines if "so its `overrides:` have no effect" in line]
    assert external == [
        "hsmc: warning: environment `cloud-db`: group `vector-db` is external (profile "
        "`external`), so its `overrides:` have no effect: it has no compose service "
        "(hsm.yaml:11)"
    ]
    assert lines.index(external[0]) > lines.index("hsmc: wrote 9 files to generated")
    # each STACK.md lists its own stack's notes
    ci = (tmp_path / "ci-stack" / "STACK.md").read_text()
    assert "gives `collection`" in ci


# --- the build stamp -----------------------------------------------------------------------------


def _build_imports_compiler(project: Path, *args: str) -> tuple[bool, str]:
    """`hsmc build ARGS` with -X importtime: (whether the compiler ran, stderr)."""
    import subprocess

    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "hsmc", "build", *args],
        cwd=project,
        env={**os.environ, "HSMC_CACHE_DIR": str(project.parent / "cache")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines(keepends=True)
    imported = any(line.startswith("import time:") and "hsmc.pipeline" in line for line in lines)
    return imported, "".join(x for x in lines if not x.startswith("import time:"))


def test_e_is_a_value_of_a_stamped_build_not_a_path() -> None:
    assert stamp.eligible(["build", "-e", "cluster"])
    assert stamp.eligible(["build", "--environment", "cluster", "--target", "kubernetes"])
    assert stamp.eligible(["build", "--environment=cluster", "proj"])
    assert not stamp.eligible(["build", "-e"])
    assert not stamp.eligible(["build", "-ecluster"])  # run together: the full build
    assert stamp._path_arguments(["build", "-e", "cluster", "-o", "x"]) == [".", "x"]
    assert stamp._path_arguments(["build", "--environment=cluster", "p"]) == ["p"]


def test_a_stamp_never_replays_a_build_of_another_environment(tmp_path: Path) -> None:
    project = copy_case(CASE, tmp_path / "work")
    assert _build_imports_compiler(project, "-e", "cluster") == (
        True,
        "hsmc: wrote 11 files to generated/cluster/kubernetes\n",
    )
    cluster_again = "hsmc: generated/cluster/kubernetes is up to date (11 files unchanged)\n"
    assert _build_imports_compiler(project, "-e", "cluster") == (False, cluster_again)
    # another environment: its own build, never the cluster's answer
    assert _build_imports_compiler(project, "-e", "cloud-db") == (
        True,
        "hsmc: wrote 9 files to generated/cloud-db\n",
    )
    assert _build_imports_compiler(project, "-e", "cloud-db")[0] is False
    full = _build_imports_compiler(project)
    assert full[0] and full[1].splitlines()[0] == "hsmc: wrote 9 files to generated"
    stamped = _build_imports_compiler(project)
    assert stamped[0] is False
    assert stamped[1] == run_hsmc("build", "--no-cache", cwd=project).stderr
    assert len(stamped[1].splitlines()) == 3
    # the environment changed in hsm.yaml: seen, and built as it now is
    manifest = project / "hsm.yaml"
    manifest.write_text(manifest.read_text().replace("profile: external", "profile: managed"))
    again = _build_imports_compiler(project, "-e", "cloud-db")
    assert again == (True, "hsmc: wrote 4 files to generated/cloud-db (5 unchanged)\n")
    compose = (project / "generated" / "cloud-db" / "docker-compose.yml").read_text()
    assert "\n  vector-db:\n" in compose


def test_sync_builds_and_installs_the_environments_host_output(tmp_path: Path) -> None:
    """`hsmc sync -e NAME`: that environment's compose output (its requirements.txt), with real
    uv, offline: the environment's source of the package is the one installed."""
    from tests.test_sync import _sync

    package = """
        [project]
        name = "tools"
        version = "{version}"
        requires-python = ">=3.11"

        [build-system]
        requires = ["uv_build>=0.8,<0.14"]
        build-backend = "uv_build"
    """
    files = {
        "hsm.yaml": """
            packages:
              - tools: dev
            environments:
              release:
                packages:
                  - tools: pinned
        """,
        "registry/packages/tools.yaml": """
            name: tools
            sources:
              dev:
                type: local
                path: "../../checkout"
                editable: true
              pinned:
                type: local
                path: "../../wheelhouse"
        """,
        "checkout/pyproject.toml": package.format(version="2.0.dev0"),
        "checkout/src/tools/__init__.py": "",
        "wheelhouse/pyproject.toml": package.format(version="1.9.0"),
        "wheelhouse/src/tools/__init__.py": "",
    }
    project = write_project(tmp_path / "project", files)
    synced = _sync(project, tmp_path, "-e", "release", "--", "--offline")
    assert synced.returncode == 0, synced.stderr
    assert "hsmc: built generated/release; installing into" in synced.stderr
    assert (project / "generated" / "release" / "requirements.txt").is_file()
    assert not (project / "generated" / "requirements.txt").exists()
    version = project / ".venv" / "bin" / "python"
    code = "import importlib.metadata as m; print(m.version('tools'))"
    import subprocess

    shown = subprocess.run([version, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout == "1.9.0\n"


def test_the_starter_manifests_example_builds_two_stacks(tmp_path: Path) -> None:
    """`hsmc init` shows `environments:` commented out; uncommented, it builds as it says."""
    import re

    assert run_hsmc("init", cwd=tmp_path).returncode == 0
    text = (tmp_path / "hsm.yaml").read_text()
    head, example = text.split("\n# services:\n")
    example = "# services:\n" + example
    lines = [
        line[2:] if re.match(r"# (services:|environments:| {2,}\S)", line) else line
        for line in example.splitlines()
    ]
    uncommented = "\n".join(lines).replace("profile: external   #", "profile: managed   #", 1)
    (tmp_path / "hsm.yaml").write_text(f"{head}\n{uncommented}\n")
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\n  postgres:\n" in (tmp_path / "generated" / "docker-compose.yml").read_text()
    cloud = (tmp_path / "generated" / "cloud-db" / "docker-compose.yml").read_text()
    assert (
        "\n  postgres:\n" not in cloud
        and "POSTGRES_EXTERNAL_HOST"
        in (tmp_path / "generated" / "cloud-db" / "packages.env").read_text()
    )


def test_check_env_file_judges_one_environments_inputs(tmp_path: Path) -> None:
    """A `.env` belongs to one output directory: `check --env-file` reads it for the targets of
    `-e NAME` (the top level's without -e), while every environment is still checked."""
    project = copy_case(CASE, tmp_path)
    (project / "laptop.env").write_text("POSTGRES_PASSWORD=pw\n")
    assert run_hsmc("check", "--env-file", "laptop.env", cwd=project).returncode == 0
    cloud = run_hsmc("check", "-e", "cloud-db", "--env-file", "laptop.env", cwd=project)
    assert cloud.returncode == 1
    assert "required input `QDRANT_EXTERNAL_HOST` is not set in laptop.env" in cloud.stderr
    assert "environment `" not in cloud.stderr  # about the file, not a mistake of hsm.yaml


def test_check_env_file_in_an_output_judges_it_for_that_output(tmp_path: Path) -> None:
    """Without -e, a `.env` inside an environment's output was judged for the top level's
    compose inputs: the cluster's `.env` with a quoted password passed, and Kustomize then
    refused it."""
    project = copy_case(CASE, tmp_path)
    assert run_hsmc("build", cwd=project).returncode == 0
    env = project / "generated" / "cluster" / "kubernetes" / ".env"
    env.write_text('POSTGRES_PASSWORD="pg pass"\n')
    result = run_hsmc("check", "--env-file", env, cwd=project)
    assert result.returncode == 1, result.stderr
    assert "error[HSM505]: Kustomize reads `POSTGRES_PASSWORD`" in result.stderr
    outside = project / "cluster.env"
    outside.write_text(env.read_text())
    assert run_hsmc("check", "--env-file", outside, cwd=project).returncode == 0  # top level's


def test_a_project_name_too_long_with_its_environment_says_how_long_name_may_be(
    tmp_path: Path,
) -> None:
    """`name:` of 42 characters is a Kubernetes name; `NAME-ENVIRONMENT` of 92 is not, and the
    hint asked for a `name:` of at most 63 characters, which it already was."""
    name, environment = "a" * 42, "c" * 49
    manifest = f"name: {name}\npackages:\n  - psycopg\nenvironments:\n  {environment}:\n"
    manifest += "    targets:\n      - kubernetes\n"
    write_project(tmp_path, {"hsm.yaml": manifest})
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert " --> hsm.yaml:1:7\n" in result.stderr
    assert "give hsm.yaml a `name:` of lower-case" in result.stderr
    assert "at most 13 characters, or the environment a shorter name" in result.stderr


def test_a_group_an_environment_selects_away_from_an_implied_container_points_there(
    tmp_path: Path,
) -> None:
    """HSM109 pointed at the top level's group and hinted at adding a group, which an
    environment cannot."""
    manifest = (
        "packages:\n  - psycopg\nservices:\n  container_groups:\n    postgres:\n"
        "      selection: postgres\nenvironments:\n  x:\n    services:\n      container_groups:\n"
        "        postgres:\n          selection: redis\n"
    )
    write_project(tmp_path, {"hsm.yaml": manifest})
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "= note: group `postgres` selects `redis` here\n  --> hsm.yaml:12:22\n" in result.stderr
    assert "= help: select `postgres` for group `postgres` in environment `x` too" in result.stderr
