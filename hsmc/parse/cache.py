"""The parse cache: validated, located trees of input files, keyed by content.

A file's tree depends only on its bytes, its kind (manifest, package, container), its name, the
hsmc version and the schema version, which together make the key and are recorded in the entry;
display paths and absolute paths are added after the cache, so one cache serves every checkout
and working directory. Entries are JSON (never pickle). The directory may be shared with other
users: an entry is read only when it, its directory and the cache directory belong to this user
and nobody else can write them, as a build stamp is (trust.private), and only if its recorded
identity is this file's; anything else is a miss, and the file is parsed afresh. Such an entry
is used as it is: its tree is not compared with the file's text again, since only this user (who
can edit the outputs as well) can have written it (decisions.md, "Parse cache", measured). Each
entry is written to a temporary file and renamed, so concurrent builds never read half an entry;
the directories are created 0700, whatever the umask.

Location: cachedir.py ($HSMC_CACHE_DIR, else the platform cache directory).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from pathlib import Path

from hsmc import __version__
from hsmc.atomic import replace
from hsmc.cachedir import cache_dir
from hsmc.parse.source import SourceFile
from hsmc.parse.tree import Node
from hsmc.trust import private

__all__ = ["Cache", "cache_dir", "identity", "key_of"]

SCHEMA_VERSION = "7"  # bump when a schema or the tree format changes (7: `environments:`)
# 3: entries are trusted by their owner, no longer checked against the text (issue 22): an
# entry of format 2 may have come from anywhere, when every entry was checked
_FORMAT = "hsmc-parse-cache/3"


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


_ENTRY = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


class Cache:
    def __init__(self, root: Path | None) -> None:
        self.root = root  # None: disabled
        self.hits = 0
        self.misses = 0
        self._private: dict[str, bool] = {}  # per directory: this user's alone (trust.private)

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.json"

    def _directory_private(self, path: str) -> bool:
        """The directory is this user's and nobody else can write it (not a symlink); asked
        once per directory and build."""
        known = self._private.get(path)
        if known is None:
            try:
                info = os.lstat(path)
                known = stat.S_ISDIR(info.st_mode) and private(info)
            except OSError:
                known = False
            self._private[path] = known
        return known

    def get(self, source: SourceFile, kind: str) -> Node | None:
        """The tree of `source` if this user's cache holds one, else None."""
        if self.root is None:
            return None
        expected = identity(kind, source.path.stem, source.text)
        path = self._path(key_of(expected))
        try:
            document = json.loads(self._read_private(path))
            if not isinstance(document, dict) or document.get("identity") != expected:
                raise ValueError("an entry of another file, kind or version")
            # not checked against the file's text again (verify.py): only this user can have
            # written it, and the text is in its key (decisions.md, "Parse cache")
            node = Node.from_json(document["tree"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            self.misses += 1
            return None
        self.hits += 1
        return node

    def _read_private(self, path: Path) -> bytes:
        """The entry's bytes, if it, its directory and the cache directory are this user's
        alone (as a build stamp is read); else OSError."""
        assert self.root is not None
        if not (
            self._directory_private(str(self.root)) and self._directory_private(str(path.parent))
        ):
            raise PermissionError("a cache directory others can write")
        fd = os.open(path, _ENTRY)
        try:  # plain descriptors: no file object per entry (a warm build reads hundreds)
            info = os.fstat(fd)
            if not (stat.S_ISREG(info.st_mode) and private(info)):
                raise PermissionError("an entry of another user, or one others can write")
            data = os.read(fd, info.st_size + 1)
        finally:
            os.close(fd)
        if len(data) != info.st_size:  # an entry is replaced whole, never written in place
            raise ValueError("an entry that changed while it was read")
        return data

    def put(self, source: SourceFile, kind: str, node: Node) -> None:
        if self.root is None:
            return
        entry_identity = identity(kind, source.path.stem, source.text)
        key = key_of(entry_identity)
        path = self._path(key)
        document = {"identity": entry_identity, "tree": node.to_json()}
        text = json.dumps(document, separators=(",", ":"))  # ASCII: lone surrogates survive
        with contextlib.suppress(OSError):  # a cache that cannot be written is no error
            # 0700 whatever the umask: a directory others can write is never read (above)
            for directory in (self.root, path.parent):
                if not self._private.get(str(directory)):  # perhaps missing when asked
                    os.makedirs(directory, mode=0o700, exist_ok=True)
                    self._private.pop(str(directory), None)
                if not self._directory_private(str(directory)):
                    return  # never read (get): not written either
            replace(path, text.encode("ascii"), mode=0o600, durable=False)
