"""The parse cache: validated, located trees of input files, keyed by content.

A file's tree depends only on its bytes, its kind (manifest, package, container), the hsmc
version and the schema version, which together make the key; display paths and absolute paths
are added after the cache, so one cache serves every checkout and working directory. Entries
are JSON (never pickle): a corrupt or foreign file is ignored and rewritten. Each entry is
written to a temporary file and renamed, so concurrent builds never read half an entry.

Location: $HSMC_CACHE_DIR, else the platform cache directory (~/.cache/hsmc on Linux,
~/Library/Caches/hsmc on macOS, %LOCALAPPDATA%\\hsmc\\Cache on Windows).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

from hsmc import __version__
from hsmc.parse.tree import Node

SCHEMA_VERSION = "3"  # bump when a schema or the tree format changes
_FORMAT = "hsmc-parse-cache/1"


def cache_dir() -> Path:
    override = os.environ.get("HSMC_CACHE_DIR")
    if override:
        return Path(override)
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "hsmc"
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / "hsmc" / "Cache"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else home / ".cache") / "hsmc"


def key_of(kind: str, content: str) -> str:
    digest = hashlib.sha256()
    for part in (_FORMAT, __version__, SCHEMA_VERSION, kind, content):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


class Cache:
    def __init__(self, root: Path | None) -> None:
        self.root = root  # None: disabled
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Node | None:
        if self.root is None:
            return None
        try:
            document = json.loads(self._path(key).read_text(encoding="utf-8"))
            if document.get("format") != _FORMAT or document.get("key") != key:
                raise ValueError("foreign cache entry")
            node = Node.from_json(document["tree"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            self.misses += 1
            return None
        self.hits += 1
        return node

    def put(self, key: str, node: Node) -> None:
        if self.root is None:
            return
        path = self._path(key)
        document = {"format": _FORMAT, "key": key, "tree": node.to_json()}
        text = json.dumps(document, separators=(",", ":"))  # ASCII: lone surrogates survive
        with contextlib.suppress(OSError):  # a cache that cannot be written is no error
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:8]}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp, path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
