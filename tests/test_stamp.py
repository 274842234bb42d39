"""The build stamp (hsmc/stamp.py): a build it skips prints and leaves exactly what a full build
would, and it never skips one whose result would differ."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsmc import atomic, ownership, stamp
from tests.conftest import copy_case, run_hsmc

Snapshot = tuple[int, str, str, dict[str, tuple[bytes, int]]]


def _outputs(out: Path) -> dict[str, tuple[bytes, int]]:
    if not out.is_dir():
        return {}
    return {
        p.relative_to(out).as_posix(): (p.read_bytes(), stat.S_IMODE(p.lstat().st_mode))
        for p in sorted(out.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def _restore(out: Path, files: dict[str, tuple[bytes, int]]) -> None:
    shutil.rmtree(out, ignore_errors=True)
    for rel, (content, mode) in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.chmod(mode)


def _run(
    project: Path, *args: str, env: dict[str, str] | None = None, where: str = "."
) -> Snapshot:
    result = run_hsmc(*args, cwd=project / where, env=env)
    return result.returncode, result.stdout, result.stderr, _all_outputs(project)


def _imports_compiler(project: Path, env: dict[str, str]) -> tuple[bool, str]:
    """Runs `hsmc build` with -X importtime: (whether the compiler was imported, stderr
    without the import lines)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "hsmc", "build"],
        cwd=project,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines(keepends=True)
    imported = any(line.startswith("import time:") and "hsmc.pipeline" in line for line in lines)
    return imported, "".join(x for x in lines if not x.startswith("import time:"))


def test_a_no_op_build_answers_from_its_stamp_and_prints_the_same(tmp_path: Path) -> None:
    project = copy_case("01-shared-container", tmp_path)
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache")}
    full, full_err = _imports_compiler(project, env)
    before = _outputs(project / "generated")
    stamped, stamped_err = _imports_compiler(project, env)
    assert full and not stamped
    assert full_err == "hsmc: wrote 8 files to generated\n"
    # the line a full build that finds nothing to write prints, not the stamped build's
    assert stamped_err == "hsmc: generated is up to date (8 files unchanged)\n"
    assert run_hsmc("build", "--no-cache", cwd=project, env=env).stderr == stamped_err
    assert _outputs(project / "generated") == before
    # an edit of the manifest (a comment: same result) is seen; the build runs again
    with (project / "hsm.yaml").open("a") as manifest:
        manifest.write("# edited\n")
    assert _imports_compiler(project, env)[0]
    assert not _imports_compiler(project, env)[0]


def test_other_commands_and_options_never_use_a_stamp() -> None:
    assert stamp.eligible(["build"])
    assert stamp.eligible(["build", "proj", "-o", "out", "--registry", "r", "--output=x"])
    assert stamp.eligible(["build", "--registry=r", "--registry", "s"])
    for argv in (
        [],
        ["check"],
        ["build", "--check"],
        ["build", "--force"],
        ["build", "--no-cache"],
        ["build", "--debug"],
        ["build", "-h"],
        ["build", "a", "b"],
        ["build", "-o"],
        ["build", "-oout"],
        ["build", "--"],
    ):
        assert not stamp.eligible(argv), argv


def test_the_stamp_names_the_files_the_write_stage_names() -> None:
    assert stamp._LISTING == ownership.MANIFEST
    assert stamp._TMP_SUFFIX == atomic.TMP_SUFFIX


def test_a_stamp_others_can_write_is_not_read(tmp_path: Path) -> None:
    project = copy_case("01-shared-container", tmp_path)
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache")}
    assert _imports_compiler(project, env)[0]
    (stamp_file,) = (tmp_path / "cache" / "stamps").iterdir()
    stamp_file.chmod(0o666)
    assert _imports_compiler(project, env)[0]  # not trusted: the full build, which rewrites it
    assert stat.S_IMODE(stamp_file.stat().st_mode) & 0o022 == 0
    assert not _imports_compiler(project, env)[0]
    (tmp_path / "cache" / "stamps").chmod(0o777)
    assert _imports_compiler(project, env)[0]


