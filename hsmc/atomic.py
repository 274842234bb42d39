"""The one way hsmc replaces a file: a temporary file beside it, then a rename over it.

Readers see the old content or the new, never a part. Used by the writer (outdir.py, with a
directory descriptor that no symlink can redirect) and by the parse cache. A temporary file is
named `.NAME.RANDOM.hsmc-tmp`, so what a killed process leaves behind can be recognised.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

TMP_SUFFIX = ".hsmc-tmp"
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


def replace_at(parent: int, name: str, content: bytes, mode: int, durable: bool) -> None:
    """Replaces `name` in the directory open as `parent` with `content` (permissions `mode`).
    `durable`: flushed to disk before the rename (artifacts; a cache entry need not be)."""
    # The temporary's name stays short enough for any target name (NAME_MAX is 255 bytes).
    stem = name if len(os.fsencode(name)) <= 200 else "long-name"
    while True:
        # os.urandom, not the secrets module: that imports random, hmac and base64 (2 ms a build)
        tmp = f".{stem}.{os.urandom(4).hex()}{TMP_SUFFIX}"
        try:
            fd = os.open(tmp, _NEW, 0o600, dir_fd=parent)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), mode)
        os.replace(tmp, name, src_dir_fd=parent, dst_dir_fd=parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=parent)
        raise


def replace(path: Path, content: bytes, mode: int, durable: bool) -> None:
    """replace_at for a path whose directory exists."""
    parent = os.open(path.parent, _DIR)
    try:
        replace_at(parent, path.name, content, mode, durable)
    finally:
        os.close(parent)
