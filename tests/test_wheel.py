"""A non-editable install (the wheel, in a fresh venv) carries the templates and the built-in
registry, and builds a golden case exactly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import (
    GOLDEN,
    ROOT,
    compose_binary,
    copy_case,
    env_template_values,
    uv_binary,
)


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_wheel_install_builds_a_golden_case(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT, cwd=tmp_path)
    (wheel,) = dist.glob("hsmc-*.whl")
    venv = tmp_path / "venv"
    uv = str(uv_binary())
    env = {"UV_CACHE_DIR": str(tmp_path / "uv-cache"), "UV_PYTHON_DOWNLOADS": "never"}
    _run(uv, "venv", "-q", "--python", sys.executable, venv, cwd=tmp_path, env=env)
    _run(
        uv,
        "pip",
        "install",
        "-q",
        "--python",
        venv / "bin" / "python",
        wheel,
        cwd=tmp_path,
        env=env,
    )

    where = _run(venv / "bin" / "python", "-c", "import hsmc; print(hsmc.__file__)", cwd=tmp_path)
    assert Path(where.strip()).is_relative_to(venv), "hsmc was imported from the source tree"
    installed = Path(where.strip()).parent
    assert (installed / "templates" / "docker-compose.yml.j2").is_file()
    # the templates compiled at wheel build (hatch_build.py), one module each, and loaded
    compiled = installed / "_compiled_templates"
    sources = list((ROOT / "templates").rglob("*.j2"))
    assert len(list(compiled.glob("jinja2-*/tmpl_*.py"))) == len(sources)
    loader = "from hsmc.emit import environment; print(type(environment().loader).__name__)"
    assert _run(venv / "bin" / "python", "-c", loader, cwd=tmp_path) == "ModuleLoader\n"
    assert (installed / "registry").is_dir()
    for kind in ("manifest", "package", "container"):  # issue 13, point 7: shipped schemas
        shipped = installed / "schemas" / f"{kind}.schema.json"
        assert shipped.read_bytes() == (ROOT / "schemas" / f"{kind}.schema.json").read_bytes()
        where = _run(venv / "bin" / "hsmc", "schema", kind, "--path", cwd=tmp_path)
        assert Path(where.strip()) == shipped

    case = "01-shared-container"
    project = copy_case(case, tmp_path / "work")
    _run(venv / "bin" / "hsmc", "build", project, cwd=tmp_path)
    # the kubernetes templates ship too (expected/kubernetes/ is compared below)
    _run(venv / "bin" / "hsmc", "build", "--target", "kubernetes", project, cwd=tmp_path)
    expected = GOLDEN / case / "expected"
    for path in expected.rglob("*"):
        if path.is_file():
            built = project / "generated" / path.relative_to(expected)
            assert built.read_bytes() == path.read_bytes(), path.name
    assert os.access(project / "generated" / "install.sh", os.X_OK)

    # The built-in registry travels in the wheel, shipped scripts keep their executable bit.
    quickstart = tmp_path / "quickstart"
    quickstart.mkdir()
    (quickstart / "hsm.yaml").write_text((ROOT / "examples/quickstart/hsm.yaml").read_text())
    _run(venv / "bin" / "hsmc", "build", cwd=quickstart)
    start = quickstart / "generated" / "files" / "postgres" / "postgres-start.sh"
    assert os.access(start, os.X_OK)
    compose = (quickstart / "generated" / "docker-compose.yml").read_text()
    assert '"./files/postgres/postgres-start.sh:/hsm/start.sh:ro"' in compose

    # `hsmc init && hsmc build` from the wheel, accepted by real Docker Compose.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    _run(venv / "bin" / "hsmc", "init", cwd=fresh)
    _run(venv / "bin" / "hsmc", "build", cwd=fresh)
    output = fresh / "generated"
    env = {"PATH": os.environ["PATH"], "HOME": str(output)}
    env |= env_template_values(output / ".env.template")
    checked = subprocess.run(
        [str(compose_binary()), "-f", "docker-compose.yml", "config", "-q"],
        cwd=output,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr
