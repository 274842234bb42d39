"""The parse cache: validated, located trees of input files, keyed by content.

A file's tree depends only on its bytes, its kind (manifest, package, container), its name, the
hsmc version and the schema version, which together make the key and are recorded in the entry;
display paths and absolute paths are added after the cache, so one cache serves every checkout
and working directory. Entries are JSON (never pickle). The directory may be shared or tampered
with: an entry is used only if its recorded identity is this file's and its tree passes
verify.py (shape, positions, and the file's own text); anything else is a miss, and the file is
parsed afresh and its entry rewritten. Each entry is written to a temporary file and renamed,
so concurrent builds never read half an entry.

Location: cachedir.py ($HSMC_CACHE_DIR, else the platform cache directory).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from hsmc import __version__
from hsmc.atomic import replace
from hsmc.cachedir import cache_dir
from hsmc.parse.source import SourceFile
from hsmc.parse.tree import Node
from hsmc.parse.verify import trustworthy

__all__ = ["Cache", "cache_dir", "identity", "key_of"]

SCHEMA_VERSION = "6"  # bump when a schema or the tree format changes
_FORMAT = "hsmc-parse-cache/2"


def identity(kind: str, name: str, content: str) -> dict[str, str]:
    """What an entry stands for; recorded in it, and hashed into its key."""
    digest = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()
    return {
        "format": _FORMAT,
        "hsmc": __version__,
        "schema": SCHEMA_VERSION,
        "kind": kind,
        "name": name,
        "sha256": digest,
    }


def key_of(entry_identity: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(entry_identity).encode("ascii")).hexdigest()


class Cache:
    def __init__(self, root: Path | None) -> None:
        self.root = root  # None: disabled
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.json"

    def get(self, source: SourceFile, kind: str) -> Node | None:
        """The tree of `source` if the cache holds one that is provably its own, else None."""
        if self.root is None:
            return None
        expected = identity(kind, source.path.stem, source.text)
        try:
            document = json.loads(self._path(key_of(expected)).read_text(encoding="utf-8"))
            if not isinstance(document, dict) or document.get("identity") != expected:
                raise ValueError("an entry of another file, kind or version")
            node = Node.from_json(document["tree"])
            if not trustworthy(node, kind, source.lines):
                raise ValueError("a tree that is not this file's")
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            self.misses += 1
            return None
        self.hits += 1
        return node

    def put(self, source: SourceFile, kind: str, node: Node) -> None:
        if self.root is None:
            return
        entry_identity = identity(kind, source.path.stem, source.text)
        key = key_of(entry_identity)
        path = self._path(key)
        document = {"identity": entry_identity, "tree": node.to_json()}
        text = json.dumps(document, separators=(",", ":"))  # ASCII: lone surrogates survive
        with contextlib.suppress(OSError):  # a cache that cannot be written is no error
            path.parent.mkdir(parents=True, exist_ok=True)
            replace(path, text.encode("ascii"), mode=0o600, durable=False)
