"""Issue 24, point 6: `hsmc init` writes a modeline that works on any machine — a path relative
to hsm.yaml, to a copy of the schema it writes under `.hsmc/` — and `hsmc build` keeps that copy
equal to the installed hsmc's schema, also when its stamp would otherwise skip the build. Nothing
`init` or `build` writes for git holds an absolute path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hsmc import builtin
from tests.conftest import run_hsmc

COPY = ".hsmc/manifest.schema.json"


def _stamped_build(project: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """`hsmc build` through the console entry point, which answers from the stamp if it can;
    -X importtime tells whether the compiler ran."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "hsmc", "build"],
        cwd=project,
        env={**os.environ, "HSMC_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        check=False,
    )


def _compiled(result: subprocess.CompletedProcess[str]) -> bool:
    return "hsmc.pipeline" in result.stderr


def test_init_writes_a_relative_modeline_and_the_schema_beside_it(tmp_path: Path) -> None:
    project = tmp_path / "app"
    result = run_hsmc("init", project, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first = (project / "hsm.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={COPY}"
    schema = builtin.schema_file("manifest").read_bytes()
    assert (project / COPY).read_bytes() == schema
    # what an editor does with the modeline (yaml-language-server: relative to the file)
    assert (project / first.split("$schema=", 1)[1]).read_bytes() == schema


def test_nothing_init_and_build_write_holds_an_absolute_path(tmp_path: Path) -> None:
    project = tmp_path / "app"
    assert run_hsmc("init", project, cwd=tmp_path).returncode == 0
    assert run_hsmc("build", cwd=project).returncode == 0
    machine = (str(tmp_path), sys.prefix, str(Path(builtin.__file__).parent), "file://")
    for path in sorted(p for p in project.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        assert not [m for m in machine if m in text], path


def test_build_refreshes_a_stale_copy_even_after_a_stamped_build(tmp_path: Path) -> None:
    project = tmp_path / "app"
    assert run_hsmc("init", project, cwd=tmp_path).returncode == 0
    cache = tmp_path / "cache"
    schema = builtin.schema_file("manifest").read_bytes()
    first = _stamped_build(project, cache)
    assert first.returncode == 0 and "updated" not in first.stderr, first.stderr
    assert not _compiled(_stamped_build(project, cache))  # nothing changed: the stamp answers

    stale = b'{"an older": "schema"}\n'
    (project / COPY).write_bytes(stale)  # e.g. a checkout made with another hsmc
    again = _stamped_build(project, cache)
    assert again.returncode == 0 and _compiled(again), "the stamp replayed past a stale copy"
    assert "hsmc: updated .hsmc/manifest.schema.json to this hsmc's schema" in again.stderr
    assert (project / COPY).read_bytes() == schema
    assert not _compiled(_stamped_build(project, cache))  # and the refreshed copy is stamped


def test_build_writes_no_copy_a_project_does_not_have_and_none_when_it_fails(
    tmp_path: Path,
) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / "hsm.yaml").write_text("packages:\n  - redis\n", encoding="utf-8")
    assert run_hsmc("build", cwd=project).returncode == 0
    assert not (project / ".hsmc").exists()  # no init, no copy: nothing written beside hsm.yaml

    (project / ".hsmc").mkdir()
    (project / COPY).write_bytes(b"stale\n")
    (project / "hsm.yaml").write_text("packages:\n  - redis-typo\n", encoding="utf-8")
    failed = run_hsmc("build", cwd=project)
    assert failed.returncode == 1 and (project / COPY).read_bytes() == b"stale\n"
