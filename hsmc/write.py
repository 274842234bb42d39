"""Write stage: artifacts → the output directory. hsmc owns only what it generated.

`.hsmc-generated` in the output directory lists every file the last build wrote, with its
SHA-256 (ownership.py). A build holds an exclusive lock on the output directory (a second build
of it waits for the first) and:

1. refuses (before writing anything) when an owned file was edited by hand since, or when a
   file hsmc would write exists but is not owned (unless `force`), or when a symlink stands
   where it would read, write or remove (even with `force`);
2. writes the manifest listing both the old and the new hash of each file (so that a build
   killed at any moment leaves files the next build still recognises as its own);
3. replaces each changed artifact atomically (a temporary file beside it, then a rename) and
   removes owned files that are no longer produced;
4. writes the final manifest (new hashes only).

Files hsmc did not generate (a filled-in .env, notes) are never touched. Stray temporary files
of a killed build are removed by the next one. Every path below the output directory is
reached without following a symlink (outdir.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from hsmc import atomic, observe, ownership
from hsmc.errors import CompileError, Diagnostic
from hsmc.model import Artifact
from hsmc.outdir import Found, Locked, OutputDir, SymlinkInTheWay, opened
from hsmc.record import Record, setfield

MANIFEST = ownership.MANIFEST
# How long a build waits for another build of the same output directory (seconds): far longer
# than any build takes, short enough that a hung one is reported rather than waited for forever.
LOCK_TIMEOUT = 60.0


class Written(Record):
    """What a build did to the output directory, for its one-line summary."""

    written: int  # artifacts created or replaced
    unchanged: int  # artifacts already as generated (left alone, timestamps too)
    removed: int  # files of an earlier build no longer generated

    def __init__(self, written: int, unchanged: int, removed: int) -> None:
        setfield(self, "written", written)
        setfield(self, "unchanged", unchanged)
        setfield(self, "removed", removed)

    def summary(self, shown: str) -> str:
        """`wrote 2 files to generated (6 unchanged, 1 removed)`; a rebuild that changed
        nothing says so rather than claiming to have written everything."""
        if self.written == 0 and self.removed == 0:
            return f"{shown} is up to date ({self.unchanged} files unchanged)"
        text = f"wrote {self.written} file{'s' if self.written != 1 else ''} to {shown}"
        details = [f"{self.unchanged} unchanged"] if self.unchanged else []
        details += [f"{self.removed} removed"] if self.removed else []
        return text + (f" ({', '.join(details)})" if details else "")


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def write(artifacts: Sequence[Artifact], output: Path, force: bool = False) -> Written:
    """Raises CompileError before writing anything it may not (HSM009, HSM411, HSM412, HSM415,
    HSM416), or HSM410 when the system refuses a write."""
    in_the_way = _not_a_directory(output)
    if in_the_way is not None:
        raise CompileError([_file_for_directory(output, in_the_way)])
    try:
        with opened(output, exclusive=True, timeout=LOCK_TIMEOUT) as directory:
            assert directory is not None
            owned = _read_owned(directory, output)
            problems = _problems(artifacts, directory, output, owned, force)
            if problems:
                raise CompileError(problems)
            return _write_all(artifacts, directory, owned, output)
    except Locked:
        raise CompileError([_locked(output)]) from None
    except SymlinkInTheWay as exc:
        # only when a symlink appeared after the checks: the build may be partly done
        raise CompileError([_cannot_write(f"{_shown(output, exc.path)} is a symlink")]) from exc
    except OSError as exc:
        raise CompileError([_cannot_write(str(exc))]) from exc


def check_writable(artifacts: Sequence[Artifact], output: Path, force: bool = False) -> None:
    """What `write` refuses before it writes anything (HSM009, HSM411, HSM412, HSM415, HSM416),
    raised as CompileError, without writing: a build of several output directories asks it of
    each before it writes the first, so a refusal of the last leaves the first untouched."""
    in_the_way = _not_a_directory(output)
    if in_the_way is not None:
        raise CompileError([_file_for_directory(output, in_the_way)])
    try:
        with opened(output, exclusive=False, timeout=LOCK_TIMEOUT) as directory:
            if directory is None:
                return
            owned = _read_owned(directory, output)
            problems = _problems(artifacts, directory, output, owned, force)
    except Locked:
        raise CompileError([_locked(output)]) from None
    except SymlinkInTheWay as exc:
        raise CompileError([_symlink(output, exc.path)]) from None
    if problems:
        raise CompileError(problems)


class Stale(Record):
    """What `build --check` found: the report (empty when up to date) and the files edited by
    hand since the last build (a plain `hsmc build` refuses those: HSM411)."""

    report: str
    edited: tuple[str, ...]

    def __init__(self, report: str, edited: tuple[str, ...] = ()) -> None:
        setfield(self, "report", report)
        setfield(self, "edited", edited)


def stale_report(artifacts: Sequence[Artifact], output: Path) -> Stale:
    """What `build --check` prints: a unified diff per stale file, then missing/extra files.
    Empty when the output directory is up to date. Waits for a build that is writing it."""
    try:
        with opened(output, exclusive=False, timeout=LOCK_TIMEOUT) as directory:
            if directory is None:
                return Stale("".join(f"missing: {a.path}\n" for a in artifacts))
            owned = _read_owned(directory, output)
            current = _read_all(directory, output, {a.path for a in artifacts} | set(owned))
    except Locked:
        raise CompileError([_locked(output)]) from None
    except SymlinkInTheWay as exc:  # the output directory itself, swapped since parse
        raise CompileError([_symlink(output, exc.path)]) from None
    edited = tuple(
        path
        for path, found in sorted(current.items())
        if path in owned and found is not None and sha256(found.content) not in owned[path]
    )
    return Stale(_report(artifacts, current, owned), edited)


def _report(
    artifacts: Sequence[Artifact],
    current: dict[str, Found | None],
    owned: dict[str, frozenset[str]],
) -> str:
    parts: list[str] = []
    missing = []
    for artifact in artifacts:
        found = current[artifact.path]
        if found is None:
            missing.append(artifact.path)
        elif found.content != artifact.content:
            parts.append(_diff(artifact.path, found.content, artifact.content))
        elif found.executable != artifact.executable:
            mode = "executable" if artifact.executable else "not executable"
            parts.append(f"mode of {artifact.path}: should be {mode}\n")
    produced = {a.path for a in artifacts}
    extra = [p for p in sorted(owned) if p not in produced and current[p] is not None]
    parts += [f"missing: {p}\n" for p in missing]
    parts += [f"no longer generated (a build removes it): {p}\n" for p in extra]
    return "".join(parts)


def create_file(path: Path, content: bytes) -> bool:
    """Writes a new file; False (and nothing written) when `path` exists already."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("xb") as handle:
            handle.write(content)
    except FileExistsError:
        return False
    return True


