"""Write stage: artifacts → the output directory, each file replaced atomically.

A temporary file is written beside its target and renamed over it, so an interrupted build
never leaves a truncated artifact. Files in the output directory that hsmc did not generate
(a filled-in .env, notes) are never touched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hsmc.emit import Artifact
from hsmc.errors import CompileError, Diagnostic


def write(artifacts: Sequence[Artifact], output: Path) -> None:
    try:
        for artifact in artifacts:
            _write_atomic(output / artifact.path, artifact.content, artifact.executable)
    except OSError as exc:
        raise CompileError(
            [Diagnostic("HSM410", f"cannot write the output directory: {exc}", None)]
        ) from exc


def _write_atomic(target: Path, content: bytes, executable: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file() and target.read_bytes() == content and _mode_ok(target, executable):
        return  # unchanged: keep the file (and its timestamp) as it is
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".hsmc-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o755 if executable else 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_ok(path: Path, executable: bool) -> bool:
    return bool(path.stat().st_mode & 0o100) == executable