def test_a_corrupt_stamp_falls_to_the_full_build(tmp_path: Path) -> None:
    project = copy_case("01-shared-container", tmp_path)
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache")}
    _imports_compiler(project, env)
    (stamp_file,) = (tmp_path / "cache" / "stamps").iterdir()
    for damage in (b"", b"hsmc-stamp/1", stamp_file.read_bytes()[:-40], b"\0" * 9):
        stamp_file.write_bytes(damage)
        imported, err = _imports_compiler(project, env)
        assert imported and err == "hsmc: generated is up to date (8 files unchanged)\n"


def test_the_context_covers_code_templates_and_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = stamp.context(["build"])
    assert stamp.context(["build", "x"]) != base
    monkeypatch.setenv("HSMC_SOMETHING", "1")
    assert stamp.context(["build"]) != base
    monkeypatch.delenv("HSMC_SOMETHING")
    assert stamp.context(["build"]) == base
    real = stamp._digests
    monkeypatch.setattr(stamp, "_digests", lambda root: [*real(root), "changed"])
    assert stamp.context(["build"]) != base


def test_digests_and_file_identities_see_every_change(tmp_path: Path) -> None:
    (tmp_path / "a.j2").write_text("x")
    (tmp_path / "b.py").write_text("y")
    digests, files = stamp._digests(str(tmp_path)), stamp._files(str(tmp_path), (".py",))
    (tmp_path / "a.j2").write_text("z")
    assert stamp._digests(str(tmp_path)) != digests
    os.utime(tmp_path / "b.py", ns=(0, 0))
    assert stamp._files(str(tmp_path), (".py",)) != files
    (tmp_path / "c.py").write_text("")
    assert len(stamp._files(str(tmp_path), (".py",))) == 2


# --- the stamp never lies: any change to any input, then stamped build == full build ----------


_NOTED = "name: new-service\nimplies:\n  container:postgres:\n    params:\n      db_name: new_db\n"
_EXTERNAL_DB = "    company-db:\n      selection: postgres\n      profile: external\n"
# where a step runs `hsmc build`: the project, or a directory below it (no PATH: hsm.yaml is
# searched upwards, and a nearer one may appear)
WHERE = (".", "sub/deeper")
_GENERATED = ("generated", "sub/generated")


def _project(tmp_path: Path) -> Path:
    """Design case 1.5 (a local package path, build contexts) with a shipped file, an extra
    registry root searched first (empty: every entry is "not found" there first), a package
    whose params an external postgres cannot use (a warning on every build: stack.notes) and an
    empty directory sub/deeper to build from."""
    project = copy_case("05-editable-stack", tmp_path)
    (project / "registry" / "packages" / "new-service.yaml").write_text(_NOTED)
    manifest = project / "hsm.yaml"
    text = manifest.read_text().replace("services:\n", "  - new-service\nservices:\n", 1)
    manifest.write_text(text.rstrip("\n") + "\n" + _EXTERNAL_DB)
    (project / "sub" / "deeper").mkdir(parents=True)
    container = project / "registry" / "containers" / "graph-builder-service.yaml"
    container.write_text(
        container.read_text().replace(
            "env:\n", "files:\n  /etc/graph/init.sh: files/init.sh\nenv:\n", 1
        )
    )
    (container.parent / "files").mkdir()
    (container.parent / "files" / "init.sh").write_text("echo init\n")
    for folder in ("packages", "containers"):
        (project / "extra" / folder).mkdir(parents=True)
    return project


def _toggle(path: Path, old: str, new: str) -> None:
    if not path.is_file():  # moved aside by another step
        return
    text = path.read_text()
    path.write_text(text.replace(old, new) if old in text else text.replace(new, old))


def _toggle_file(path: Path, content: str) -> None:
    if path.exists():
        path.unlink()
    elif path.parent.is_dir():  # not while another step moved or replaced its root
        path.write_text(content)


def _toggle_dir(path: Path) -> None:
    aside = path.with_name(path.name + ".aside")
    if path.exists():
        path.rename(aside)
    else:
        aside.rename(path)


def _chmod_x(path: Path) -> None:
    if path.exists():
        path.chmod(stat.S_IMODE(path.stat().st_mode) ^ 0o100)


def _toggle_empty_dir(path: Path) -> None:
    if path.is_dir():
        path.rmdir()
    else:
        path.mkdir()


def _registry_root_a_file(project: Path) -> None:
    """`--registry extra` becomes a regular file (click refuses it: a usage error), and back."""
    root, aside = project / "extra", project / "extra.moved"
    if root.is_file():
        root.unlink()
        aside.rename(root)
    elif root.is_dir():
        root.rename(aside)
        root.write_text("")


