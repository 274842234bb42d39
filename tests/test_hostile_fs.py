"""Hostile file systems (issue 14, items 4, 5, 8, 11): files from outside a registry root,
symlinks in the output directory, paths no system call takes, unreadable files, file names
with spaces. Each attack runs for real through `python -m hsmc` and must end in a located
error (exit 1, nothing written) or do no harm."""

from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hsmc import ownership
from hsmc.errors import CompileError
from hsmc.parse import Inputs
from hsmc.pipeline import compile_project
from hsmc.record import replace
from tests.conftest import copy_case, run_hsmc

CASE = "01-shared-container"
ENTRY = "registry/containers/postgres.yaml"
SHIPPED = "files/create-databases.sh"
LONG = "a" * 300


def _tree(root: Path) -> dict[str, bytes | str]:
    """Every path below root: file bytes, or a symlink's target (never followed)."""
    tree: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            tree[key] = os.readlink(path)
        elif path.is_file():
            tree[key] = path.read_bytes()
    return tree


def _project(tmp_path: Path) -> Path:
    return copy_case(CASE, tmp_path / "p")


def _ship(project: Path, value: str) -> None:
    entry = project / ENTRY
    entry.write_text(entry.read_text().replace(SHIPPED, value, 1))


def _refused(result: subprocess.CompletedProcess[str], code: str) -> None:
    assert result.returncode == 1, result.stderr
    assert f"error[{code}]" in result.stderr, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


# --- item 4: shipped files from anywhere ------------------------------------------------------


def test_a_shipped_file_climbing_out_of_its_registry_root_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (tmp_path / "secret").write_text("root:x:0:0\n")
    _ship(project, "../../../secret")  # containers/ → registry/ → p/CASE/ → p/ → tmp_path
    result = run_hsmc("build", cwd=project)
    _refused(result, "HSM413")
    assert "shipped file `../../../secret` is outside the registry root `registry`" in (
        result.stderr
    )
    assert " --> registry/containers/postgres.yaml:14:55" in result.stderr
    assert not (project / "generated").exists()


def test_a_shipped_symlink_leading_out_of_the_root_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (tmp_path / "secret").write_text("root:x:0:0\n")
    (project / "registry" / "containers" / "files" / "link").symlink_to(tmp_path / "secret")
    _ship(project, "files/link")
    result = run_hsmc("build", cwd=project)
    _refused(result, "HSM413")
    assert "leads out of the registry root `registry` through a symlink" in result.stderr
    assert not (project / "generated").exists()


def test_a_symlink_inside_the_root_and_dotdot_inside_it_are_fine(tmp_path: Path) -> None:
    project = _project(tmp_path)
    files = project / "registry" / "containers" / "files"
    (project / "registry" / "shared").mkdir()
    (files / SHIPPED.split("/")[1]).rename(project / "registry" / "shared" / "init.sh")
    (files / "init.sh").symlink_to("../../shared/init.sh")
    _ship(project, "../containers/files/init.sh")
    result = run_hsmc("build", cwd=project)
    assert result.returncode == 0, result.stderr
    copied = project / "generated" / "files" / "postgres" / "init.sh"
    assert not copied.is_symlink() and copied.read_text().startswith("#!/bin/sh")


# --- item 5: symlinks in the output directory -------------------------------------------------


def test_an_owned_path_through_a_symlinked_directory_is_never_removed(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert run_hsmc("build", cwd=project).returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "victim").write_text("precious\n")
    out = project / "generated"
    (out / "evil").symlink_to(elsewhere)
    digest = hashlib.sha256(b"precious\n").hexdigest()  # listed with its real hash
    with (out / ".hsmc-generated").open("a") as manifest:
        manifest.write(f"{digest} evil/victim\n")
    for args in ((), ("--force",)):
        result = run_hsmc("build", *args, cwd=project)
        _refused(result, "HSM415")
        assert "error[HSM415]: generated/evil is a symlink" in result.stderr
        assert (elsewhere / "victim").read_text() == "precious\n"


