"""The build stamp: `hsmc build` with nothing changed answers without compiling.

A successful `hsmc build` (plain: a path, -o, --registry; no other option) records what its
result depended on (observe.py): the SHA-256 of every file it read, every answer about the file
system it relied on (a registry entry found, or not found in an earlier root; a directory that
exists; where a path resolves to), the argv, the working directory, hsmc's version, the SHA-256
of hsmc's code and templates, the libraries' files, and the hash and mode of every output. The
next build with the same argv in the same directory replays all of it before click (or anything
else of hsmc) is imported; when every answer is the same and the output directory holds exactly
what was written (no hand edit, no stray temporary, no symlink), the build cannot differ, and
it prints the same summary line and exits 0. Anything else (a changed answer, an unreadable or
foreign stamp, an error while checking) falls to the full build, which records a new stamp.

Stamps live in the cache directory (cachedir.py), in stamps/, one per (argv, cwd). The cache
directory may be shared: a stamp is read only when it and its directories belong to this user
and nobody else can write them (decisions.md, "Build stamp").

The check runs on every `hsmc build`, so it imports next to nothing (os, stat, sys, hashlib):
no pathlib, no json, no re. A stamp is a list of fields joined by NUL, which no path, argument,
environment value or summary line can hold.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys

from hsmc import __version__
from hsmc.cachedir import cache_path
from hsmc.trust import owner_answer
from hsmc.trust import private as _private

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

FORMAT = "hsmc-stamp/2"
_OPTIONS = ("-o", "--output", "--registry")  # their values are paths (click checks them)
# values, not paths: argv (in the context and the key) holds them all, so the stamp of one
# target or environment is never replayed for another
_VALUES = ("--target", "-e", "--environment")
# Libraries whose code shapes the output (rendering, merging, parsing), by their files' identity
_LIBRARIES = ("jinja2", "markupsafe", "strictyaml", "deepmerge", "click", "yaml")
_LISTING = ".hsmc-generated"  # ownership.MANIFEST, not imported: that module imports re
_TMP_SUFFIX = ".hsmc-tmp"  # atomic.TMP_SUFFIX, likewise (tests/test_stamp.py checks both)
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


def eligible(argv: list[str]) -> bool:
    """`build [PATH] [-o DIR] [--output=DIR] [--registry DIR]... [--target NAME]
    [-e NAME]` and nothing else: any other option (--check, --force, --no-cache, --debug,
    --help, `-eNAME` run together) runs the full command."""
    if not argv or argv[0] != "build":
        return False
    rest, positional = argv[1:], 0
    while rest:
        token = rest.pop(0)
        if token.startswith(("--output=", "--registry=", "--target=", "--environment=")):
            continue
        if token in _OPTIONS or token in _VALUES:
            if not rest:
                return False
            rest.pop(0)
        elif token.startswith("-") or positional:
            return False
        else:
            positional += 1
    return True


# The context check took, for begin: the same moment's (before anything is read), not taken
# twice (hsmc's and the libraries' files walked again: about 2 ms of every full build)
_TAKEN: dict[tuple[str, ...], str] = {}


def check(argv: list[str]) -> str | None:
    """The summary line to print when the last build with these arguments provably gives the
    same result now; None when a full build must run."""
    if not eligible(argv):
        return None
    try:
        taken = _TAKEN[tuple(argv)] = context(argv)
        fields = _load(_stamp_path(argv))
        if fields is None or fields[0] != FORMAT or fields[1] != taken:
            return None
        summary = fields[2]
        answers, at = _group(fields, 3, 3)
        written = []  # per output directory (one per target): directory, listing, artifacts
        count, at = int(fields[at]), at + 1
        for _ in range(count):
            output, listing = fields[at], fields[at + 1]
            artifacts, at = _group(fields, at + 2, 3)
            written.append((output, listing, artifacts))
        if not written or at != len(fields):
            return None
        if not all(_answer(k, p) == a for k, p, a in answers):
            return None
        if not _printed_alike(summary):
            return None
        held = all(_outputs_hold(o, artifacts, listing) for o, listing, artifacts in written)
        return summary if held else None
    except Exception:  # any doubt: the full build
        return None


def _printed_alike(summary: str) -> bool:
    """Whether sys.stderr prints the line as click.echo did in the full build: click re-wraps a
    stream with an ASCII encoding as UTF-8, so a line that is not ASCII is printed alike only to
    a UTF-8 stream (and only when it is valid UTF-8: no undecodable bytes of a file name)."""
    if summary.isascii():
        return True
    import codecs

    try:
        summary.encode("utf-8")
        return codecs.lookup(sys.stderr.encoding).name == "utf-8"
    except (LookupError, UnicodeError, TypeError, AttributeError):
        return False


def _group(fields: list[str], at: int, width: int) -> tuple[list[list[str]], int]:
    """A counted run of records of `width` fields, from fields[at]; and where it ends."""
    count = int(fields[at])
    start, end = at + 1, at + 1 + count * width
    if count < 0 or end > len(fields):
        raise ValueError("a truncated stamp")
    return [fields[i : i + width] for i in range(start, end, width)], end


def begin(argv: list[str]) -> str | None:
    """Before a build that may be stamped: its context (taken before anything is read, so that
    a file changed during the build is seen by the next one) and recording on."""
    if not eligible(argv):
        return None
    try:
        session = _TAKEN.pop(tuple(argv), None) or context(argv)
    except Exception:
        return None
    from hsmc import observe

    observe.start()
    return session


def finish(argv: list[str], session: str) -> None:
    """After the build exited 0: write its stamp (a stamp that cannot be written is no error)."""
    from hsmc import observe

    record = observe.take()
    if record is None or record.spoiled or not record.outputs or record.summary is None:
        return
    fields = [FORMAT, session, record.summary]
    fields += [str(len(record.answers))]
    fields += [f for (kind, path), answer in record.answers.items() for f in (kind, path, answer)]
    fields += [str(len(record.outputs))]
    for output, listing, artifacts in record.outputs:  # each: directory, listing, artifacts
        fields += [output, listing, str(len(artifacts))]
        fields += [f for p, sha, x in artifacts for f in (p, sha, str(x))]
    if any("\0" in f for f in fields):
        return  # cannot happen (no path or argument holds a NUL); no stamp rather than a wrong one
    import contextlib

    with contextlib.suppress(OSError, UnicodeError):
        _save(_stamp_path(argv), "\0".join(fields).encode("utf-8", "surrogateescape"))


# --- what the build depended on besides its inputs -----------------------------------------------


def context(argv: list[str]) -> str:
    """SHA-256 of everything outside the inputs that shapes a build's result or its summary."""
    package = os.path.dirname(os.path.realpath(__file__))
    facts = [FORMAT, __version__, *argv, "\0", os.getcwd(), sys.version, sys.executable]
    facts += [sys.getfilesystemencoding(), str(sys.flags.utf8_mode)]
    facts += sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("HSMC_"))
    for path in _path_arguments(argv):  # click's own checks, before the build reads anything
        facts += [path, _as_click_sees(path)]
    # hsmc's code (in a wheel also the compiled templates, with the digest of the sources they
    # came from, which decides whether they are used: builtin.compiled_templates_dir)
    facts += _files(package, (".py", ".sha256"))
    for data in ("templates", "registry"):  # builtin.py: inside the package, else beside it
        inside = os.path.join(package, data)
        facts += [data, inside, str(os.path.isdir(inside))]
    facts += _digests(os.path.join(package, "templates"))
    facts += _digests(os.path.join(os.path.dirname(package), "templates"))
    for name in _LIBRARIES:
        facts += [name, *_files(_library(name), (".py", ".so"))]
    digest = hashlib.sha256()
    for fact in facts:
        digest.update(fact.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def _path_arguments(argv: list[str]) -> list[str]:
    """The paths of an eligible argv that click checks: PATH (default "."), -o, --registry
    (not the values of --target and -e: names)."""
    paths, rest, positional = [], argv[1:], False
    while rest:
        token = rest.pop(0)
        if token.startswith(("--target=", "--environment=")):
            continue
        if token in _VALUES:
            rest.pop(0)
        elif token.startswith(("--output=", "--registry=")):
            paths.append(token.split("=", 1)[1])
        elif token in _OPTIONS:
            paths.append(rest.pop(0) if rest else "")
        else:
            paths.append(token)
            positional = True
    return paths if positional else [".", *paths]


def _as_click_sees(path: str) -> str:
    """What click.Path asks of an argument (cli.py's types): exists, a regular file (`--registry`
    takes no file), a directory, readable. A change is a usage error (exit 2) in a full build."""
    try:
        mode = os.stat(path).st_mode
    except OSError:  # click: no such path (none of cli.py's paths must exist)
        return "absent"
    return f"{stat.S_ISREG(mode)}:{stat.S_ISDIR(mode)}:{os.access(path, os.R_OK)}"


def _walk(root: str, suffixes: tuple[str, ...]) -> list[str]:
    found = []
    for top, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [os.path.join(top, n) for n in sorted(names) if n.endswith(suffixes)]
    return found


def _files(root: str | None, suffixes: tuple[str, ...]) -> list[str]:
    """Code files by path, size and change time: any write to a file changes its ctime."""
    if root is None:
        return ["absent"]
    out = []
    for path in _walk(root, suffixes):
        info = os.stat(path)
        out.append(f"{path}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}")
    return out


def _digests(root: str) -> list[str]:
    """The templates by content (the issue's "template hashes"; a handful of small files)."""
    out = []
    for path in _walk(root, ("",)):
        with open(path, "rb") as handle:
            out.append(f"{path}:{hashlib.sha256(handle.read()).hexdigest()}")
    return out


def _library(name: str) -> str | None:
    """Where `import name` finds the package: the first sys.path entry holding it."""
    for entry in sys.path:
        candidate = os.path.join(entry or os.getcwd(), name)
        if os.path.isfile(os.path.join(candidate, "__init__.py")):
            return candidate
    return None


# --- replay --------------------------------------------------------------------------------------


def _answer(kind: str, path: str) -> str:
    """The question observe.py recorded, asked again the same way (pathlib's answers)."""
    if kind == "read":
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    if kind == "mode":
        return str(bool(os.stat(path).st_mode & stat.S_IXUSR))
    if kind in ("is_file", "is_dir"):
        from pathlib import Path

        try:
            return str(Path(path).is_file() if kind == "is_file" else Path(path).is_dir())
        except OSError:  # as observe.is_file records it
            return "error"
    if kind == "resolve":
        from pathlib import Path

        return str(Path(path).resolve())
    if kind == "owner":  # as observe.owner asks it
        return owner_answer(path)
    if kind == "glob":  # as observe.glob asks it
        from pathlib import Path

        asked = Path(path)
        try:
            return "/".join(p.name for p in sorted(asked.parent.glob(asked.name)))
        except OSError:
            return "/"
    raise ValueError(f"unknown question {kind!r}")


def _outputs_hold(output: str, artifacts: list[list[str]], listing: str) -> bool:
    """The output directory holds exactly what the stamped build left: each artifact and the
    ownership listing with the recorded hash and mode, read as the write stage reads them (no
    symlink followed, regular files only), and no temporary of a killed build (a full build
    would remove it). Under a shared lock: a build writing it now is not waited for."""
    import fcntl

    fd = os.open(output, _DIR)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        for path, sha, executable in [*artifacts, [_LISTING, listing, "False"]]:
            content, x = _read_below(fd, path)
            if str(x) != executable or hashlib.sha256(content).hexdigest() != sha:
                return False
        return not any(_temporaries(fd))
    finally:
        os.close(fd)


def _read_below(root: int, path: str) -> tuple[bytes, bool]:
    """Content and owner's x bit of the regular file at `path` below the directory `root`;
    OSError for anything else (missing, a symlink on the way, a directory, a FIFO)."""
    parts = path.split("/")
    fd = os.dup(root)
    try:
        for part in parts[:-1]:
            below = os.open(part, _DIR, dir_fd=fd)
            os.close(fd)
            fd = below
        file = os.open(parts[-1], _FILE, dir_fd=fd)
    finally:
        os.close(fd)
    with os.fdopen(file, "rb") as handle:
        mode = os.fstat(file).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"{path} is not a regular file")
        return handle.read(), bool(mode & stat.S_IXUSR)