def _edit_output(project: Path) -> None:
    target = project / "generated" / "packages.env"
    if target.exists():
        target.write_bytes(target.read_bytes() + b"# by hand\n")


def _all_outputs(project: Path) -> dict[str, tuple[bytes, int]]:
    """The output directories of the project and of a nearer hsm.yaml (sub/)."""
    return {
        f"{where}/{rel}": found
        for where in _GENERATED
        for rel, found in _outputs(project / where).items()
    }


def _restore_all(project: Path, files: dict[str, tuple[bytes, int]]) -> None:
    for where in _GENERATED:
        prefix = f"{where}/"
        mine = {k[len(prefix) :]: v for k, v in files.items() if k.startswith(prefix)}
        _restore(project / where, mine)


_CONTAINER = "registry/containers/graph-builder-service.yaml"
_PACKAGE = "registry/packages/neo4j-client.yaml"
_SHADOW = "name: graph-builder-service\nimage: ghcr.io/example/other:2\nport: 80\n"
OPS: dict[str, Callable[[Path], None]] = {
    "manifest: mode": lambda p: _toggle(p / "hsm.yaml", "mode: dev", "mode: prod"),
    "manifest: comment": lambda p: _toggle(p / "hsm.yaml", "services:", "# c\nservices:"),
    "entry: env value": lambda p: _toggle(p / _CONTAINER, "LOG_LEVEL: debug", "LOG_LEVEL: info"),
    "entry: version": lambda p: _toggle(p / _PACKAGE, '">=0.1,<1"', '">=0.2,<1"'),
    "entry: removed": lambda p: _toggle_dir(p / _PACKAGE),
    "entry: shadowed in an earlier root": lambda p: _toggle_file(
        p / "extra" / "containers" / "graph-builder-service.yaml", _SHADOW
    ),
    "entry: shadow a package": lambda p: _toggle_file(
        p / "extra" / "packages" / "neo4j-client.yaml", "name: neo4j-client\n"
    ),
    "shipped file: content": lambda p: _toggle(
        p / "registry/containers/files/init.sh", "init", "start"
    ),
    "shipped file: chmod +x": lambda p: _chmod_x(p / "registry/containers/files/init.sh"),
    "shipped file: removed": lambda p: _toggle_dir(p / "registry/containers/files/init.sh"),
    "local package path: removed": lambda p: _toggle_dir(p / "packages" / "neo4j-client"),
    "registry root: removed": lambda p: _toggle_dir(p / "extra"),
    "registry root: a file": _registry_root_a_file,
    # `ghost` is unknown (HSM103), with or without a directory `ghost.yaml` in a root (it
    # once passed with one: validate took the roots' listing for entries that failed to parse)
    "manifest: an unknown package": lambda p: _toggle(
        p / "hsm.yaml", "packages:\n  - neo4j", "packages:\n  - ghost\n  - neo4j"
    ),
    "registry: a directory named like an entry": lambda p: _toggle_empty_dir(
        p / "registry" / "packages" / "ghost.yaml"
    ),
    "notes: a param the external service cannot use": lambda p: _toggle(
        p / "registry/packages/new-service.yaml", "new_db", "other_db"
    ),
    "notes: none (the service managed)": lambda p: _toggle(
        p / "hsm.yaml", "postgres\n      profile: external", "postgres\n      profile: managed"
    ),
    # from sub/deeper without PATH, sub/hsm.yaml is nearer than the project's (one with a
    # built-in package, and a broken one)
    "nearer hsm.yaml: created or removed": lambda p: _toggle_file(
        p / "sub" / "hsm.yaml", "packages:\n  - redis\n"
    ),
    "nearer hsm.yaml: a broken one": lambda p: _toggle_file(
        p / "sub" / "hsm.yaml", "packages: [\n"
    ),
    "nearer hsm.yaml: a directory named so": lambda p: _toggle_empty_dir(
        p / "sub" / "deeper" / "hsm.yaml"
    ),
    "output: edited by hand": _edit_output,
    "output: removed": lambda p: shutil.rmtree(p / "generated", ignore_errors=True),
    "output: a stray temporary": lambda p: (
        (p / "generated").is_dir() and (p / "generated" / ".x.1234.hsmc-tmp").write_text("")
    ),
}


