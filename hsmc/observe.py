"""What a build depended on: every file it read, every answer about the file system it relied
on, and what it wrote. The build stamp (stamp.py) replays these to decide whether a build can be
skipped, so a stage that asks the file system anything that shapes the output asks it through
here (the parse stage reads inputs, resolve checks a local source's directory, pipeline reports
the outputs).

Recording is off unless the console entry point started it (a stamped build); then these
functions are the plain calls plus a note. Not a stage: stdlib only, imported by any stage.
"""

from __future__ import annotations

import hashlib
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path


class Record:
    """Plain class, not a dataclass: dataclasses imports inspect, which a stamped no-op build
    (stamp.py) would pay for before it can answer."""

    def __init__(self) -> None:
        # question → answer in the order asked; a question is (kind, path): kind is "read" (the
        # answer: SHA-256 of the bytes), "mode" (owner's x bit), "is_file", "is_dir", "resolve",
        # "glob" (the names found, joined by "/"), "owner" (whose a manifest found by the search
        # upwards is: trust.owner_answer)
        self.answers: dict[tuple[str, str], str] = {}
        # per output directory, in the order written (one per target): the directory, the
        # sha256 of its .hsmc-generated, its artifacts (path, sha256, x bit)
        self.outputs: list[tuple[str, str, list[tuple[str, str, bool]]]] = []
        self.summary: str | None = None
        self.spoiled = False  # a question answered twice differently: never stamp


_record: Record | None = None


def start() -> None:
    global _record
    _record = Record()


def take() -> Record | None:
    global _record
    record, _record = _record, None
    return record


def _note(kind: str, path: Path, answer: str) -> None:
    if _record is None:
        return
    if _record.answers.setdefault((kind, str(path)), answer) != answer:
        _record.spoiled = True  # the same question answered twice differently: changing input


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    _note("read", path, hashlib.sha256(data).hexdigest())
    return data


def executable(path: Path, mode: int) -> bool:
    """The owner's x bit of `mode` (an os.stat of `path`)."""
    answer = bool(mode & 0o100)
    _note("mode", path, str(answer))
    return answer


def is_file(path: Path) -> bool:
    """path.is_file(); an OSError it raises (a directory that cannot be searched) is an answer
    too, "error" (a caller that looks further, as the search for hsm.yaml does, relies on it)."""
    return _ask("is_file", path, path.is_file)


def is_dir(path: Path) -> bool:
    """path.is_dir(); an OSError is the answer "error", as for is_file."""
    return _ask("is_dir", path, path.is_dir)


def _ask(question: str, path: Path, ask: Callable[[], bool]) -> bool:
    try:
        answer = ask()
    except OSError:
        _note(question, path, "error")
        raise
    _note(question, path, str(answer))
    return answer


def owner(path: Path) -> str:
    """trust.owner_answer: "mine" when `path` (a manifest) and its directory are this user's.
    Recorded, so that a stamped build replays it: a manifest that changed hands, its bytes
    the same, runs the full build, which refuses it."""
    from hsmc.trust import owner_answer

    answer = owner_answer(str(path))
    _note("owner", path, answer)
    return answer


def resolve(path: Path) -> Path:
    """path.resolve(), but a symlink loop is left in the answer (as os.path.realpath leaves
    it) for the step that opens the path to refuse, rather than raised as RuntimeError."""
    answer = type(path)(os.path.realpath(path))
    _note("resolve", path, str(answer))
    return answer


def glob(directory: Path, pattern: str) -> list[Path]:
    """directory.glob(pattern), sorted; [] when the directory cannot be listed (the answer
    "/", which no list of names joined by "/" can be)."""
    try:
        found = sorted(directory.glob(pattern))
    except OSError:
        _note("glob", directory / pattern, "/")
        return []
    _note("glob", directory / pattern, "/".join(p.name for p in found))
    return found


def outputs(output: Path, artifacts: Iterable[tuple[str, bytes, bool]], listing: bytes) -> None:
    """What the build wrote into `output`: (path, content, executable) and the ownership
    listing (`.hsmc-generated`). Called once per output directory (one per target), in the
    order the build writes them."""
    if _record is None:
        return
    written = [(p, hashlib.sha256(c).hexdigest(), x) for p, c, x in artifacts]
    _record.outputs.append((str(output), hashlib.sha256(listing).hexdigest(), written))


def summary(lines: Iterable[str]) -> None:
    """Every line a successful build that changed nothing prints to stderr: its warnings and its
    summary (a stamped build prints them again)."""
    if _record is not None:
        _record.summary = "\n".join(lines)