def create_files(root: Path, contents: Mapping[Path, tuple[bytes, int]]) -> list[Path]:
    """Writes new files {path below `root`: (content, mode)}, or nothing at all when one exists
    already: then it returns those that exist (`registry eject` never overwrites). Like the
    output directory, `root` is a resolved path and nothing below it is reached through a
    symlink: one at a target or on the way is refused (HSM422) before anything is written."""
    below = {path: path.relative_to(root).as_posix() for path in contents}
    try:
        with opened(root, exclusive=True, timeout=LOCK_TIMEOUT) as directory:
            assert directory is not None
            taken, problems = [], []
            for path, relative in below.items():
                try:
                    if directory.lexists(relative):
                        taken.append(path)
                except SymlinkInTheWay as exc:
                    problems.append(_symlink_in_registry(root, exc.path))
            if problems:
                raise CompileError(problems)
            if taken:
                return taken
            for path, (content, mode) in contents.items():
                if not directory.create(below[path], content, mode):
                    return [path]  # appeared meanwhile: stop there
    except SymlinkInTheWay as exc:  # a symlink that appeared after the checks
        raise CompileError([_symlink_in_registry(root, exc.path)]) from None
    except Locked:
        raise CompileError([_locked(root)]) from None
    return []


def _read_owned(directory: OutputDir, output: Path) -> dict[str, frozenset[str]]:
    found = _read_all(directory, output, {MANIFEST})[MANIFEST]
    if found is None:
        return {}
    try:
        return ownership.parse(found.content.decode("utf-8"))
    except UnicodeDecodeError:
        return {}  # not a list hsmc wrote: it owns nothing here


