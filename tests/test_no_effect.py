"""Issue 24, point 3: input the project sets and that then has no effect is an error (a default
that no selected entry defines: HSM209, HSM210) or a warning (a Note: printed by `hsmc build`
and listed under `## Notes` in STACK.md), never silently ignored (docs/decisions.md, "Input
that has no effect")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hsmc.builtin import registry_root
from tests.conftest import compile_errors, resolve_files, run_hsmc, write_project

QDRANT = """
name: q
image: qdrant/qdrant:v1.11.0
port: 6333
ports:
  - "6333:6333"
sources:
  dev:
    type: image
    image: qdrant/qdrant:dev
default_profile: local
deployment_profiles:
  local:
    mode: managed
  cloud:
    mode: external
    external:
      host: q.example.org
      port: "443"
"""
CLIENT = "name: client\nimplies:\n  container:q:\n"


def _files(manifest: str, **extra: str) -> dict[str, str]:
    files = {
        "registry/containers/q.yaml": QDRANT,
        "registry/packages/client.yaml": CLIENT,
        "hsm.yaml": manifest,
    }
    files.update({f"registry/{k.replace('__', '/')}.yaml": v for k, v in extra.items()})
    return files


def _notes(tmp_path: Path, files: dict[str, str]) -> list[str]:
    return [n.message for n in resolve_files(tmp_path, files).notes]


def test_a_misspelt_default_profile_is_an_error_with_did_you_mean(tmp_path: Path) -> None:
    project = write_project(
        tmp_path, {"hsm.yaml": "defaults:\n  profile: externel\npackages:\n  - redis\n"}
    )
    built = run_hsmc("build", project, cwd=project)
    assert built.returncode == 1, built.stderr
    assert "error[HSM209]: `defaults.profile: externel` names no profile of the selected" in (
        built.stderr
    )
    assert " --> hsm.yaml:2:12" in built.stderr and "did you mean `external`?" in built.stderr
    assert not (project / "generated").exists()


def test_a_default_mode_no_selected_entry_defines_is_an_error(tmp_path: Path) -> None:
    (diag,) = compile_errors(tmp_path, _files("defaults:\n  mode: dve\npackages:\n  - client\n"))
    assert diag.code == "HSM210" and diag.span is not None and diag.span.line == 2
    assert diag.hint == "did you mean `dev`?"  # the container's mode counts
    (diag,) = compile_errors(
        tmp_path / "2", _files("defaults:\n  mode: zzz\npackages:\n  - client\n")
    )
    assert diag.hint == "defined modes of the stack: `dev`"


def test_the_hint_lists_only_profiles_of_selected_containers(tmp_path: Path) -> None:
    (diag,) = compile_errors(tmp_path, _files("defaults:\n  profile: zzz\npackages:\n  - client\n"))
    assert diag.code == "HSM209"
    assert diag.hint == "defined profiles of the stack: `cloud`, `local`"


def test_defaults_that_some_entry_uses_are_fine(tmp_path: Path) -> None:
    assert _notes(
        tmp_path, _files("defaults:\n  profile: cloud\n  mode: dev\npackages:\n  - client\n")
    ) == [
        "`defaults.mode: dev` has no effect: every selected entry that defines it is given a "
        "mode, or runs external"  # q runs external: no source is chosen for it
    ]
    assert (
        _notes(
            tmp_path / "2",
            _files("defaults:\n  profile: local\n  mode: dev\npackages:\n  - client\n"),
        )
        == []
    )
    # a container without profiles has the implicit `managed` one
    files = {"hsm.yaml": "defaults:\n  profile: managed\npackages:\n  - x\n"}
    files["registry/packages/x.yaml"] = "name: x\nimplies:\n  container:c:\n"
    files["registry/containers/c.yaml"] = "name: c\nimage: c:1\n"
    assert _notes(tmp_path / "3", files) == []


def test_a_default_every_group_overrides_is_a_warning(tmp_path: Path) -> None:
    manifest = """
    defaults:
      profile: cloud
    packages:
      - client
    services:
      container_groups:
        q:
          selection: q
          profile: local
    """
    assert _notes(tmp_path, _files(manifest)) == [
        "`defaults.profile: cloud` has no effect: every selected container that defines it is "
        "given a profile by its group"
    ]


EXTERNAL_GROUP = """
packages:
  - client
services:
  container_groups:
    q:
      selection: q
      profile: cloud
      mode: dev
      overrides:
        restart: always
