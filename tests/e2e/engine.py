"""A Docker engine for the e2e tests: the one the user named, or a private `dockerd` of our own.

The tests never touch a daemon the user did not name: `HSMC_E2E_DOCKER_HOST` names one (e.g.
`unix:///var/run/docker.sock`); without it, and as root, a private `dockerd` is started with its
own data root, exec root, pid file and socket, and stopped at the end of the session. Its data
root lives in the e2e cache directory so the stand-in images survive between runs; one session
at a time holds it (a lock; generated stacks publish fixed host ports anyway). Without root and
without `HSMC_E2E_DOCKER_HOST` there is no engine: the tests skip, saying why (or fail, with
HSMC_E2E_REQUIRED=1, as in CI).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

TOOLS = {"dockerd": "docker.io", "docker": "docker.io", "debootstrap": "debootstrap"}


class NoEngine(Exception):
    """No Docker engine can be had; the message says why (the tests skip with it)."""


def cache_dir() -> Path:
    base = os.environ.get("HSMC_E2E_CACHE")
    path = Path(base) if base else Path.home() / ".cache" / "hsmc-e2e"
    path.mkdir(parents=True, exist_ok=True)
    return path


def ensure_tools() -> None:
    """Installs docker.io and debootstrap with apt when missing (a fresh CI machine)."""
    missing = sorted({pkg for tool, pkg in TOOLS.items() if not shutil.which(tool)})
    if not missing:
        return
    if os.geteuid() != 0:
        raise NoEngine(f"{', '.join(missing)} missing and not root: cannot apt-get install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
    subprocess.run(install, env=env, check=True, stdout=subprocess.DEVNULL)


@dataclass
class Engine:
    """A reachable engine: `env` is the environment every docker/compose call runs with."""

    host: str
    env: dict[str, str]
    private: bool
    _process: subprocess.Popen[bytes] | None = None
    _lock: IO[str] | None = None
    _log: Path | None = None
    _keep: list[Path] = field(default_factory=list)

    def docker(
        self, *args: str, check: bool = True, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        command = [docker_cli(), *args]
        result = subprocess.run(
            command, env=self.env, cwd=cwd, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"docker {' '.join(args[:3])}… failed:\n{result.stdout}{result.stderr}"
            )
        return result

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        for path in self._keep:
            shutil.rmtree(path, ignore_errors=True)
        if self._lock is not None:
            self._lock.close()

    def remove_leftovers(self) -> None:
        """Containers, networks and volumes that a killed session left in the private engine's
        cached data root (never called on an engine the user named)."""
        assert self.private
        names = self.docker("ps", "-aq", "--filter", "label=com.docker.compose.project").stdout
        if names.split():
            self.docker("rm", "-f", "-v", *names.split())
        self.docker("network", "prune", "-f")
        self.docker("volume", "prune", "-f")

    def daemon_log(self) -> str:
        return self._log.read_text(errors="replace")[-4000:] if self._log else ""


def docker_cli() -> str:
    found = shutil.which("docker")
    if not found:
        raise NoEngine("the docker CLI is missing")
    return found


def base_env(host: str) -> dict[str, str]:
    """A controlled environment: only what docker, compose and the tools need, never the
    user's DOCKER_* or COMPOSE_* settings; the classic builder (engines without buildx)."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {
        **keep,
        "DOCKER_HOST": host,
        "DOCKER_BUILDKIT": "0",
        "COMPOSE_BAKE": "false",
        "DOCKER_CONFIG": str(cache_dir() / "docker-config"),
    }


def _reachable(host: str) -> bool:
    try:
        result = subprocess.run(
            [docker_cli(), "version", "--format", "{{.Server.Version}}"],
            env=base_env(host),
            capture_output=True,
            timeout=20,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0


def get_engine() -> Engine:
    named = os.environ.get("HSMC_E2E_DOCKER_HOST")
    if named:
        if not _reachable(named):
            raise NoEngine(f"HSMC_E2E_DOCKER_HOST={named} does not answer")
        return Engine(host=named, env=base_env(named), private=False, _lock=_session_lock())
    if os.geteuid() != 0:
        raise NoEngine(
            "no Docker engine: not root (a private dockerd needs root) and HSMC_E2E_DOCKER_HOST "
            "is not set"
        )
    ensure_tools()
    lock = _session_lock()
    try:
        engine = start_private(lock)
    except BaseException:
        lock.close()
        raise
    engine.remove_leftovers()
    return engine


LOCK_WAIT_SECONDS = 900


def _session_lock() -> IO[str]:
    """One e2e session at a time on a machine: generated stacks publish fixed host ports
    (5432, 6379…), so two sessions would collide; the second one waits."""
    lock = Path(tempfile.gettempdir(), "hsmc-e2e.lock").open("w")  # noqa: SIM115 (held)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return lock
        except BlockingIOError:
            if time.monotonic() > deadline:
                lock.close()
                raise NoEngine("another e2e session held the lock for 15 minutes") from None
            time.sleep(2)


def _die_with_parent() -> None:
    """The private dockerd gets SIGTERM if the test process dies without stopping it (killed,
    say), so it is never left running (Linux prctl PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)


def start_private(lock: IO[str]) -> Engine:
    data = cache_dir() / "docker-data"
    # Short paths: the exec root holds unix sockets (108-byte limit).
    run = Path(tempfile.mkdtemp(prefix="hsme", dir="/tmp"))
    sock = run / "d.sock"
    log = run / "dockerd.log"
    command = [
        shutil.which("dockerd") or "dockerd",
        f"--data-root={data}",
        f"--exec-root={run / 'x'}",
        f"--pidfile={run / 'pid'}",
        f"--host=unix://{sock}",
        "--log-level=warn",
        # Published ports ("5432:5432" in a generated file) bind to loopback only.
        "--ip=127.0.0.1",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
        )
    engine = Engine(
        host=f"unix://{sock}",
        env=base_env(f"unix://{sock}"),
        private=True,
        _process=process,
        _lock=lock,
        _log=log,
        _keep=[run],
    )
    deadline = time.monotonic() + 60
    while not _reachable(engine.host):
        if process.poll() is not None or time.monotonic() > deadline:
            text = engine.daemon_log()
            engine.stop()
            raise NoEngine(f"the private dockerd did not start:\n{text}")
        time.sleep(0.5)
    return engine
