"""The output directory, reached only through directory file descriptors.

Every file hsmc reads, writes or removes below the output directory is reached one path
component at a time with `O_NOFOLLOW` from the descriptor of the directory above it: a symlink
anywhere on the way (`generated/files -> /elsewhere`) is never followed, it is reported
(SymlinkInTheWay), and a directory swapped for a symlink while hsmc works cannot redirect a
write or a removal either. The output directory itself is a resolved path (parse), opened once.

Builds of one output directory take turns: each holds an `flock` on the directory (no lock
file to commit or to go stale: the kernel releases it when the process ends, even on kill -9).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from hsmc.atomic import TMP_SUFFIX, replace_at
from hsmc.record import Record, setfield

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO someone put in the way must not hang the build.
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
# O_EXCL: never through a symlink, dangling or not, and never over a file
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class SymlinkInTheWay(Exception):
    """A symlink where hsmc would read, write or remove; `path` is relative to the output
    directory ('.' for the output directory itself)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class Locked(Exception):
    """Another build held the output directory for longer than the timeout."""


class Found(Record):
    content: bytes
    executable: bool  # the owner's x bit, as written

    def __init__(self, content: bytes, executable: bool) -> None:
        setfield(self, "content", content)
        setfield(self, "executable", executable)


@contextlib.contextmanager
def opened(path: Path, exclusive: bool, timeout: float) -> Iterator[OutputDir | None]:
    """The output directory, locked: exclusive (created if missing) to write, shared to read.
    Shared and missing: None."""
    if exclusive:
        path.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, _DIR)
    except OSError as exc:
        if _is_symlink(path):
            raise SymlinkInTheWay(".") from exc
        if exclusive or exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            raise
        yield None
        return
    try:
        _lock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH, timeout)
        yield OutputDir(fd)
    finally:
        os.close(fd)  # releases the lock


def _lock(fd: int, operation: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise Locked() from None
            time.sleep(0.05)
        except OSError as exc:
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EBADF):
                return  # a file system without flock: build unlocked, as before (decisions.md)
            raise


def _is_symlink(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


class OutputDir:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def read(self, path: str) -> Found | None:
        """The regular file at `path`; None when nothing is there. Anything else (a directory, a
        FIFO) is an OSError, a symlink is SymlinkInTheWay."""
        parent = self._walk(path.split("/")[:-1], create=False)
        if parent is None:
            return None
        try:
            return _read_at(parent, path)
        finally:
            os.close(parent)

    def write(self, path: str, content: bytes, executable: bool) -> bool:
        """Atomically: a temporary file beside the target, then a rename over it. An unchanged
        file is left alone (its timestamp too): False."""
        parent = self._walk(path.split("/")[:-1], create=True)
        assert parent is not None
        try:
            current = _read_at(parent, path)
            if current == Found(content, executable):
                return False
            mode = 0o755 if executable else 0o644
            replace_at(parent, path.rsplit("/", 1)[-1], content, mode, durable=True)
            return True
        finally:
            os.close(parent)

    def lexists(self, path: str) -> bool:
        """Whether anything stands at `path` (a symlink at it or on the way: SymlinkInTheWay)."""
        parent = self._walk(path.split("/")[:-1], create=False)
        if parent is None:
            return False
        name = path.rsplit("/", 1)[-1]
        try:
            info = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            return False
        finally:
            os.close(parent)
        if stat.S_ISLNK(info.st_mode):
            raise SymlinkInTheWay(path)
        return True

    def create(self, path: str, content: bytes, mode: int) -> bool:
        """A new file (its directories created as needed); False, and nothing written, when
        something stands there already (`registry eject` never overwrites)."""
        parent = self._walk(path.split("/")[:-1], create=True)
        assert parent is not None
        name = path.rsplit("/", 1)[-1]
        try:
            fd = os.open(name, _NEW, 0o600, dir_fd=parent)
        except FileExistsError:
            if _lstat_is_link(parent, name):
                raise SymlinkInTheWay(path) from None
            return False
        finally:
            os.close(parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            os.fchmod(handle.fileno(), mode)
        return True

    def remove(self, path: str) -> None:
        """Removes the file (not a symlink's target), then the directories it leaves empty."""
        parts = path.split("/")
        for depth in range(len(parts), 0, -1):
            parent = self._walk(parts[: depth - 1], create=False)
            if parent is None:
                return
            try:
                if depth == len(parts):
                    os.unlink(parts[-1], dir_fd=parent)
                else:
                    os.rmdir(parts[depth - 1], dir_fd=parent)  # only when empty
            except OSError as exc:
                if depth == len(parts) and exc.errno != errno.ENOENT:
                    raise
                if depth < len(parts):
                    return
            finally:
                os.close(parent)

    def remove_stray_temporaries(self) -> None:
        """Temporary files of killed builds. Only called under the exclusive lock: no other
        build is running, so every temporary left is stale."""
        walk = os.fwalk(".", dir_fd=self.fd, follow_symlinks=False)
        for _, _, names, dir_fd in walk:
            for name in names:
                if not (name.startswith(".") and name.endswith(TMP_SUFFIX)):
                    continue
                with contextlib.suppress(OSError):
                    if stat.S_ISREG(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode):
                        os.unlink(name, dir_fd=dir_fd)

    def not_a_directory(self, path: str) -> str | None:
        """The first directory above `path` that exists as something else (a file), where a
        write of `path` would need a directory; None when there is none."""
        parts = path.split("/")[:-1]
        fd = os.dup(self.fd)
        try:
            for depth, part in enumerate(parts, 1):
                try:
                    info = os.stat(part, dir_fd=fd, follow_symlinks=False)
                except FileNotFoundError:
                    return None
                if stat.S_ISLNK(info.st_mode):
                    return None  # a symlink is SymlinkInTheWay's, found as the file is read
                if not stat.S_ISDIR(info.st_mode):
                    return "/".join(parts[:depth])
                below = os.open(part, _DIR, dir_fd=fd)
                os.close(fd)
                fd = below
            return None
        finally:
            os.close(fd)

    def _walk(self, parts: list[str], create: bool) -> int | None:
        """A new descriptor of the directory `parts` below the output directory; None when it
        does not exist (or is a file) and `create` is false."""
        fd = os.dup(self.fd)
        for depth, part in enumerate(parts, 1):
            try:
                try:
                    below = os.open(part, _DIR, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        os.close(fd)
                        return None
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o777, dir_fd=fd)
                    below = os.open(part, _DIR, dir_fd=fd)
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    os.close(fd)
                    raise
                symlink = _lstat_is_link(fd, part)
                os.close(fd)
                if symlink:
                    raise SymlinkInTheWay("/".join(parts[:depth])) from exc
                if create:
                    raise
                return None
            os.close(fd)
            fd = below
        return fd


def _lstat_is_link(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _read_at(parent: int, path: str) -> Found | None:
    name = path.rsplit("/", 1)[-1]
    try:
        fd = os.open(name, _FILE, dir_fd=parent)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP or _lstat_is_link(parent, name):
            raise SymlinkInTheWay(path) from exc
        raise
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            code = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
            message = os.strerror(code) if stat.S_ISDIR(mode) else "Not a regular file"
            raise OSError(code, message, path)
        return Found(handle.read(), bool(mode & stat.S_IXUSR))
