"""How much trusting a parse-cache entry costs, by each way considered (issue 22.2, issue 21).

    python benchmarks/cache_trust.py PROJECT[,PROJECT...] [--runs 30] [--variant NAME]...

Reads every file of each project from a warm parse cache, in this process (`load_project`, the
parse stage of a build), once per variant and round, interleaved; prints the median and the
minimum of the summed time per variant. With `--runs 0` it reads each project once with the
first variant given and exits: for `valgrind --tool=callgrind`, whose instruction counts do not
depend on the machine's load (docs/decisions.md, "Parse cache", has both).

The variants: how an entry is read (as main read it before issue 22: no question asked; hsmc's
way: entry, directory and cache directory this user's alone; a keyed MAC: a per-user key kept
outside the cache, a BLAKE2b tag in front of each entry), and what is checked of its tree then
(verify.py in full, the schema's shape only, nothing). The MAC variant is a prototype for this
measurement only; its caches are written by re-tagging the entries hsmc wrote.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import hsmc.parse.cache as cache_module
from hsmc.parse import Inputs, load_project
from hsmc.parse.cache import Cache, identity, key_of
from hsmc.parse.shapes import SHAPES, conforms
from hsmc.parse.source import SourceFile
from hsmc.parse.tree import Node
from hsmc.parse.verify import trustworthy

Read = Callable[[Cache, Path], bytes]
Check = Callable[[Node, str, SourceFile], bool]
WORK = Path(tempfile.gettempdir()) / "hsmc-cache-trust"
KEY = WORK / "key"


def _unchecked(cache: Cache, path: Path) -> bytes:
    return path.read_bytes()


_owned: Read = Cache._read_private  # what hsmc does


def _keyed(cache: Cache, path: Path) -> bytes:
    """The tag line, then the entry; the key read once per Cache (and checked: 0600, ours)."""
    key = getattr(cache, "_bench_key", None)
    if key is None:
        fd = os.open(KEY, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            if info.st_uid != os.geteuid() or info.st_mode & 0o077:
                raise PermissionError("a key of another user")
            key = handle.read()
        cache._bench_key = key  # type: ignore[attr-defined]
    tag, _, body = path.read_bytes().partition(b"\n")
    if hashlib.blake2b(body, key=key, digest_size=32).hexdigest().encode("ascii") != tag:
        raise ValueError("a tag that is not ours")
    return body


CHECKS: dict[str, Check] = {
    "verify": lambda node, kind, source: trustworthy(node, kind, source.lines),
    "shape only": lambda node, kind, source: conforms(node, SHAPES[kind]),
    "nothing": lambda node, kind, source: True,
}
VARIANTS: dict[str, tuple[Read, str, bool]] = {  # read, check, keyed cache
    "before issue 22: unchecked + verify": (_unchecked, "verify", False),
    "owner + verify": (_owned, "verify", False),
    "owner + shape only": (_owned, "shape only", False),
    "owner, nothing else (hsmc)": (_owned, "nothing", False),
    "keyed MAC + verify": (_keyed, "verify", True),
    "keyed MAC, nothing else": (_keyed, "nothing", True),
}


def _get(read: Read, check: Check) -> Callable[[Cache, SourceFile, str], Node | None]:
    """Cache.get with another way to read an entry and to check its tree."""

    def get(self: Cache, source: SourceFile, kind: str) -> Node | None:
        expected = identity(kind, source.path.stem, source.text)
        try:
            document = json.loads(read(self, self._path(key_of(expected))))
            if not isinstance(document, dict) or document.get("identity") != expected:
                raise ValueError("an entry of another file")
            node = Node.from_json(document["tree"])
            if not check(node, kind, source):
                raise ValueError("a tree that is not this file's")
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            self.misses += 1
            return None
        self.hits += 1
        return node

    return get


def _caches(project: Path) -> dict[bool, Path]:
    """A warm cache of `project` as hsmc writes it, and its copy with every entry tagged."""
    name = hashlib.sha256(str(project).encode()).hexdigest()[:12]
    plain, keyed = WORK / f"{name}-plain", WORK / f"{name}-keyed"
    if not plain.is_dir():
        os.environ["HSMC_CACHE_DIR"] = str(plain)
        load_project(Inputs(path=project, cwd=project))
    if not keyed.is_dir():
        key = KEY.read_bytes()
        for entry in plain.rglob("*.json"):
            body = entry.read_bytes()
            tag = hashlib.blake2b(body, key=key, digest_size=32).hexdigest().encode("ascii")
            copy = keyed / entry.relative_to(plain)
            copy.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            copy.write_bytes(tag + b"\n" + body)
        keyed.chmod(0o700)
    return {False: plain, True: keyed}


def _read_all(projects: list[Path], caches: dict[Path, dict[bool, Path]], variant: str) -> float:
    read, check, keyed = VARIANTS[variant]
    cache_module.Cache.get = _get(read, CHECKS[check])  # type: ignore[method-assign]
    total = 0.0
    for project in projects:
        os.environ["HSMC_CACHE_DIR"] = str(caches[project][keyed])
        gc.collect()
        start = time.perf_counter()
        _, problems = load_project(Inputs(path=project, cwd=project))
        total += time.perf_counter() - start
        assert not problems
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("projects", help="directories holding hsm.yaml, separated by commas")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    args = parser.parse_args()
    WORK.mkdir(mode=0o700, exist_ok=True)
    if not KEY.exists():
        fd = os.open(KEY, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, os.urandom(32))
        os.close(fd)
    projects = [Path(p).resolve() for p in args.projects.split(",")]
    caches = {p: _caches(p) for p in projects}
    variants = args.variant or list(VARIANTS)
    if args.runs == 0:
        _read_all(projects, caches, variants[0])
        return
    times: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(args.runs):
        for variant in variants:
            times[variant].append(_read_all(projects, caches, variant))
    for variant in variants:
        median, least = statistics.median(times[variant]), min(times[variant])
        print(f"{variant:38s} median {median * 1000:7.2f} ms   min {least * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
