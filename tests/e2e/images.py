"""Stand-in images: no registry can be reached, so every image a generated compose file pins is
built locally from Debian packages and tagged with exactly that reference.

One base root file system (`debootstrap --variant=minbase` with the packages below) is made once
and cached as a tarball under the e2e cache directory, keyed by the suite, the mirror and the
package list; `docker import` turns it into the base image. Each stand-in is a small Dockerfile
on top (standins/KIND/), chosen by the repository part of the reference; the tag is read from
the compose file (or the Dockerfile's FROM line) so it cannot drift from what hsmc generates.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.conftest import GOLDEN
from tests.e2e.engine import Engine, cache_dir

STANDINS = Path(__file__).resolve().parent / "standins"
PACKAGES = (
    "postgresql-15",
    "redis-server",
    "rabbitmq-server",
    "python3",
    "python-is-python3",
    "python3-psycopg",
    "python3-redis",
)
# The repository of a pinned reference -> the stand-in that honours its documented contract.
# Debian packages no qdrant, neo4j, minio or mongo: qdrant's stand-in answers on its ports
# (standins/qdrant), the others have none.
KINDS = {
    "postgres": "postgres",
    "redis": "redis",
    "rabbitmq": "rabbitmq",
    "qdrant/qdrant": "qdrant",
    "python": "python",
    "ghcr.io/example/graph-builder": "graph-builder",
    "ghcr.io/example/local-chunker": "local-chunker",
}
RECIPE_VERSION = "1"


def repository(reference: str) -> str:
    """`postgres:16.10-alpine` -> `postgres`; `docker.io/library/redis:7` -> `redis`."""
    name = reference.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    for prefix in ("docker.io/library/", "docker.io/", "library/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name


def standin_kind(reference: str) -> str | None:
    return KINDS.get(repository(reference))


def debian_source() -> tuple[str, str]:
    """(suite, mirror) of this machine's apt: the same mirror the rest of the system uses."""
    release = Path("/etc/os-release").read_text(encoding="utf-8")
    found = re.search(r"^VERSION_CODENAME=(\S+)", release, re.M)
    suite = found.group(1) if found else "bookworm"
    texts = [
        p.read_text(encoding="utf-8") for p in Path("/etc/apt").glob("sources.list*/*.sources")
    ]
    for text in texts:
        for stanza in text.split("\n\n"):
            suites = re.search(r"^Suites:(.*)$", stanza, re.M)
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            if suites and uris and suite in suites.group(1).split():
                return suite, uris.group(1)
    lists = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*.list")]
    for path in lists:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        found = re.search(rf"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+{suite}\s", text, re.M)
        if found:
            return suite, found.group(1)
    return suite, "http://deb.debian.org/debian"


def base_tarball() -> Path:
    """The cached root file system tarball; made with debootstrap (about 3 minutes) if absent."""
    suite, mirror = debian_source()
    key_text = "\n".join([RECIPE_VERSION, suite, mirror, *sorted(PACKAGES)])
    key = hashlib.sha256(key_text.encode()).hexdigest()[:16]
    tarball = cache_dir() / f"base-{suite}-{key}.tar"
    if tarball.is_file():
        return tarball
    work = Path(tempfile.mkdtemp(prefix="rootfs-", dir=cache_dir()))
    try:
        root = work / "root"
        command = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}"]
        result = subprocess.run(
            [*command, suite, str(root), mirror], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            log = (root / "debootstrap" / "debootstrap.log").read_text(errors="replace")
            raise AssertionError(f"debootstrap failed:\n{result.stderr[-3000:]}\n{log[-3000:]}")
        _slim(root)
        partial = tarball.with_suffix(".partial")
        subprocess.run(
            ["tar", "-C", str(root), "--numeric-owner", "-cf", str(partial), "."], check=True
        )
        partial.rename(tarball)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tarball


def _slim(root: Path) -> None:
    """Drops what package installation left behind that an image must not carry: the cluster
    Debian's postgresql package creates, apt's lists and caches; documentation."""
    dropped = (
        "var/lib/postgresql/15",
        "etc/postgresql/15",
        "var/lib/apt/lists",
        "var/cache/apt",
        "usr/share/doc",
        "usr/share/man",
        "usr/share/locale",
    )
    for rel in dropped:
        shutil.rmtree(root / rel, ignore_errors=True)
    (root / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)


def base_image(engine: Engine) -> str:
    tarball = base_tarball()
    tag = f"hsmc-e2e/base:{tarball.stem.removeprefix('base-')}"
    if engine.docker("image", "inspect", tag, check=False).returncode != 0:
        engine.docker("import", str(tarball), tag)
    return tag


class StandIns:
    """Builds the stand-ins a compose file needs, once per reference and session."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._base: str | None = None
        self.built: dict[str, str] = {}
        self.seconds = 0.0

    def ensure(self, reference: str) -> None:
        if reference in self.built:
            return
        kind = standin_kind(reference)
        if kind is None:
            raise LookupError(f"no stand-in for {reference} (Debian does not package it)")
        started = time.monotonic()
        if self._base is None:
            self._base = base_image(self.engine)
        with tempfile.TemporaryDirectory(prefix="hsmc-standin-") as tmp:
            context = Path(tmp)
            shutil.copytree(STANDINS / kind, context, dirs_exist_ok=True)
            if kind == "graph-builder":
                case = GOLDEN / "05-editable-stack"
                shutil.copy2(case / "services" / "graph-builder" / "app.py", context / "app.py")
                # the service imports the API contract from the client package it ships with
                client = case / "packages" / "neo4j-client" / "src"
                shutil.copytree(client, context / "client", ignore=shutil.ignore_patterns("*.pyc"))
            build = ["build", "-q", "--build-arg", f"BASE={self._base}", "-t", reference]
            self.engine.docker(*build, "--label", f"hsmc-e2e.standin={kind}", str(context))
        self.built[reference] = kind
        self.seconds += time.monotonic() - started