@pytest.mark.parametrize("target", [".", "registry"])
def test_a_default_output_symlinked_into_the_project_is_refused(
    tmp_path: Path, target: str
) -> None:
    project = _project(tmp_path)
    (project / "generated").symlink_to(target)
    before = _tree(project)
    result = run_hsmc("build", cwd=project)
    _refused(result, "HSM403")
    assert _tree(project) == before


def test_a_symlinked_files_directory_receives_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = project / "generated"
    out.mkdir()
    (out / "files").symlink_to(elsewhere)
    for args in ((), ("--force",), ("--check",)):
        result = run_hsmc("build", *args, cwd=project)
        _refused(result, "HSM415")
        assert "generated/files is a symlink" in result.stderr
        assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == ["files"]  # nothing written


def test_a_symlinked_artifact_is_neither_read_nor_replaced(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert run_hsmc("build", cwd=project).returncode == 0
    secret = tmp_path / "secret"
    secret.write_text("root-password\n")
    compose = project / "generated" / "docker-compose.yml"
    compose.unlink()
    compose.symlink_to(secret)
    for args in ("--check",), ("--force",):
        result = run_hsmc("build", *args, cwd=project)
        _refused(result, "HSM415")
        assert "root-password" not in result.stdout + result.stderr
    assert compose.is_symlink() and secret.read_text() == "root-password\n"


# --- item 8: OSErrors are diagnostics (exit 1), never internal errors (exit 3) ---------------


def _manifest_with(project: Path, text: str) -> None:
    (project / "hsm.yaml").write_text((project / "hsm.yaml").read_text() + text)


@pytest.mark.parametrize(
    ("name", "args", "code"),
    [
        ("project path", ("build", LONG), "HSM414"),
        ("-o", ("build", "-o", f"out/{LONG}"), "HSM414"),
        ("--registry", ("build", "--registry", LONG), "HSM414"),
        ("check path", ("check", LONG), "HSM414"),
        ("graph path", ("graph", LONG), "HSM414"),
        ("env file", ("check", "--env-file", LONG), "HSM009"),
        ("init directory", ("init", LONG), "HSM009"),
    ],
)
def test_an_over_long_path_on_the_command_line(
    tmp_path: Path, name: str, args: tuple[str, ...], code: str
) -> None:
    project = _project(tmp_path)
    result = run_hsmc(*args, cwd=project)
    _refused(result, code)
    assert not (project / "generated").exists(), name


@pytest.mark.parametrize(
    ("where", "text", "code", "message"),
    [
        ("output", f"output: {LONG}\n", "HSM414", "has a name longer than 255 bytes"),
        ("output", f"output: {'d/' * 2100}x\n", "HSM414", "is longer than 4095 bytes"),
        ("output", 'output: "gen\\0x"\n', "HSM007", "a NUL character is not text"),
        ("registry", f"registry:\n  - {LONG}\n", "HSM414", "longer than 255 bytes"),
        ("registry", 'registry:\n  - "reg\\0"\n', "HSM007", "a NUL character is not text"),
        ("package", f"  - {LONG}\n", "HSM103", f"unknown package `{LONG}`"),
    ],
)
def test_an_unusable_path_in_the_manifest_is_located(
    tmp_path: Path, where: str, text: str, code: str, message: str
) -> None:
    project = _project(tmp_path)
    _manifest_with(project, text)
    result = run_hsmc("build", cwd=project)
    _refused(result, code)
    assert message in result.stderr, where
    assert " --> hsm.yaml:" in result.stderr
    assert result.stderr.count("error[") == 1, result.stderr  # one cause, one diagnostic


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        (f"files/{LONG}", "HSM414", "longer than 255 bytes"),
        ('"files/a\\0b"', "HSM007", "a NUL character is not text"),
    ],
)
def test_an_unusable_shipped_file_name_is_located(
    tmp_path: Path, value: str, code: str, message: str
) -> None:
    project = _project(tmp_path)
    _ship(project, value)
    result = run_hsmc("build", cwd=project)
    _refused(result, code)
    assert message in result.stderr and " --> registry/containers/postgres.yaml:14:55" in (
        result.stderr
    )


