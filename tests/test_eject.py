"""Issue 13, point 2: customising a built-in entry. `registry show` prints one entry that pastes
as a valid registry file; `registry eject` copies an entry with the files it ships."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_hsmc, write_project

MANIFEST = {"hsm.yaml": "packages:\n  - psycopg\n  - redis\n"}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("name", "kind", "folder"),
    [
        ("redis", "package", "packages"),  # a bare name that is both is the package
        ("package:redis", "package", "packages"),
        ("container:redis", "container", "containers"),
        ("qdrant-client", "package", "packages"),
    ],
)
def test_show_prints_one_entry_that_pastes_and_builds(
    tmp_path: Path, name: str, kind: str, folder: str
) -> None:
    project = write_project(tmp_path, MANIFEST)
    shown = run_hsmc("registry", "show", name, cwd=project)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"# {kind} `{name.split(':')[-1]}` from built-in:")
    assert shown.stdout.count("\nname: ") == 1  # one entry, not two one after the other
    entry = project / "registry" / folder / f"{name.split(':')[-1]}.yaml"
    entry.parent.mkdir(parents=True)
    entry.write_text(shown.stdout)
    built = run_hsmc("build", cwd=project)
    assert built.returncode == 0, built.stderr


def test_show_names_the_other_kind_and_unknown_kinds_are_not_found(tmp_path: Path) -> None:
    project = write_project(tmp_path, MANIFEST)
    shown = run_hsmc("registry", "show", "redis", cwd=project)
    assert "# also container:redis: hsmc registry show container:redis" in shown.stdout
    missing = run_hsmc("registry", "show", "container:psycopg", cwd=project)
    assert missing.returncode == 1 and "HSM601" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_a_pasted_built_in_lacks_its_files_and_the_hint_says_eject(tmp_path: Path) -> None:
    project = write_project(tmp_path, MANIFEST)
    shown = run_hsmc("registry", "show", "container:postgres", cwd=project).stdout
    assert "hsmc registry eject container:postgres" in shown
    write_project(project, {"registry/containers/postgres.yaml": shown})
    built = run_hsmc("build", cwd=project)
    assert built.returncode == 1 and built.stderr.count("error[HSM405]") == 2
    assert "`hsmc registry eject NAME` copies it with the files it ships" in built.stderr


def test_eject_copies_entry_and_shipped_files_and_the_copy_wins(tmp_path: Path) -> None:
    project = write_project(tmp_path, MANIFEST)
    assert run_hsmc("build", cwd=project).returncode == 0
    before = _tree(project / "generated")
    ejected = run_hsmc("registry", "eject", "postgres", cwd=project)
    assert ejected.returncode == 0, ejected.stderr
    copy = project / "registry" / "containers"
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()) == [
        "files/ensure-databases.sh",
        "files/postgres-start.sh",
        "postgres.yaml",
    ]
    assert os.access(copy / "files" / "postgres-start.sh", os.X_OK)
    assert (copy / "postgres.yaml").read_text().startswith("# Copied from built-in:")
    listing = run_hsmc("registry", "list", cwd=project).stdout
    assert "hidden by registry/containers/postgres.yaml" in listing
    assert run_hsmc("build", cwd=project).returncode == 0
    assert _tree(project / "generated") == before  # the copy builds to the same stack

    entry = copy / "postgres.yaml"
    entry.write_text(entry.read_text().replace("postgres:16.10-alpine", "postgres:17.6-alpine"))
    (copy / "files" / "postgres-start.sh").write_bytes(b"#!/bin/sh\nexec echo mine\n")
    assert run_hsmc("build", cwd=project).returncode == 0
    generated = project / "generated"
    assert 'image: "postgres:17.6-alpine"' in (generated / "docker-compose.yml").read_text()
    assert (generated / "files/postgres/postgres-start.sh").read_bytes().endswith(b"mine\n")


def test_eject_never_overwrites(tmp_path: Path) -> None:
    project = write_project(tmp_path, MANIFEST)
    mine = project / "registry" / "containers" / "files" / "postgres-start.sh"
    mine.parent.mkdir(parents=True)
    mine.write_text("my own\n")
    before = _tree(project)
    refused = run_hsmc("registry", "eject", "container:postgres", cwd=project)
    assert refused.returncode == 1 and "error[HSM602]" in refused.stderr
    assert "registry/containers/files/postgres-start.sh exists already" in refused.stderr
    assert _tree(project) == before  # nothing written, not even the entry itself
    assert "Traceback" not in refused.stderr


def test_eject_goes_to_the_manifests_own_registry_root(tmp_path: Path) -> None:
    project = write_project(
        tmp_path, {"hsm.yaml": "registry:\n  - company-registry\npackages:\n  - redis\n"}
    )
    (project / "company-registry").mkdir()
    ejected = run_hsmc("registry", "eject", "package:redis", cwd=project)
    assert ejected.returncode == 0, ejected.stderr
    assert (project / "company-registry" / "packages" / "redis.yaml").is_file()
    assert not (project / "registry").exists()
    assert run_hsmc("build", cwd=project).returncode == 0


# --- never through a symlink below the registry root (issue 22, item 4) -----------------------

_COPIES = (
    "containers/postgres.yaml",
    "containers/files/postgres-start.sh",
    "containers/files/ensure-databases.sh",
)


def _everything(root: Path) -> dict[str, bytes | str]:
    """Every path below root, symlinks as what they point to (none followed)."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