def _chown_toggle(path: Path) -> None:
    """Another user's, and back (HSM421 when hsm.yaml is found by the search upwards)."""
    if path.exists():
        os.chown(path, 65534 if path.stat().st_uid == os.geteuid() else os.geteuid(), -1)


if os.geteuid() == 0:  # files of another user need root to make (test_foreign_manifest.py)
    OPS["manifest: owned by another user"] = lambda p: _chown_toggle(p / "hsm.yaml")
    OPS["project directory: owned by another user"] = _chown_toggle
ENVS = ({}, {"HSMC_STAMP_TEST": "1"})  # run_hsmc drops HSMC_DEBUG: another HSMC_ variable


@settings(
    max_examples=int(os.environ.get("HSMC_STAMP_EXAMPLES", "6")),
    deadline=None,
    derandomize=True,  # a fixed seed: CI runs the same sequences every time
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(sorted(OPS)),
            st.sampled_from(range(len(ENVS))),
            st.sampled_from(WHERE),
        ),
        min_size=2,
        max_size=5,
    )
)
def test_a_stamped_build_equals_a_full_build_after_any_change(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, int, str]]
) -> None:
    """stdout, stderr (warnings, summary), exit code and every output directory."""
    root = tmp_path_factory.mktemp("stamp")
    project = _project(root)
    args = ("build", "--registry", str(project / "extra"))  # the same root from sub/deeper
    env = {"HSMC_CACHE_DIR": str(root / "cache")}
    first = _run(project, *args, env=env)
    assert first[0] == 0 and "hsmc: warning: service `company-db` is external" in first[2]
    for name, env_index, where in steps:
        OPS[name](project)
        step_env = {**env, **ENVS[env_index]}
        stamped, full = _stamped_then_full(project, *args, env=step_env, where=where)
        assert stamped == full, (name, where)


@pytest.mark.parametrize("name", sorted(OPS))
def test_each_change_alone_is_seen(tmp_path: Path, name: str) -> None:
    """Every change once, right after a stamped build (the property test above mixes them)."""
    project = _project(tmp_path)
    args = ("build", "--registry", str(project / "extra"))
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache")}
    for where in WHERE:
        assert _run(project, *args, env=env, where=where)[0] == 0
    OPS[name](project)
    for where in WHERE:
        stamped, full = _stamped_then_full(project, *args, env=env, where=where)
        assert stamped == full, where


def _stamped_then_full(
    project: Path, *args: str, env: dict[str, str], where: str = "."
) -> tuple[Snapshot, Snapshot]:
    """The build (stamped when its stamp holds), then the full build from the same tree."""
    before = _all_outputs(project)
    stamped = _run(project, *args, env=env, where=where)
    _restore_all(project, before)
    return stamped, _run(project, *args, "--no-cache", env=env, where=where)


def test_a_directory_named_like_an_entry_is_no_entry(tmp_path: Path) -> None:
    """A directory `ghost.yaml` in a root holds no entry: `ghost` is unknown (HSM103) with it
    as without it (the registry listing names only files `find` takes). An entry file that
    appears and goes is seen by the stamp (observe.is_file)."""
    project = _project(tmp_path)
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache")}
    OPS["manifest: an unknown package"](project)
    OPS["registry: a directory named like an entry"](project)
    refused = _run(project, "build", env=env)
    assert refused[0] == 1 and "unknown package `ghost`" in refused[2]
    ghost = project / "registry" / "packages" / "ghost.yaml"
    ghost.rmdir()
    ghost.write_text("name: ghost\n")
    assert _run(project, "build", env=env)[0] == 0
    ghost.unlink()
    stamped, full = _stamped_then_full(project, "build", env=env)
    assert stamped == full and full[0] == 1 and "HSM103" in full[2]


def test_what_click_checks_of_an_argument_is_in_the_context(tmp_path: Path) -> None:
    project = _project(tmp_path)
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache")}
    assert _run(project, "build", "--registry", "extra", env=env)[0] == 0
    _registry_root_a_file(project)
    stamped, full = _stamped_then_full(project, "build", "--registry", "extra", env=env)
    assert stamped == full and full[0] == 2


def test_the_context_sees_an_argument_turn_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """click refuses an unreadable PATH, -o or --registry (os.access; root reads anything, so
    this is checked on the context itself)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "extra").mkdir()
    argv = ["build", "--registry", "extra"]
    assert stamp._path_arguments(argv) == [".", "extra"]
    assert stamp._path_arguments(["build", "p", "-o", "o", "--registry=r"]) == ["p", "o", "r"]
    readable = stamp.context(argv)
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: p != "extra" and real(p, m))
    assert stamp.context(argv) != readable


def test_a_summary_the_stream_cannot_print_alike_is_not_replayed(tmp_path: Path) -> None:
    """click prints to an ASCII stream in UTF-8; sys.stderr would escape the character."""
    project = _project(tmp_path)
    args = [sys.executable, "-m", "hsmc", "build", "-o", "g\u00e9n\u00e9r\u00e9"]
    for encoding in ("ascii", "utf-8"):
        env = {**os.environ, "HSMC_CACHE_DIR": str(tmp_path / encoding)}
        env["PYTHONIOENCODING"] = encoding
        shutil.rmtree(project / "g\u00e9n\u00e9r\u00e9", ignore_errors=True)
        first, stamped, full = (
            subprocess.run([*args, *extra], cwd=project, env=env, capture_output=True, check=False)
            for extra in ((), (), ("--no-cache",))
        )
        assert first.returncode == stamped.returncode == full.returncode == 0, full.stderr
        assert first.stderr.endswith(" files to g\u00e9n\u00e9r\u00e9\n".encode())
        assert stamped.stderr == full.stderr
        assert " g\u00e9n\u00e9r\u00e9 is up to date (".encode() in full.stderr


def test_observe_and_the_stamp_list_a_folder_alike(tmp_path: Path) -> None:
    from hsmc import observe

    (tmp_path / "b.yaml").write_text("")
    (tmp_path / "a.yaml").mkdir()
    (tmp_path / "c.txt").write_text("")
    observe.start()
    found = observe.glob(tmp_path, "*.yaml")
    assert [p.name for p in found] == ["a.yaml", "b.yaml"]
    assert observe.glob(tmp_path / "missing", "*.yaml") == []
    record = observe.take()
    assert record is not None
    for (kind, path), answer in record.answers.items():
        assert stamp._answer(kind, path) == answer


def test_a_build_with_notes_is_stamped_and_replays_its_warnings(tmp_path: Path) -> None:
    """stack.notes print a warning on every build; a stamped no-op prints them too (recorded
    with the summary), then the line of a full build that changes nothing."""
    project = _project(tmp_path)
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache")}
    full, full_err = _imports_compiler(project, env)
    stamped, stamped_err = _imports_compiler(project, env)
    assert full and not stamped
    warning = "hsmc: warning: service `company-db` is external (profile `external`)"
    assert full_err.startswith(warning) and stamped_err.startswith(warning)
    assert stamped_err.endswith("\nhsmc: generated is up to date (8 files unchanged)\n")
    assert full_err.splitlines()[:-1] == stamped_err.splitlines()[:-1]
    assert run_hsmc("build", "--no-cache", cwd=project, env=env).stderr == stamped_err


# --- targets: one stamp holds every output directory a build writes (generated/ holds
# generated/kubernetes/), and --target NAME is part of argv, its key -------------------------

_BOTH = "targets:\n  - compose\n  - kubernetes\n"
_COMPOSE_ONLY = "targets:\n  - compose\n"
_CLUSTER_ONLY = "targets:\n  - kubernetes\n"
_CLUSTER = "generated/kubernetes"


def _cluster_project(tmp_path: Path) -> Path:
    project = copy_case("01-shared-container", tmp_path)
    manifest = project / "hsm.yaml"
    manifest.write_text(_BOTH + manifest.read_text(encoding="utf-8"), encoding="utf-8")
    return project


def _edit_cluster(project: Path) -> None:
    target = project / _CLUSTER / "postgres.yaml"
    if target.exists():
        target.write_bytes(target.read_bytes() + b"# by hand\n")


def _remove_cluster_file(project: Path) -> None:
    target = project / _CLUSTER / "postgres.yaml"
    if target.exists():
        target.unlink()


def _stray_in_cluster(project: Path) -> None:
    if (project / _CLUSTER).is_dir():
        (project / _CLUSTER / ".x.1234.hsmc-tmp").write_text("")


K8S_OPS: dict[str, Callable[[Path], None]] = {
    "targets: compose only <-> compose and kubernetes": lambda p: _toggle(
        p / "hsm.yaml", _BOTH, _COMPOSE_ONLY
    ),
    "targets: kubernetes only <-> compose and kubernetes": lambda p: _toggle(
        p / "hsm.yaml", _BOTH, _CLUSTER_ONLY
    ),
    "cluster output: edited by hand": _edit_cluster,
    "cluster output: a file removed": _remove_cluster_file,
    "cluster output: a stray temporary": _stray_in_cluster,
    "cluster output: removed": lambda p: shutil.rmtree(p / _CLUSTER, ignore_errors=True),
    "compose output: edited by hand": _edit_output,
}
K8S_ARGS = (("build",), ("build", "--target", "kubernetes"), ("build", "--target=kubernetes"))


@settings(
    max_examples=int(os.environ.get("HSMC_STAMP_EXAMPLES", "6")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(sorted(K8S_OPS)), st.sampled_from(range(len(K8S_ARGS)))),
        min_size=2,
        max_size=5,
    )
)
def test_a_stamped_build_equals_a_full_build_with_targets(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, int]]
) -> None:
    """Exit, stdout, stderr and both output trees (generated/ holds generated/kubernetes/)."""
    root = tmp_path_factory.mktemp("stamp-targets")
    project = _cluster_project(root)
    env = {"HSMC_CACHE_DIR": str(root / "cache")}
    assert _run(project, "build", env=env)[0] == 0
    for name, args_index in steps:
        K8S_OPS[name](project)
        args = K8S_ARGS[args_index]
        assert _run(project, *args, env=env)[0] in (0, 1)  # a stamp, if any, for these args
        stamped, full = _stamped_then_full(project, *args, env=env)
        assert stamped == full, (name, args)


@pytest.mark.parametrize("name", sorted(K8S_OPS))
@pytest.mark.parametrize("args", K8S_ARGS)
def test_each_change_with_targets_alone_is_seen(
    tmp_path: Path, name: str, args: tuple[str, ...]
) -> None:
    project = _cluster_project(tmp_path)
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache")}
    assert _run(project, *args, env=env)[0] == 0
    K8S_OPS[name](project)
    stamped, full = _stamped_then_full(project, *args, env=env)
    assert stamped == full


def test_a_build_of_several_output_directories_or_with_target_is_stamped(tmp_path: Path) -> None:
    """compose and kubernetes: two output directories, the warnings once, then a summary per
    target in the order the full build prints them; --target NAME is a value, not a path."""
    project = _cluster_project(tmp_path)
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache")}
    full, full_err = _imports_compiler(project, env)
    stamped, stamped_err = _imports_compiler(project, env)
    assert full and not stamped
    assert stamped_err.splitlines() == [
        "hsmc: generated is up to date (8 files unchanged)",
        f"hsmc: {_CLUSTER} is up to date (7 files unchanged)",
    ]
    assert stamped_err == run_hsmc("build", "--no-cache", cwd=project, env=env).stderr
    assert stamp.eligible(["build", "--target", "kubernetes"])
    assert stamp.eligible(["build", "-o", "out", "--target=compose"])
    assert not stamp.eligible(["build", "--target"])
    assert stamp._path_arguments(["build", "--target", "kubernetes", "-o", "x"]) == [".", "x"]
    assert stamp._path_arguments(["build", "--target=kubernetes", "p"]) == ["p"]
    for args in (("build", "--target", "kubernetes"), ("build", "--target=compose")):
        assert run_hsmc(*args, cwd=project, env=env).returncode == 0
        again = run_hsmc(*args, cwd=project, env=env)
        assert again.stderr == run_hsmc(*args, "--no-cache", cwd=project, env=env).stderr
    # one output directory (the cluster's alone): stamped, and replays the full build's line
    _toggle(project / "hsm.yaml", _BOTH, _CLUSTER_ONLY)
    full, full_err = _imports_compiler(project, env)
    stamped, stamped_err = _imports_compiler(project, env)
    assert full and not stamped
    assert stamped_err == full_err == f"hsmc: {_CLUSTER} is up to date (7 files unchanged)\n"
    assert stamped_err == run_hsmc("build", "--no-cache", cwd=project, env=env).stderr