def _temporaries(fd: int) -> Iterator[str]:
    for _, _, names, _ in os.fwalk(".", dir_fd=fd, follow_symlinks=False):
        yield from (n for n in names if n.startswith(".") and n.endswith(_TMP_SUFFIX))


# --- storage -------------------------------------------------------------------------------------


def _stamp_path(argv: list[str]) -> str:
    key = "\0".join([FORMAT, os.getcwd(), *argv]).encode("utf-8", "surrogateescape")
    return os.path.join(cache_path(), "stamps", f"{hashlib.sha256(key).hexdigest()}.stamp")


def _load(path: str) -> list[str] | None:
    stamps = os.path.dirname(path)
    for directory in (os.path.dirname(stamps), stamps):
        info = os.lstat(directory)
        if not stat.S_ISDIR(info.st_mode) or not _private(info):
            return None
    fd = os.open(path, _FILE)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _private(info):
            return None
        return handle.read().decode("utf-8", "surrogateescape").split("\0")


def _save(path: str, data: bytes) -> None:
    from pathlib import Path

    from hsmc.atomic import replace  # after the build: the check never pays for it

    # the cache directory too, 0700 whatever the umask (makedirs gives `mode` to the last
    # directory only): with 0775 under umask 002, no stamp would ever be read (_load)
    os.makedirs(cache_path(), mode=0o700, exist_ok=True)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    replace(Path(path), data, mode=0o600, durable=False)