def test_an_unusable_local_source_path_is_located(tmp_path: Path) -> None:
    project = copy_case("05-editable-stack", tmp_path)
    entry = project / "registry" / "packages" / "neo4j-client.yaml"
    text = entry.read_text()
    entry.write_text(text.replace('"../../packages/neo4j-client"', f'"../../{LONG}"'))
    result = run_hsmc("build", cwd=project)
    _refused(result, "HSM414")
    assert " --> registry/packages/neo4j-client.yaml:7:11" in result.stderr


@pytest.mark.parametrize("field", ["path", "output", "registries"])
def test_a_nul_in_a_path_given_to_the_api_is_hsm414(tmp_path: Path, field: str) -> None:
    """argv cannot carry a NUL; a caller of the API (Inputs) can."""
    project = _project(tmp_path)
    inputs = Inputs(path=project, cwd=project)
    if field == "registries":
        inputs = replace(inputs, registries=(Path("r\0"),))
    else:
        inputs = replace(inputs, **{field: Path("x\0y")})
    with pytest.raises(CompileError) as info:
        compile_project(inputs)
    assert [d.code for d in info.value.diagnostics] == ["HSM414"]
    assert "holds a NUL character" in info.value.diagnostics[0].message


def test_a_manifest_that_is_a_directory_or_lists_an_over_long_name(tmp_path: Path) -> None:
    project = _project(tmp_path)
    listing = project / "generated" / ".hsmc-generated"
    listing.mkdir(parents=True)
    result = run_hsmc("build", cwd=project)
    _refused(result, "HSM009")
    assert "cannot read generated/.hsmc-generated: Is a directory" in result.stderr
    listing.rmdir()
    listing.write_text(f"{ownership.HEADER}{'0' * 64} {LONG}\n{'0' * 64} x/{LONG}\n")
    result = run_hsmc("build", cwd=project)
    assert result.returncode == 0, result.stderr  # a name no file can have owns nothing


