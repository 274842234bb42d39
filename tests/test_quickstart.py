"""Issue 24, point 6: the README's quickstart works as written, in a fresh shell with nothing
but Python's venv (no uv, no pipx, no ~/.local/bin on PATH), as the current user and, when the
tests run as root, as another user (uid 65534), each in a home and a clone of their own.

It installs hsmc and its dependencies from the package index pip is configured with (as
tests/test_wheel.py builds the wheel), so the machine's pip configuration is passed on."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from hsmc import sync
from hsmc.errors import CompileError
from tests.conftest import ROOT

NOBODY = 65534
_IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".*_cache", "*.egg-info", "generated", "dist", "build"
)


def quickstart() -> str:
    """The first `sh` block of the README's Quickstart section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Quickstart", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```sh\n(.*?)```", section, re.S)
    assert found is not None, "the Quickstart section has no sh block"
    return found.group(1)


def _fresh_env(home: Path) -> dict[str, str]:
    """A login shell's environment: the system PATH, a home; pip's and the proxy settings of
    this machine (its package index), nothing of the test's Python or uv."""
    machine = {
        k: v for k, v in os.environ.items() if k.startswith("PIP_") or k.lower().endswith("_proxy")
    }
    return {**machine, "PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}


@pytest.mark.parametrize("user", ["current", "other"])
def test_the_readme_quickstart_works_as_written(
    tmp_path: Path, user: str, request: pytest.FixtureRequest
) -> None:
    if user == "other" and os.geteuid() != 0:
        pytest.skip("a second user needs root to switch to (setpriv)")
    # pytest's own temporary directories are private to the user running the tests
    base = Path(tempfile.mkdtemp(prefix="hsmc-quickstart-")) if user == "other" else tmp_path
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    home = base / "home"
    clone = home / "hsmc"
    shutil.copytree(ROOT, clone, ignore=_IGNORED)
    prefix: list[str] = []
    if user == "other":
        base.chmod(0o755)
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(home)], check=True)
        prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    run = subprocess.run(
        [*prefix, "/bin/sh", "-e", "-c", quickstart()],
        cwd=clone,
        env=_fresh_env(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    out = home / "quickstart-stack"  # a directory of the user's own, not /tmp/…
    assert (out / "docker-compose.yml").is_file() and (out / ".hsmc-generated").is_file()
    assert re.search(rf"hsmc: wrote \d+ files to {re.escape(str(out))}\n", run.stderr)
    # `hsmc sync` finds uv beside hsmc (the quickstart installs it there)
    where = [str(home / ".hsmc-venv" / "bin" / "python"), "-c", "import uv; uv.find_uv_bin()"]
    assert subprocess.run(where, capture_output=True).returncode == 0


def test_hsm603_gets_uv_the_way_the_readme_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without uv, `hsmc sync` says to install it beside hsmc with pip, which is what the
    quickstart does; refusing hsmc's own environment, it names the quickstart's install."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "uv", None)  # `from uv import …` raises ImportError
    with pytest.raises(CompileError) as info:
        sync._uv()
    (diag,) = info.value.diagnostics
    assert diag.code == "HSM603" and diag.hint is not None
    assert f"`{sys.executable} -m pip install uv`" in diag.hint
    assert "~/.hsmc-venv/bin/pip install . uv" in quickstart()  # uv beside hsmc, with pip
    refused = sync._refused("x", None).hint or ""
    assert "`python3 -m venv ~/.hsmc-venv`" in refused and "python3 -m venv ~/.hsmc-venv" in (
        quickstart()
    )
