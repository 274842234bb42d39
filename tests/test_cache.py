"""The parse cache: same bytes with and without it, exact positions, robust to corrupt and
concurrent use; and the registry is read lazily (only reachable entries are parsed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hsmc.parse.load as load
from hsmc import stamp
from hsmc.atomic import TMP_SUFFIX
from hsmc.errors import Collector, CompileError
from hsmc.parse import Inputs
from hsmc.parse.cache import Cache, identity, key_of
from hsmc.parse.source import SourceFile
from hsmc.parse.tree import Node
from hsmc.pipeline import compile_project, compile_stack
from tests.conftest import CASES, copy_case, run_hsmc, write_project


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", CASES)
def test_output_is_identical_with_and_without_the_cache(case: str, tmp_path: Path) -> None:
    project = copy_case(case, tmp_path)
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache")}
    outputs = []
    for args in (["--no-cache"], [], []):  # no cache, cold, warm
        result = run_hsmc("build", *args, cwd=project, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append(_tree(project / "generated"))
        shutil.rmtree(project / "generated")
    assert outputs[0] == outputs[1] == outputs[2]
    assert any((tmp_path / "cache").rglob("*.json"))


def test_a_warm_build_does_not_import_strictyaml(tmp_path: Path) -> None:
    project = copy_case("04-hybrid-stack", tmp_path)
    env = {**os.environ, "HSMC_CACHE_DIR": str(tmp_path / "cache")}
    code = (
        "import sys; from pathlib import Path; from hsmc.parse import Inputs; "
        "from hsmc.pipeline import compile_project; "
        "sys.modules['yaml'] = None; "  # no fast path (parse/fast.py): strictyaml parses
        f"compile_project(Inputs(Path({str(project)!r}))); "
        "print('strictyaml' in sys.modules)"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert [r.stdout.strip() for r in runs] == ["True", "False"], runs[1].stderr


def test_diagnostics_are_the_same_from_the_cache(tmp_path: Path) -> None:
    project = copy_case("01-shared-container", tmp_path)
    entry = project / "registry" / "packages" / "auth-service.yaml"
    entry.write_text(entry.read_text().replace("container:postgres", "container:postgress"))
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    runs = [run_hsmc("check", *a, cwd=project, env=env) for a in (["--no-cache"], [], [])]
    assert runs[0].stderr == runs[1].stderr == runs[2].stderr
    assert "registry/packages/auth-service.yaml:7:3" in runs[2].stderr


def test_corrupt_and_foreign_entries_are_ignored_and_rewritten(tmp_path: Path) -> None:
    project = copy_case("02-shared-external-db", tmp_path)
    cache_root = tmp_path / "cache"
    env = {"HSMC_CACHE_DIR": str(cache_root)}
    assert run_hsmc("build", "--no-cache", cwd=project, env=env).returncode == 0
    reference = _tree(project / "generated")
    shutil.rmtree(project / "generated")
    assert run_hsmc("build", cwd=project, env=env).returncode == 0
    shutil.rmtree(project / "generated")
    entries = sorted(cache_root.rglob("*.json"))
    assert len(entries) == 4  # hsm.yaml, two packages, one container
    entries[0].write_text("{not json")
    entries[1].write_text(json.dumps({"format": "someone-else", "key": "x", "tree": []}))
    entries[2].write_bytes(b"\x00\xff" * 10)
    document = json.loads(entries[3].read_text())
    document["tree"] = [1, 1, 1, 1, {"m": [["name", "not a node"]]}]
    entries[3].write_text(json.dumps(document))
    rebuilt = run_hsmc("build", cwd=project, env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _tree(project / "generated") == reference
    for entry in entries:  # each rewritten with a tree that is trusted again
        assert json.loads(entry.read_text())["identity"]["format"] == "hsmc-parse-cache/3"


def test_concurrent_builds_share_one_cache(tmp_path: Path) -> None:
    project = copy_case("04-hybrid-stack", tmp_path)
    env = {**os.environ, "HSMC_CACHE_DIR": str(tmp_path / "cache")}
    for round_ in range(3):
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hsmc",
                    "build",
                    str(project),
                    "-o",
                    str(tmp_path / f"o{round_}{i}"),
                ],
                env=env,
                stderr=subprocess.PIPE,
            )
            for i in range(4)
        ]
        for process in processes:
            _, stderr = process.communicate()
            assert process.returncode == 0, stderr
    trees = [_tree(tmp_path / f"o{r}{i}") for r in range(3) for i in range(4)]
    compose = [t["docker-compose.yml"] for t in trees]  # install.sh names its own directory
    assert all(c == compose[0] for c in compose)
    assert list((tmp_path / "cache").rglob("*.json"))  # the entries are there
    assert not list((tmp_path / "cache").rglob(f"*{TMP_SUFFIX}"))  # no temporary left


def test_the_key_changes_with_the_content_the_kind_the_name_and_the_versions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = key_of(identity("packages", "a", "name: a\n"))
    assert key_of(identity("packages", "a", "name: b\n")) != base
    assert key_of(identity("containers", "a", "name: a\n")) != base
    assert key_of(identity("packages", "b", "name: a\n")) != base
    monkeypatch.setattr("hsmc.parse.cache.SCHEMA_VERSION", "0")
    assert key_of(identity("packages", "a", "name: a\n")) != base
    monkeypatch.setattr("hsmc.parse.cache.__version__", "9.9.9")
    assert key_of(identity("packages", "a", "name: a\n")) != base


def test_only_reachable_entries_are_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {
        "hsm.yaml": "packages:\n  - app\n"
        "services:\n  container_groups:\n    web:\n      selection: web\n",
        "registry/packages/app.yaml": "name: app\nimplies:\n  package:lib:\n  container:db:\n",
        "registry/packages/lib.yaml": "name: lib\n",
        "registry/containers/db.yaml": "name: db\nimage: db:1\nimplies:\n  container:cache:\n",
        "registry/containers/cache.yaml": "name: cache\nimage: cache:1\n",
        "registry/containers/web.yaml": "name: web\nimage: web:1\n",
    }
    for i in range(40):  # a larger registry around the same selection
        files[f"registry/packages/unused{i}.yaml"] = f"name: unused{i}\nimplies:\n  container:db:\n"
        files[f"registry/containers/spare{i}.yaml"] = f"name: spare{i}\nimage: x:{i}\n"
    write_project(tmp_path, files)
    parsed: set[str] = set()
    validate, fast = load._validate, load.fast_tree

    def recording(source: SourceFile, kind: str, out: Collector) -> Node | None:
        parsed.add(source.shown)
        return validate(source, kind, out)

    def recording_fast(text: str, kind: str, lines: tuple[str, ...]) -> Node | None:
        parsed.add(next(s for s, t in files.items() if t == text))  # the fast path (fast.py)
        return fast(text, kind, lines)

    monkeypatch.setattr(load, "_validate", recording)
    monkeypatch.setattr(load, "fast_tree", recording_fast)
    compile_stack(Inputs(tmp_path, cwd=tmp_path, cache=False))
    assert sorted(parsed) == [
        "hsm.yaml",
        "registry/containers/cache.yaml",
        "registry/containers/db.yaml",
        "registry/containers/web.yaml",
        "registry/packages/app.yaml",
        "registry/packages/lib.yaml",
    ]
    assert compile_project(Inputs(tmp_path, cwd=tmp_path, cache=False)).artifacts


def _many(tmp_path: Path, broken: bool = False) -> Path:
    files = {"hsm.yaml": "packages:\n" + "".join(f"  - p{i}\n" for i in range(40))}
    for i in range(40):
        db = f"db{i % 7}"
        files[f"registry/packages/p{i}.yaml"] = (
            f"name: p{i}\nenv:\n  P{i}_MODE: fast\nimplies:\n  container:{db}:\n"
            f"    params:\n      db: d{i}\n"
        )
    for j in range(7):
        files[f"registry/containers/db{j}.yaml"] = (
            f'name: db{j}\nimage: postgres:16\nports:\n  - "{5400 + j}:5432"\n'
            'env:\n  DBS: "${HSM_MERGED_PARAMS.db}"\n'
        )
    if broken:
        files["registry/packages/p3.yaml"] = "name: p3\nenv:\n\tX: 1\n"
        files["registry/packages/p17.yaml"] = "name: p17\nversoin: '1'\n"
    return write_project(tmp_path, files)


@pytest.mark.parametrize("broken", [False, True])
def test_parallel_and_sequential_parsing_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: bool
) -> None:
    project = _many(tmp_path, broken)

    def run() -> object:
        try:
            result = compile_project(Inputs(project, cwd=project, cache=False))
        except CompileError as exc:
            return exc.diagnostics
        return result.artifacts

    parallel = run()
    monkeypatch.setattr("hsmc.parse.load._PARALLEL_FROM", 10_000)
    sequential = run()
    assert parallel == sequential
    if broken:
        assert [d.code for d in parallel] == ["HSM005", "HSM001"]  # type: ignore[union-attr]


class _RunsACommand:
    """Unpickling this creates the marker file (pickle calls os.system on load)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def _plant_template_bytecode(cache_root: Path, marker: Path) -> list[Path]:
    """A hostile file where jinja2's FileSystemBytecodeCache would look for each template's
    bytecode (bc_magic, then a pickle that runs a command), in the cache's `templates/`
    directory and at its root."""
    import pickle

    import jinja2
    from jinja2.bccache import bc_magic

    from hsmc import builtin

    templates = builtin.templates_dir()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)))
    payload = bc_magic + pickle.dumps(_RunsACommand(marker))
    planted = []
    for directory in (cache_root / "templates", cache_root):
        directory.mkdir(parents=True, exist_ok=True)
        bytecode = jinja2.FileSystemBytecodeCache(str(directory))
        for template in sorted(templates.glob("*.j2")):
            source = template.read_text(encoding="utf-8")
            bucket = bytecode.get_bucket(env, template.name, str(template), source)
            path = Path(bytecode._get_cache_filename(bucket))
            path.write_bytes(payload)
            planted.append(path)
    return planted


