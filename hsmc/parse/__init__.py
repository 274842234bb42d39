"""Parse stage: hsm.yaml and the registry entries it reaches → typed, located model.

The parse stage is the only one that reads input files, and the only one that imports
strictyaml (in load.py, on a parse-cache miss). Registry entries are parsed lazily: only those
the manifest reaches (packages it lists, groups it selects, and transitively what they imply).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from pathlib import Path

from hsmc import builtin, observe
from hsmc.errors import Collector, CompileError, Diagnostic, printable
from hsmc.model import (
    ContainerEntry,
    Manifest,
    PackageEntry,
    Project,
    Span,
    TargetKind,
)
from hsmc.parse import paths
from hsmc.parse.cache import Cache, cache_dir
from hsmc.parse.load import load_tree, load_trees
from hsmc.parse.nodes import (
    container_from_node,
    manifest_from_node,
    package_from_node,
)
from hsmc.parse.source import SourceFile
from hsmc.parse.tree import Node
from hsmc.record import Record, setfield

NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")


class Inputs(Record):
    """What the command line adds to the manifest."""

    path: Path  # a directory holding hsm.yaml, or the file
    registries: tuple[Path, ...]  # searched before the manifest's
    output: Path | None
    cwd: Path | None
    cache: bool  # the parse cache (parse/cache.py); False: parse every file afresh
    # no PATH on the command line: a directory without hsm.yaml is searched upwards, as git does
    search_up: bool

    def __init__(
        self,
        path: Path,
        registries: tuple[Path, ...] = (),
        output: Path | None = None,
        cwd: Path | None = None,
        cache: bool = True,
        search_up: bool = False,
    ) -> None:
        setfield(self, "path", path)
        setfield(self, "registries", registries)
        setfield(self, "output", output)
        setfield(self, "cwd", cwd)
        setfield(self, "cache", cache)
        setfield(self, "search_up", search_up)


def make_cache(inputs: Inputs) -> Cache:
    return Cache(cache_dir() if inputs.cache else None)


def load_project(inputs: Inputs) -> tuple[Project, tuple[Diagnostic, ...]]:
    """The manifest and the entries it reaches, with the problems found in the entries.

    A broken manifest ends the build here (CompileError); a broken registry entry does not:
    validate reports its problems together with its own, and does not report the entry as
    unknown where it is referenced (one cause, one diagnostic).
    """
    cwd = observe.resolve(inputs.cwd or Path.cwd())
    out = Collector()
    _check_given_paths(inputs, cwd, out)
    out.raise_if_any()
    manifest_path = _manifest_path(inputs.path, cwd, inputs.search_up)
    cache = make_cache(inputs)
    manifest = _load_manifest(manifest_path, inputs, cwd, out, cache)
    out.raise_if_any()
    assert manifest is not None
    reader = _RegistryReader(manifest.registry, cwd, out, cache)
    packages, containers = reader.reach(manifest)
    # Listing the roots costs a glob per root: only done when a name was not found (did-you-mean).
    missing = {
        k for k, n in reader.seen if n not in (packages if k is TargetKind.PACKAGE else containers)
    }
    project = Project(
        manifest=manifest,
        packages=packages,
        containers=containers,
        available_packages=reader.available("packages") if TargetKind.PACKAGE in missing else (),
        available_containers=reader.available("containers")
        if TargetKind.CONTAINER in missing
        else (),
    )
    return project, tuple(out.diagnostics)


def display_path(path: Path, cwd: Path) -> str:
    """Paths in diagnostics: `built-in:…` inside the built-in registry, else relative to the
    current directory when below it."""
    builtin_root = builtin.registry_root()
    if path.is_relative_to(builtin_root) and not cwd.is_relative_to(builtin_root):
        return f"built-in:{path.relative_to(builtin_root).as_posix()}"
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def _check_given_paths(inputs: Inputs, cwd: Path, out: Collector) -> None:
    """Paths from the command line (or a caller of the API) that no system call can take."""
    for given in (inputs.path, inputs.output, *inputs.registries):
        unusable = paths.problem(str(cwd / given)) if given is not None else None
        if unusable is not None:
            out.add("HSM414", f"path `{paths.shown(str(given))}` {unusable}", None, paths.HINT)


def _manifest_path(path: Path, cwd: Path, search_up: bool = False) -> Path:
    """PATH's hsm.yaml; with `search_up`, the nearest one in PATH or a parent directory (the
    one in PATH when there is none, so that HSM009 names it). Every directory's answer goes
    through observe, False too: a new hsm.yaml in a nearer directory ends the stamp."""
    full = observe.resolve(cwd / path)
    try:
        directory = observe.is_dir(full)
    except OSError:
        directory = False  # reading it reports why (HSM009)
    if not directory:
        return full
    if search_up:
        for parent in (full, *full.parents):
            with contextlib.suppress(OSError):  # an unreadable parent: look further up
                if observe.is_file(parent / "hsm.yaml"):
                    return _owned(parent / "hsm.yaml", cwd)
    return full / "hsm.yaml"


def _owned(manifest: Path, cwd: Path) -> Path:
    """A manifest the search found, if it and its directory are this user's; else HSM421 (as
    git refuses a repository of another user: decisions.md, "Whose files hsmc trusts")."""
    answer = observe.owner(manifest)
    if answer == "mine":
        return manifest
    shown = printable(display_path(manifest, cwd))
    if answer == "error":
        message = f"not using {shown}: hsmc cannot tell who owns it"
    else:
        path, uid = answer.rsplit(":", 1)
        whose = "it is" if path == str(manifest) else f"its directory {_shown(Path(path), cwd)} is"
        message = f"not using {shown}: {whose} owned by {_user(int(uid))}"
    hint = (
        "no PATH was given, so hsmc searched from the current directory upwards; if you trust "
        f"it, pass its directory as PATH (`{_shown(manifest.parent, cwd)}`), otherwise run hsmc "
        "in a project of your own"
    )
    raise CompileError([Diagnostic("HSM421", message, Span(shown, 1), hint)])


def _shown(path: Path, cwd: Path) -> str:
    return printable(display_path(path, cwd) or ".")


def _user(uid: int) -> str:
    """`another user, nobody (uid 65534)`; the uid alone when it has no account here."""
    import pwd

    try:
        return f"another user, {pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"another user (uid {uid})"


def _load_manifest(
    path: Path, inputs: Inputs, cwd: Path, out: Collector, cache: Cache
) -> Manifest | None:
    source = _read(path, cwd, out)
    if source is None:
        return None
    if source.blank:
        out.add("HSM008", "empty project", source.span(1), _EMPTY_PROJECT_HINT)
        return None
    node = load_tree(source, "manifest", out, cache)
    if node is None:
        return None
    extra = tuple(observe.resolve(cwd / r) for r in inputs.registries)
    output = observe.resolve(cwd / inputs.output) if inputs.output else None
    return manifest_from_node(node, source, extra, output, builtin.registry_root(), out)


_UNREADABLE = "make the registry folder readable (and searchable: chmod u+rx)"
_FOLDER = {TargetKind.PACKAGE: "packages", TargetKind.CONTAINER: "containers"}
_EMPTY_PROJECT_HINT = (
    "list the packages you use under `packages:`, or groups under `services: container_groups:`"
)


class _RegistryReader:
    """Finds entries by name in the registry roots (first root wins) and parses each once."""

    def __init__(self, roots: Sequence[Path], cwd: Path, out: Collector, cache: Cache) -> None:
        self.roots = tuple(roots)
        self.cwd = cwd
        self.out = out
        self.cache = cache
        self.unreadable: set[str] = set()
        self.seen: set[tuple[TargetKind, str]] = set()  # every name asked for

    def reach(
        self, manifest: Manifest
    ) -> tuple[dict[str, PackageEntry], dict[str, ContainerEntry]]:
        """Breadth-first from the manifest: each level of implications is loaded as a batch
        (so that cache misses can be validated in parallel)."""
        packages: dict[str, PackageEntry] = {}
        containers: dict[str, ContainerEntry] = {}
        seen = self.seen
        level = [(TargetKind.PACKAGE, p.name) for p in manifest.packages]
        level += [(TargetKind.CONTAINER, g.selection.value) for g in manifest.groups]
        # every environment's selections too: each environment's variant of the manifest
        # (hsmc/environments.py) finds its containers among the entries of the one project
        level += [
            (TargetKind.CONTAINER, g.selection.value)
            for e in manifest.environments
            for g in e.groups
            if g.selection is not None
        ]
        while level:
            batch = [item for item in dict.fromkeys(level) if item not in seen]
            seen.update(batch)
            found = [(kind, name, self._source(kind, name)) for kind, name in batch]
            readable = [(k, n, s) for k, n, s in found if s is not None]
            jobs = [(source, _FOLDER[kind]) for kind, _, source in readable]
            level = []
            for (kind, name, source), tree in zip(
                readable, load_trees(jobs, self.out, self.cache), strict=True
            ):
                if tree is None or not self._named(name, tree, source):
                    continue
                entry: PackageEntry | ContainerEntry
                if kind is TargetKind.PACKAGE:
                    entry = packages[name] = package_from_node(tree, source, self.out)
                else:
                    entry = containers[name] = container_from_node(tree, source, self.out)
                level += [(i.kind, i.target) for i in entry.implies]
        return packages, containers

    def _source(self, kind: TargetKind, name: str) -> SourceFile | None:
        path = self.find(_FOLDER[kind], name)
        if path is None:
            return None  # validate reports unknown names, with did-you-mean
        source = _read(path, self.cwd, self.out)
        if source is not None and source.blank:
            self.out.add("HSM008", f"empty registry entry `{name}`", source.span(1))
            return None
        return source

    def _named(self, name: str, tree: Node, source: SourceFile) -> bool:
        """The entry's `name:` must be its file's stem (HSM101)."""
        name_node = tree["name"]
        if name_node.value == name:
            return True
        self.out.add(
            "HSM101",
            f"entry name `{name_node.value}` differs from its file name `{name}.yaml`",
            source.node_span(name_node),
            f"rename the file or set `name: {name}`",
        )
        return False

    def find(self, folder: str, name: str) -> Path | None:
        if not NAME_RE.fullmatch(name) or paths.problem(f"{name}.yaml") is not None:
            return None  # no file can hold it: validate reports an unknown name
        for root in self.roots:
            candidate = root / folder / f"{name}.yaml"
            try:
                if observe.is_file(candidate):
                    return candidate
            except OSError as exc:
                shown = display_path(root / folder, self.cwd)
                self.out.add("HSM009", f"cannot read {shown}: {exc.strerror}", None, _UNREADABLE)
                self.unreadable.add(name)
                return None
        return None

    def available(self, folder: str) -> tuple[str, ...]:
        """Every name the roots hold, and those hidden by an unreadable folder (reported:
        validate does not report them as unknown too). Only names `find` would find: validate
        takes a listed name it cannot find for an entry that failed to parse (reported), so a
        directory `foo.yaml` or a file `Foo.yaml` here would hide an unknown name."""
        names = set(self.unreadable)
        for root in self.roots:  # an unreadable folder lists nothing: `find` reported it
            found = observe.glob(root / folder, "*.yaml")
            names.update(p.stem for p in found if self._findable(p))
        return tuple(sorted(names))

    @staticmethod
    def _findable(path: Path) -> bool:
        """Whether `find` takes `path`: a name NAME_RE accepts, in a regular file."""
        if not NAME_RE.fullmatch(path.stem) or paths.problem(path.name) is not None:
            return False
        try:
            return observe.is_file(path)
        except OSError:
            return False


def _read(path: Path, cwd: Path, out: Collector) -> SourceFile | None:
    shown = display_path(path, cwd)
    try:
        data = observe.read_bytes(path)
    except FileNotFoundError:
        out.add("HSM009", f"no such file: {shown}", None, _hint_missing(path))
        return None
    except OSError as exc:
        out.add("HSM009", f"cannot read {shown}: {exc.strerror or exc}", None)
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        source = SourceFile(path=path, shown=shown, text=data.decode("utf-8", "replace"))
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        col = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        out.add(
            "HSM001",
            f"invalid YAML: byte 0x{data[exc.start]:02x} is not UTF-8",
            source.span(data[: exc.start].count(b"\n") + 1, col),
            "save the file as UTF-8",
        )
        return None
    return SourceFile(path=path, shown=shown, text=text)


def _hint_missing(path: Path) -> str | None:
    if path.name == "hsm.yaml":
        return (
            "run hsmc in a directory that holds hsm.yaml (or below it), pass its path, or "
            "start a project here with `hsmc init`"
        )
    return None
