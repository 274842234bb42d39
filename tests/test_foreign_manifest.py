"""A manifest of another user is not used without PATH (issue 22, item 1): the search upwards
refuses it as git refuses a repository of another user (HSM421); PATH given is taken.

Files of another user are made with os.chown, which needs root; the non-root side runs hsmc as
`nobody` through setpriv. Without root neither can be set up here, and the tests say so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hsmc import observe, stamp, trust
from tests.conftest import run_hsmc

NOBODY = 65534
MANIFEST = "packages:\n  - psycopg\n"

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="files of another user need root to create (os.chown)"
)


def _planted(root: Path, owner: int = NOBODY, directory_owner: int = 0) -> Path:
    """root/hsm.yaml owned by `owner` in a directory owned by `directory_owner`, and an empty
    directory root/mine/ (this user's) to run hsmc from."""
    (root / "mine").mkdir(parents=True)
    manifest = root / "hsm.yaml"
    manifest.write_text(MANIFEST)
    os.chown(manifest, owner, owner)
    os.chown(root, directory_owner, directory_owner)
    return root / "mine"


def _env(tmp_path: Path) -> dict[str, str]:
    return {"HSMC_CACHE_DIR": str(tmp_path / "cache"), "SUDO_UID": ""}


@needs_root
@pytest.mark.parametrize(
    "command",
    [
        ["build"],
        ["build", "--check"],
        ["check"],
        ["graph"],
        ["explain", "psycopg"],
        ["registry", "eject", "redis"],
    ],
)
def test_a_manifest_of_another_user_found_upwards_is_refused(
    tmp_path: Path, command: list[str]
) -> None:
    mine = _planted(tmp_path / "shared")
    result = run_hsmc(*command, cwd=mine, env=_env(tmp_path))
    assert result.returncode == 1, result.stderr
    shown = tmp_path / "shared" / "hsm.yaml"
    assert f"error[HSM421]: not using {shown}: it is owned by another user" in result.stderr
    assert "nobody (uid 65534)" in result.stderr
    assert f"pass its directory as PATH (`{tmp_path / 'shared'}`)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "shared" / "generated").exists()
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["hsm.yaml", "mine"]


@needs_root
def test_sync_refuses_it_before_uv_runs(tmp_path: Path) -> None:
    """uv here would create .venv beside the planted manifest and install its packages (an
    editable one runs its build backend as this user): nothing may happen at all."""
    mine = _planted(tmp_path / "shared")
    fake = tmp_path / "bin"
    fake.mkdir()
    called = tmp_path / "uv-was-called"
    (fake / "uv").write_text(f"#!/bin/sh\ntouch {called}\n")
    (fake / "uv").chmod(0o755)
    env = {**_env(tmp_path), "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    result = run_hsmc("sync", cwd=mine, env=env)
    assert result.returncode == 1 and "error[HSM421]" in result.stderr, result.stderr
    assert not called.exists()
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["hsm.yaml", "mine"]
    assert list(mine.iterdir()) == []


@needs_root
def test_the_directory_of_the_manifest_counts_too(tmp_path: Path) -> None:
    """A file of this user in a directory of another: that user can replace it at will."""
    mine = _planted(tmp_path / "shared", owner=0, directory_owner=NOBODY)
    result = run_hsmc("build", cwd=mine, env=_env(tmp_path))
    assert result.returncode == 1
    shown = tmp_path / "shared"
    assert f": its directory {shown} is owned by another user, nobody (uid 65534)" in (
        result.stderr
    )


@needs_root
def test_in_the_current_directory_too_and_through_a_symlink(tmp_path: Path) -> None:
    """git refuses a repository of another user in the current directory as well; a symlink
    hsm.yaml of this user to a file of another is refused (both must be this user's)."""
    shared = tmp_path / "shared"
    _planted(shared)
    here = run_hsmc("check", cwd=shared, env=_env(tmp_path))
    assert here.returncode == 1 and "not using hsm.yaml: it is owned by" in here.stderr
    assert "(`.`)" in here.stderr
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / "hsm.yaml").symlink_to(shared / "hsm.yaml")
    linked = run_hsmc("check", cwd=project / "sub", env=_env(tmp_path))
    assert linked.returncode == 1 and "error[HSM421]" in linked.stderr


@needs_root
def test_an_explicit_path_is_the_users_choice(tmp_path: Path) -> None:
    mine = _planted(tmp_path / "shared")
    for path in ("..", str(tmp_path / "shared"), "../hsm.yaml"):
        result = run_hsmc("build", path, "-o", "out", cwd=mine, env=_env(tmp_path))
        assert result.returncode == 0, result.stderr
        assert "\npsycopg[binary]" in (mine / "out" / "requirements.txt").read_text()
        shutil.rmtree(mine / "out")


@needs_root
def test_directories_of_others_above_a_project_of_ones_own_do_not_matter(
    tmp_path: Path,
) -> None:
    """/home is root's, /tmp too: only the manifest found and its directory are asked."""
    outer = tmp_path / "outer"
    (outer / "project" / "sub").mkdir(parents=True)
    (outer / "project" / "hsm.yaml").write_text(MANIFEST)
    os.chown(outer, NOBODY, NOBODY)
    result = run_hsmc("build", cwd=outer / "project" / "sub", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr


@needs_root
def test_root_under_sudo_takes_the_invoking_users_project(tmp_path: Path) -> None:
    """git's rule: root with SUDO_UID trusts that user's files (and only that user's)."""
    mine = _planted(tmp_path / "shared")
    env = _env(tmp_path)
    assert run_hsmc("check", cwd=mine, env={**env, "SUDO_UID": str(NOBODY)}).returncode == 0
    for other in ("1234", "x", "", "٦٥٥٣٤"):  # another user, no number, Arabic-Indic digits
        refused = run_hsmc("check", cwd=mine, env={**env, "SUDO_UID": other})
        assert refused.returncode == 1 and "error[HSM421]" in refused.stderr, other


@needs_root
def test_a_stamp_never_replays_for_a_manifest_that_changed_hands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build stamp recorded with this user's manifest; then the manifest is replaced by the
    same bytes of another user (as a user who can write the directory could plant it), or
    chowned, or its directory is: every answer the stamp recorded is the same but one, the
    owner's, so it does not replay, and the full build refuses."""
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    manifest = project / "hsm.yaml"
    manifest.write_text(MANIFEST)
    env = _env(tmp_path)
    monkeypatch.chdir(project / "sub")  # stamp.check in this process: as `hsmc build` there
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for change in ("planted", "chown", "directory"):
        built = run_hsmc("build", cwd=project / "sub", env=env)
        assert built.returncode == 0, built.stderr
        assert stamp.check(["build"]) is not None  # the stamp holds: a no-op build replays it
        if change == "planted":
            manifest.unlink()
            manifest.write_text(MANIFEST)
            os.chown(manifest, NOBODY, NOBODY)
        elif change == "chown":
            os.chown(manifest, NOBODY, NOBODY)
        else:
            os.chown(project, NOBODY, NOBODY)
        assert stamp.check(["build"]) is None, change
        refused = run_hsmc("build", cwd=project / "sub", env=env)
        assert refused.returncode == 1 and "error[HSM421]" in refused.stderr, change
        os.chown(manifest, 0, 0)
        os.chown(project, 0, 0)


@needs_root
def test_observe_and_the_stamp_ask_the_owner_alike(tmp_path: Path) -> None:
    mine = _planted(tmp_path / "shared")
    (mine / "hsm.yaml").write_text(MANIFEST)
    observe.start()
    answers = {p: observe.owner(p) for p in (mine / "hsm.yaml", tmp_path / "shared" / "hsm.yaml")}
    assert list(answers.values()) == ["mine", f"{tmp_path / 'shared' / 'hsm.yaml'}:{NOBODY}"]
    assert observe.owner(tmp_path / "missing.yaml") == "error"
    record = observe.take()
    assert record is not None and len(record.answers) == 3
    for (kind, path), answer in record.answers.items():
        assert kind == "owner" and stamp._answer(kind, path) == answer


def test_files_of_this_user_are_its_own() -> None:
    """What every user can check: a file just made is this user's, and its directory."""
    with tempfile.TemporaryDirectory() as directory:
        manifest = Path(directory) / "hsm.yaml"
        manifest.write_text(MANIFEST)
        assert trust.foreign_owner(str(manifest)) is None
        assert trust.owner_answer(str(manifest)) == "mine"


# --- as a user other than root: hsmc run as `nobody` ---------------------------------------


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A directory `nobody` can reach: pytest's tmp_path is below a directory only root may
    enter."""
    directory = Path(tempfile.mkdtemp(prefix="hsmc-foreign-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory)


def _as_nobody(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv (util-linux) is needed to run hsmc as another user")
    command = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "HSMC_CACHE_DIR": str(home / "cache")}
    if "PYTHONPATH" in os.environ:  # the hsmc under test, wherever the suite finds it
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(
        [*command, sys.executable, "-m", "hsmc", *args],
        cwd=cwd,
        env={**env, "SUDO_UID": "0"},
        capture_output=True,
        text=True,
        check=False,
    )


@needs_root
def test_a_user_is_protected_from_roots_manifest_too(scratch: Path) -> None:
    """As `nobody` under a directory of root's holding root's hsm.yaml: refused, naming root
    (SUDO_UID counts only for root); with PATH, taken."""
    (scratch / "hsm.yaml").write_text(MANIFEST)
    mine = scratch / "mine"
    mine.mkdir()
    os.chown(mine, NOBODY, NOBODY)
    probe = _as_nobody("--version", cwd=mine, home=mine)
    assert probe.returncode == 0, f"hsmc cannot run as nobody here: {probe.stderr}"
    refused = _as_nobody("build", cwd=mine, home=mine)
    assert refused.returncode == 1, refused.stderr
    assert "it is owned by another user, root (uid 0)" in refused.stderr
    assert not (scratch / "generated").exists()
    taken = _as_nobody("build", "..", "-o", "out", cwd=mine, home=mine)
    assert taken.returncode == 0, taken.stderr
    assert (mine / "out" / "requirements.txt").stat().st_uid == NOBODY