def test_a_planted_template_bytecode_file_runs_nothing(tmp_path: Path) -> None:
    """Issue 14.6: jinja2's bytecode cache unpickles what it finds in the cache directory, and
    HSMC_CACHE_DIR may be a cache shared with others (CI). hsmc reads no pickle, ever."""
    project = copy_case("04-hybrid-stack", tmp_path)
    marker = tmp_path / "pwned"
    cache_root = tmp_path / "cache"
    env = {"HSMC_CACHE_DIR": str(cache_root)}
    assert run_hsmc("build", "--no-cache", cwd=project, env=env).returncode == 0
    reference = _tree(project / "generated")
    shutil.rmtree(project / "generated")
    planted = _plant_template_bytecode(cache_root, marker)
    for _ in ("cold", "warm"):
        result = run_hsmc("build", cwd=project, env=env)
        assert result.returncode == 0, result.stderr
        assert not marker.exists(), "a pickle from the cache directory was loaded"
        assert _tree(project / "generated") == reference
        shutil.rmtree(project / "generated")
    assert all(path.read_bytes().startswith(b"j2") for path in planted)  # left as they were


def test_the_cache_is_private_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under umask 002 (Debian's user-private groups) directories come out 0775 unless asked
    otherwise; a cache directory the group can write is never read (entries and stamps alike),
    so hsmc makes its own 0700 and its files 0600."""
    project = copy_case("01-shared-container", tmp_path)
    cache = tmp_path / "cache"
    code = (
        "import os, sys; os.umask(0o002); sys.argv[0] = 'hsmc'; from hsmc.entry import main; main()"
    )
    env = {**os.environ, "HSMC_CACHE_DIR": str(cache)}
    built = subprocess.run(
        [sys.executable, "-c", code, "build"], cwd=project, env=env, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    modes = {p.relative_to(cache).as_posix(): p.stat().st_mode & 0o777 for p in cache.rglob("*")}
    modes["."] = cache.stat().st_mode & 0o777
    assert {m for p, m in modes.items() if (cache / p).is_dir()} == {0o700}
    assert {m for p, m in modes.items() if (cache / p).is_file()} == {0o600}
    monkeypatch.chdir(project)
    monkeypatch.setenv("HSMC_CACHE_DIR", str(cache))
    assert stamp.check(["build"]) == "hsmc: generated is up to date (8 files unchanged)"
    source = SourceFile(
        path=project / "hsm.yaml", shown="hsm.yaml", text=(project / "hsm.yaml").read_text()
    )
    assert Cache(cache).get(source, "manifest") is not None
