"""`hsmc registry eject NAME`: what copying a visible registry entry, and the files it ships,
into the project's own registry means: which files, read here, go where.

The copy keeps the entry's layout relative to its registry root (`containers/postgres.yaml`,
`containers/files/postgres-start.sh`), so its relative `files:` paths stay valid. write.py
writes the copies (`create_files`: never overwriting, HSM602; never through a symlink below
the project's registry root, HSM422), called by the pipeline (hsmc/pipeline/registry.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from hsmc import __version__, builtin
from hsmc.errors import CompileError, Diagnostic, printable
from hsmc.parse import Inputs, _manifest_path, display_path
from hsmc.parse.cache import Cache
from hsmc.parse.catalog import CatalogEntry, catalog, registry_roots, select
from hsmc.record import Record, setfield


class Ejection(Record):
    entry: CatalogEntry
    contents: Mapping[Path, tuple[bytes, int]]  # target -> (content, mode); the entry first
    root: Path  # the project's registry root it goes to

    def __init__(
        self, entry: CatalogEntry, contents: Mapping[Path, tuple[bytes, int]], root: Path
    ) -> None:
        setfield(self, "entry", entry)
        setfield(self, "contents", contents)
        setfield(self, "root", root)

    @property
    def written(self) -> tuple[Path, ...]:
        """The targets: the entry first, then its shipped files."""
        return tuple(self.contents)


def ejection(name: str, inputs: Inputs, cwd: Path, cache: Cache) -> Ejection:
    entry, _ = select(catalog(registry_roots(inputs), cwd, cache), name)
    root = project_registry(inputs)
    base = entry.registry_root.resolve()
    origin = display_path(entry.path, cwd)
    # the entry's place in its root (FOLDER/NAME.yaml, as the catalog found it), not where a
    # symlink there points
    placed = entry.path.relative_to(entry.registry_root)
    copies: dict[Path, tuple[Path, str | None]] = {
        root / placed: (entry.path, _header(origin) + entry.text)
    }
    for shipped in entry.shipped:
        source = _shipped_source(entry, shipped, base)
        copies[root / source.relative_to(base)] = (source, None)
    contents = {
        target: (source.read_bytes() if text is None else text.encode("utf-8"), _mode(source))
        for target, (source, text) in copies.items()
    }
    return Ejection(entry, contents, root)


def _mode(source: Path) -> int:
    return source.stat().st_mode & 0o777  # a shipped script stays executable


def project_registry(inputs: Inputs) -> Path:
    """The first registry root of the project's own (not --registry, not the built-in one);
    `registry/` beside hsm.yaml when it declares none (searched by default once it exists)."""
    own = Inputs(inputs.path, (), cwd=inputs.cwd, cache=inputs.cache, search_up=inputs.search_up)
    # resolved, as the output directory is: the root may be a symlink the user made; nothing
    # below it is followed (write.create_files)
    for root in registry_roots(own):
        if root != builtin.registry_root():
            return root.resolve()
    cwd = (inputs.cwd or Path.cwd()).resolve()
    return (_manifest_path(inputs.path, cwd, inputs.search_up).parent / "registry").resolve()


def _shipped_source(entry: CatalogEntry, shipped: str, base: Path) -> Path:
    """A shipped file inside the entry's registry root (the build refuses others: HSM413)."""
    source = (entry.path.parent / shipped).resolve()
    if not source.is_relative_to(base) or not source.is_file():
        what = f"{entry.kind} `{entry.name}`"
        message = f"shipped file `{printable(shipped)}` of {what} cannot be copied"
        hint = "it must be a file inside the entry's registry root; fix the entry first"
        raise CompileError([Diagnostic("HSM405", message, None, hint)])
    return source


def _header(origin: str) -> str:
    return (
        f"# Copied from {origin} by `hsmc registry eject` (hsmc {__version__}). This copy hides\n"
        "# the original for this project: edit it here; it no longer follows hsmc upgrades.\n"
    )