def _without_dac_override() -> None:
    """In the child: drop the capabilities that let root read any file, so that a chmod 000
    file is unreadable even when the tests run as root (prctl PR_CAPBSET_DROP, then exec)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _run_unprivileged(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HSMC_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "hsmc", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_without_dac_override if os.geteuid() == 0 else None,
    )


@pytest.mark.parametrize(
    ("unreadable", "message"),
    [
        ("generated/.hsmc-generated", "cannot read generated/.hsmc-generated: Permission denied"),
        ("generated/packages.env", "cannot read generated/packages.env: Permission denied"),
        ("registry/packages", "cannot read registry/packages: Permission denied"),
        (f"registry/containers/{SHIPPED}", "cannot read shipped file `files/create-databases."),
        ("registry", "cannot read registry/packages: Permission denied"),
    ],
)
def test_an_unreadable_file_or_folder_is_hsm009(
    tmp_path: Path, unreadable: str, message: str
) -> None:
    project = _project(tmp_path)
    assert run_hsmc("build", cwd=project).returncode == 0
    (project / "generated" / ".env").write_text("POSTGRES_PASSWORD=mine\n")
    before = _tree(project / "generated")
    target = project / unreadable
    mode = target.stat().st_mode
    target.chmod(0)
    try:
        for args in (("build",), ("build", "--check")):
            result = _run_unprivileged(project, *args)
            _refused(result, "HSM009")
            assert message in result.stderr
    finally:
        target.chmod(mode)
    assert _tree(project / "generated") == before


# --- item 11: .hsmc-generated round-trips any file name --------------------------------------


def test_an_unreadable_local_source_directory_is_located(tmp_path: Path) -> None:
    project = copy_case("05-editable-stack", tmp_path)
    (project / "packages").chmod(0)
    try:
        result = _run_unprivileged(project, "build")
    finally:
        (project / "packages").chmod(0o755)
    _refused(result, "HSM009")
    assert "cannot read directory `../../packages/neo4j-client`: Permission denied" in (
        result.stderr
    )
    assert " --> registry/packages/neo4j-client.yaml:7:11" in result.stderr


def test_a_shipped_file_with_a_space_survives_rebuilds_and_removal(tmp_path: Path) -> None:
    project = _project(tmp_path)
    files = project / "registry" / "containers" / "files"
    (files / "create-databases.sh").rename(files / "init script.sql")
    _ship(project, '"files/init script.sql"')
    out = project / "generated"
    for args in ((), (), ("--force",)):
        result = run_hsmc("build", *args, cwd=project)
        assert result.returncode == 0, result.stderr
    assert "files/postgres/init%20script.sql\n" in (out / ".hsmc-generated").read_text()
    assert run_hsmc("build", "--check", cwd=project).returncode == 0
    entry = project / ENTRY
    entry.write_text(entry.read_text().replace("files:\n", "# files:\n").replace("  /d", "#  /d"))
    result = run_hsmc("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert not (out / "files").exists()  # removed, and the directories it left empty


@pytest.mark.parametrize(
    "name",
    [
        "init script.sql",
        "100%.sql",
        "a%20b",
        "tab\there",
        "line\nbreak",
        "cr\rhere",
        "nbsp\u00a0x",
        "ls\u2028x",
        "ünïcödé-日本.sql",
        "bad-\udcff-byte",
        " lead and trail ",
    ],
)
def test_manifest_paths_round_trip(name: str) -> None:
    hashes = {f"files/svc/{name}": frozenset({"a" * 64}), "install.sh": frozenset({"b" * 64})}
    text = ownership.render(hashes).decode("utf-8")
    assert len(text.splitlines()) == 3
    assert ownership.parse(text) == hashes


def test_manifests_of_the_old_format_are_still_read() -> None:
    old = (
        "# Files generated by hsmc, with their SHA-256. hsmc replaces or removes only these.\n"
        f"{'a' * 64} files/pg/100%25.sql\n{'b' * 64} {'c' * 64} install.sh\n"
    )
    assert ownership.parse(old) == {
        "files/pg/100%25.sql": frozenset({"a" * 64}),
        "install.sh": frozenset({"b" * 64, "c" * 64}),
    }


# --- a name the registry folder lists but no entry can be found for ---------------------------


@pytest.mark.parametrize(
    ("kind", "listed", "code", "make"),
    [
        ("package", "ghost", "HSM103", "directory"),
        ("package", "Ghost", "HSM103", "file"),
        ("container", "ghost", "HSM104", "directory"),
        ("container", "Ghost", "HSM104", "file"),
    ],
)
def test_a_listed_name_whose_file_find_skips_is_unknown(
    tmp_path: Path, kind: str, listed: str, code: str, make: str
) -> None:
    """A directory `ghost.yaml`, or a file whose name fails NAME_RE (`Ghost.yaml`): the folder
    lists them, but no entry is loaded. The listed name is unknown (exit 1), never dropped."""
    project = _project(tmp_path)
    entry = project / "registry" / f"{kind}s" / f"{listed}.yaml"
    if make == "directory":
        entry.mkdir()
    else:
        entry.write_text((project / ENTRY).read_text())
    if kind == "package":
        text = (project / "hsm.yaml").read_text()
        (project / "hsm.yaml").write_text(text.replace("packages:\n", f"packages:\n  - {listed}\n"))
    else:
        groups = f"services:\n  container_groups:\n    extra:\n      selection: {listed}\n"
        _manifest_with(project, groups)
    result = run_hsmc("build", cwd=project)
    _refused(result, code)
    assert f"unknown {kind} `{listed}`" in result.stderr
    assert not (project / "generated").exists()


def test_an_entry_that_fails_to_parse_is_reported_once(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "registry" / "packages" / "broken.yaml").write_text("name: [unclosed\n")
    text = (project / "hsm.yaml").read_text()
    (project / "hsm.yaml").write_text(text.replace("packages:\n", "packages:\n  - broken\n"))
    with pytest.raises(CompileError) as info:
        compile_project(Inputs(project, ()))
    codes = [d.code for d in info.value.diagnostics]
    assert len(codes) == 1 and codes[0] not in ("HSM103", "HSM104"), codes
    assert "broken.yaml" in str(info.value.diagnostics[0].span), info.value.diagnostics