def _read_all(directory: OutputDir, output: Path, paths: set[str]) -> dict[str, Found | None]:
    """The files at `paths`; CompileError (HSM009, HSM415) when one cannot be read."""
    found: dict[str, Found | None] = {}
    problems = []
    for path in sorted(paths):
        try:
            found[path] = directory.read(path)
        except SymlinkInTheWay as exc:
            problems.append(_symlink(output, exc.path))
        except OSError as exc:
            problems.append(_unreadable(output, path, exc))
    if problems:
        raise CompileError(problems)
    return found


def _problems(
    artifacts: Sequence[Artifact],
    directory: OutputDir,
    output: Path,
    owned: dict[str, frozenset[str]],
    force: bool,
) -> list[Diagnostic]:
    """Files the build may not overwrite or remove: hand-edited owned files, files not owned,
    and (even with `force`) symlinks and files it cannot read."""
    produced = {a.path: sha256(a.content) for a in artifacts}
    blocked = {b for b in map(directory.not_a_directory, produced) if b is not None}
    if blocked:  # even with `force`: hsmc replaces files it writes, not a directory's place
        raise CompileError([_file_where_a_directory_goes(output, b) for b in sorted(blocked)])
    current = _read_all(directory, output, set(produced) | set(owned))
    problems = []
    for path, found in sorted(current.items()):
        if found is None or force:
            continue
        digest = sha256(found.content)
        if path in owned and digest not in owned[path]:
            problems.append(_edited(output, path))
        elif path not in owned and digest != produced.get(path):
            problems.append(_foreign(output, path))
    return problems


def _write_all(
    artifacts: Sequence[Artifact],
    directory: OutputDir,
    owned: dict[str, frozenset[str]],
    output: Path,
) -> Written:
    def put(path: str, content: bytes, executable: bool) -> bool:
        try:
            return directory.write(path, content, executable)
        except OSError as exc:  # it names the temporary file, relative: name the file written
            raise OSError(exc.errno, exc.strerror, str(output / path)) from exc

    directory.remove_stray_temporaries()
    new = {a.path: sha256(a.content) for a in artifacts}
    transition = {
        path: owned.get(path, frozenset()) | ({new[path]} if path in new else frozenset())
        for path in set(owned) | set(new)
    }
    put(MANIFEST, ownership.render(transition), executable=False)
    written = sum(put(a.path, a.content, a.executable) for a in artifacts)
    removed = sorted(set(owned) - set(new))
    for path in removed:
        try:
            directory.remove(path)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(output / path)) from exc
    put(MANIFEST, listing(artifacts), executable=False)
    return Written(written, len(artifacts) - written, len(removed))


def listing(artifacts: Sequence[Artifact]) -> bytes:
    """The `.hsmc-generated` a successful build leaves: the new hashes only."""
    return ownership.render({a.path: frozenset({sha256(a.content)}) for a in artifacts})


def _diff(path: str, old: bytes, new: bytes) -> str:
    import difflib  # `build --check` only: a build does not pay for it

    old_lines = old.decode("utf-8", "replace").splitlines(keepends=True)
    new_lines = new.decode("utf-8", "replace").splitlines(keepends=True)
    diff = difflib.unified_diff(old_lines, new_lines, f"a/{path}", f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in diff)


def _shown(output: Path, path: str) -> str:
    """A file of the output directory as a diagnostic names it: relative to the current
    directory when below it (`generated/cluster/kubernetes/redis.yaml`: two outputs may hold
    one name), else absolute."""
    full = output if path == "." else output / path
    try:
        return full.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return full.as_posix()