"""


def test_mode_and_overrides_of_an_external_group_are_warnings(tmp_path: Path) -> None:
    project = write_project(tmp_path, _files(EXTERNAL_GROUP))
    built = run_hsmc("build", project, cwd=project)
    assert built.returncode == 0, built.stderr
    warnings = [line for line in built.stderr.splitlines() if "warning" in line]
    assert warnings == [
        "hsmc: warning: group `q` is external (profile `cloud`), so its `mode: dev` has no "
        "effect: it runs no image (hsm.yaml:8)",
        "hsmc: warning: group `q` is external (profile `cloud`), so its `overrides:` have no "
        "effect: it has no compose service (hsm.yaml:9)",
    ]
    stack_md = (project / "generated" / "STACK.md").read_text(encoding="utf-8")
    assert "## Notes" in stack_md and "its `mode: dev` has no effect" in stack_md


def test_an_external_group_that_nothing_implies_is_a_warning(tmp_path: Path) -> None:
    manifest = """
    packages:
      - other
    services:
      container_groups:
        q:
          selection: q
          profile: cloud
    """
    files = _files(manifest, packages__other="name: other\n")
    assert _notes(tmp_path, files) == [
        "group `q` is external (profile `cloud`) and nothing implies container `q`: no package "
        "or service receives its connection, so the group has no effect"
    ]


def test_group_params_a_container_never_reads_are_a_warning(tmp_path: Path) -> None:
    manifest = """
    packages:
      - client
    services:
      container_groups:
        q:
          selection: q
          profile: local
          params:
            collection: docs
            size: "3"
    """
    files = _files(manifest)
    assert _notes(tmp_path, files) == [
        "group `q` gives `collection`, `size`, but container `q` reads no such param "
        "(`${HSM_PARAMS.key}` or `${HSM_MERGED_PARAMS.key}`): it has no effect"
    ]
    # read by one profile's env, or by the group's own overrides: no warning for that key
    files["registry/containers/q.yaml"] = QDRANT.replace(
        "  local:\n    mode: managed\n",
        '  local:\n    mode: managed\n    env:\n      C: "${HSM_PARAMS.collection:-x}"\n',
    )
    overrides = '          overrides:\n            x-size: "${HSM_MERGED_PARAMS.size}"\n'
    files["hsm.yaml"] = manifest.rstrip(" ") + overrides
    assert _notes(tmp_path / "2", files) == []


def test_a_package_version_no_source_can_use_is_a_warning(tmp_path: Path) -> None:
    local = "sources:\n  dev:\n    type: local\n    path: src\n"
    package = f'name: lib\nversion: "1.2"\ndefault_source: dev\n{local}'
    files = {"hsm.yaml": "packages:\n  - lib\n", "registry/packages/lib.yaml": package}
    files["registry/packages/src/pyproject.toml"] = ""
    assert _notes(tmp_path, files) == [
        "package `lib`: `version: 1.2` has no effect: it has a `default_source`, so it never "
        "installs from the index without a source, and no `pypi` source of it lacks a "
        "`version:` of its own"
    ]
    # a pypi source without its own version reads it: the entry's version is used in `prod`
    files["registry/packages/lib.yaml"] = package + "  prod:\n    type: pypi\n"
    assert _notes(tmp_path / "2", files) == []


@pytest.mark.parametrize("profile", ["managed", "external"])
def test_no_built_in_entry_is_reported(tmp_path: Path, profile: str) -> None:
    """Warnings on every built-in registry entry would be noise: every built-in package with
    each profile its containers share gives none."""
    packages = sorted(p.stem for p in (registry_root() / "packages").glob("*.yaml"))
    manifest = f"defaults:\n  profile: {profile}\npackages:\n" + "".join(
        f"  - {name}\n" for name in packages
    )
    project = write_project(tmp_path, {"hsm.yaml": manifest})
    built = run_hsmc("build", project, cwd=project)
    assert built.returncode == 0 and "warning" not in built.stderr, built.stderr


def test_check_prints_the_warnings_build_prints(tmp_path: Path) -> None:
    """`check` says what `build` would warn about (a user trial found "no problems found" where
    build warned), as lines in text and as `severity: warning` rows in JSON; exit 0."""
    manifest = EXTERNAL_GROUP + (
        "environments:\n  prod:\n    services:\n      container_groups:\n        q:\n"
        "          mode: dev\n"
    )
    project = write_project(tmp_path, _files(manifest))
    built = run_hsmc("build", project, cwd=project)
    checked = run_hsmc("check", project, cwd=project)
    assert built.returncode == checked.returncode == 0, checked.stderr
    warnings = [line for line in built.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 3 and "environment `prod`: " in warnings[2]
    assert checked.stderr.splitlines() == [*warnings, "hsmc: no problems found"]
    as_json = json.loads(run_hsmc("check", project, "--format", "json", cwd=project).stdout)
    assert [row["severity"] for row in as_json] == ["warning"] * 3
    assert [f"hsmc: warning: {r['message']} ({r['file']}:{r['line']})" for r in as_json] == (
        warnings
    )
    assert {row["code"] for row in as_json} == {row["hint"] for row in as_json} == {None}