@pytest.mark.parametrize(
    ("link", "points_to"),
    [
        ("registry/containers", "elsewhere"),  # a directory on the way
        ("registry/containers/files", "elsewhere"),  # the directory of the shipped scripts
        ("registry/containers/files/postgres-start.sh", "elsewhere/start.sh"),  # a file
        ("registry/containers/postgres.yaml", "elsewhere/start.sh"),  # the entry's own place
        ("registry/containers/files", "elsewhere/missing"),  # dangling, a directory
        ("registry/containers/files/ensure-databases.sh", "elsewhere/missing.sh"),  # dangling
    ],
)
def test_eject_never_writes_through_a_symlink_below_the_registry_root(
    tmp_path: Path, link: str, points_to: str
) -> None:
    """As the output directory (HSM415's rule): a symlink at a target or on the way to one is
    refused (HSM422), and nothing is written, here or where it points."""
    project = write_project(tmp_path / "project", MANIFEST)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "start.sh").write_text("someone else's\n")
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    (project / link).symlink_to(tmp_path / points_to)
    before = _everything(tmp_path)
    refused = run_hsmc("registry", "eject", "container:postgres", cwd=project)
    assert refused.returncode == 1, refused.stderr
    assert f"error[HSM422]: {link} is a symlink" in refused.stderr
    assert "never writes through a symlink below the registry root" in refused.stderr
    assert "Traceback" not in refused.stderr and "wrote" not in refused.stderr
    assert _everything(tmp_path) == before


def test_a_registry_root_that_is_a_symlink_is_followed_as_an_output_directory_is(
    tmp_path: Path,
) -> None:
    """The root itself (`registry -> …`, or a root hsm.yaml names) is the user's choice, as a
    symlinked output directory is: resolved once, written below, and reported where it is."""
    project = write_project(tmp_path / "project", MANIFEST)
    real = tmp_path / "shared-registry"
    real.mkdir()
    (project / "registry").symlink_to(real)
    ejected = run_hsmc("registry", "eject", "container:postgres", cwd=project)
    assert ejected.returncode == 0, ejected.stderr
    assert f"hsmc: wrote {real}/containers/postgres.yaml" in ejected.stderr
    assert sorted(p for p in _everything(real)) == sorted(_COPIES)
    built = run_hsmc("registry", "list", cwd=project)
    assert "hidden by registry/containers/postgres.yaml" in built.stdout
    # a root named in hsm.yaml, a symlink: the same
    manifest = "registry:\n  - reg\n" + MANIFEST["hsm.yaml"]
    named = write_project(tmp_path / "named", {"hsm.yaml": manifest})
    other = tmp_path / "other-registry"
    other.mkdir()
    (named / "reg").symlink_to(other)
    assert run_hsmc("registry", "eject", "package:redis", cwd=named).returncode == 0
    assert (other / "packages" / "redis.yaml").is_file()