def _not_a_directory(output: Path) -> Path | None:
    """The output directory, or the nearest directory above it, when it exists as something
    else (a file): nothing can be written, so nothing is (HSM412, not the system's EEXIST)."""
    for path in (output, *output.parents):
        if path.is_dir():
            return None
        if path.exists() or path.is_symlink():  # a file, or a symlink to none or in a loop
            return path
    return None


def _file_for_directory(output: Path, path: Path) -> Diagnostic:
    what = (
        "a symlink that leads to no directory" if path.is_symlink() else "a file, not a directory"
    )
    if path == output:
        message = f"{path} is {what}: it cannot be the output directory"
    else:
        message = f"{path} is {what}: the output directory {output} cannot be made inside it"
    return Diagnostic(
        "HSM412",
        message,
        None,
        "move it, or choose another output directory (`-o DIR`, or `output:` in hsm.yaml)",
    )


def _edited(output: Path, path: str) -> Diagnostic:
    return Diagnostic(
        "HSM411",
        f"{_shown(output, path)} was edited by hand since the last build",
        None,
        "move your change into hsm.yaml or the registry (or `overrides:`), then "
        "run `hsmc build --force` to overwrite the file",
    )


def _foreign(output: Path, path: str) -> Diagnostic:
    return Diagnostic(
        "HSM412",
        f"{_shown(output, path)} exists and was not generated by hsmc",
        None,
        "move it out of the output directory, or run `hsmc build --force` to replace it",
    )


def _file_where_a_directory_goes(output: Path, path: str) -> Diagnostic:
    return Diagnostic(
        "HSM412",
        f"{_shown(output, path)} is a file where hsmc writes a directory",
        None,
        "move it out of the output directory (not even `hsmc build --force` replaces it)",
    )


def _unreadable(output: Path, path: str, exc: OSError) -> Diagnostic:
    why = "it lists the files hsmc generated" if path == MANIFEST else "a build replaces it"
    return Diagnostic(
        "HSM009",
        f"cannot read {_shown(output, path)}: {exc.strerror or exc}",
        None,
        f"make it a readable file, or remove it ({why})",
    )


def _symlink(output: Path, path: str) -> Diagnostic:
    return Diagnostic(
        "HSM415",
        f"{_shown(output, path)} is a symlink",
        None,
        "remove the symlink: hsmc never writes, reads or removes through a symlink in its "
        "output directory (not even with --force)",
    )


def _symlink_in_registry(root: Path, path: str) -> Diagnostic:
    return Diagnostic(
        "HSM422",
        f"{_shown(root, path)} is a symlink",
        None,
        "remove the symlink (its target stays as it is): `hsmc registry eject` never writes "
        "through a symlink below the registry root it copies into",
    )


def _locked(output: Path) -> Diagnostic:
    return Diagnostic(
        "HSM416",
        f"another hsmc build has been writing {output.name} for {LOCK_TIMEOUT:g} s",
        None,
        "wait for it to finish and build again; the lock goes with the process that holds it "
        "(look for a hung `hsmc build`)",
    )


def _cannot_write(reason: str) -> Diagnostic:
    return Diagnostic(
        "HSM410",
        f"cannot write the output directory: {reason}",
        None,
        "it may be partly updated (every file is whole: old or new); fix the cause and build again",
    )


def write_copy(path: Path, content: bytes) -> None:
    """Writes a copy hsmc keeps (the project's schema copy, `hsmc init`), replacing any."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.replace(path, content, 0o644, durable=True)


def refresh_copy(path: Path, content: bytes) -> bool:
    """Replaces the copy at `path` when it exists and differs from `content`; True when it
    wrote. A symlink there was put on purpose and is left alone. What the file holds afterwards
    is reported to observe.py, so a stamped build replays it: a copy that went stale (an older
    one checked out) runs the full build, which refreshes it."""
    if not observe.is_file(path) or path.is_symlink():
        return False
    changed = path.read_bytes() != content
    if changed:
        atomic.replace(path, content, 0o644, durable=True)
    observe.read_bytes(path)
    return changed
