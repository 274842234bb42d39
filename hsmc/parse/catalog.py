"""Every registry entry visible to a project (for `hsmc registry list/show`), in search order,
with the root it comes from and which entry hides which."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hsmc import builtin
from hsmc.errors import Collector, CompileError, Diagnostic, closest, printable
from hsmc.parse import Inputs, _load_manifest, _manifest_path, _read, display_path, make_cache
from hsmc.parse.cache import Cache
from hsmc.parse.load import load_tree
from hsmc.parse.tree import Node
from hsmc.record import Record, setfield


class CatalogEntry(Record):
    kind: str  # "package" or "container"
    name: str
    file: str  # as shown to the user
    root: str  # the root's path as shown, or "built-in"
    description: str | None
    modes: tuple[str, ...]
    profiles: tuple[str, ...]
    problem: str | None  # why the entry does not parse, if it does not
    hidden_by: str | None  # the file of the entry that wins over this one
    text: str
    path: Path  # the entry's file
    registry_root: Path  # the root it was found in
    shipped: tuple[str, ...]  # its `files:` sources, as written (relative to its folder)

    def __init__(
        self,
        kind: str,
        name: str,
        file: str,
        root: str,
        description: str | None,
        modes: tuple[str, ...],
        profiles: tuple[str, ...],
        problem: str | None,
        hidden_by: str | None,
        text: str,
        path: Path,
        registry_root: Path,
        shipped: tuple[str, ...] = (),
    ) -> None:
        setfield(self, "kind", kind)
        setfield(self, "name", name)
        setfield(self, "file", file)
        setfield(self, "root", root)
        setfield(self, "description", description)
        setfield(self, "modes", modes)
        setfield(self, "profiles", profiles)
        setfield(self, "problem", problem)
        setfield(self, "hidden_by", hidden_by)
        setfield(self, "text", text)
        setfield(self, "path", path)
        setfield(self, "registry_root", registry_root)
        setfield(self, "shipped", shipped)


def registry_roots(inputs: Inputs) -> tuple[Path, ...]:
    """The roots a project searches; without a manifest: --registry, ./registry, built-in."""
    cwd = (inputs.cwd or Path.cwd()).resolve()
    manifest_path = _manifest_path(inputs.path, cwd, inputs.search_up)
    extra = tuple((cwd / r).resolve() for r in inputs.registries)
    if not manifest_path.is_file():
        local = manifest_path.parent / "registry"
        return extra + ((local,) if local.is_dir() else ()) + (builtin.registry_root(),)
    out = Collector()
    manifest = _load_manifest(manifest_path, inputs, cwd, out, make_cache(inputs))
    out.raise_if_any()
    assert manifest is not None
    return manifest.registry


def catalog(roots: Sequence[Path], cwd: Path, cache: Cache) -> list[CatalogEntry]:
    entries: list[CatalogEntry] = []
    winners: dict[tuple[str, str], str] = {}
    for root in roots:
        shown_root = "built-in" if root == builtin.registry_root() else display_path(root, cwd)
        for kind, folder in (("package", "packages"), ("container", "containers")):
            for path in sorted((root / folder).glob("*.yaml")):
                hidden_by = winners.get((kind, path.stem))
                entry = _entry(kind, path, shown_root, cwd, hidden_by, cache)
                winners.setdefault((kind, path.stem), entry.file)
                entries.append(entry)
    return entries


def _entry(
    kind: str, path: Path, root: str, cwd: Path, hidden_by: str | None, cache: Cache
) -> CatalogEntry:
    out = Collector()
    source = _read(path, cwd, out)
    text = source.text if source else ""
    node = None
    if source is not None and not source.blank:
        node = load_tree(source, f"{kind}s", out, cache)
    problem = out.diagnostics[0].message if out.diagnostics else None
    if source is not None and source.blank:
        problem = "empty file"
    return CatalogEntry(
        kind=kind,
        name=path.stem,
        file=display_path(path, cwd),
        root=root,
        description=_str(node, "description"),
        modes=_keys(node, "sources"),
        profiles=_keys(node, "deployment_profiles"),
        problem=problem,
        hidden_by=hidden_by,
        text=text,
        path=path,
        registry_root=path.parent.parent,
        shipped=tuple(v.text() for _, v in node["files"].items())
        if node is not None and "files" in node and node["files"].is_mapping()
        else (),
    )


def select(entries: Sequence[CatalogEntry], name: str) -> tuple[CatalogEntry, list[str]]:
    """The visible entry NAME (`package:NAME` / `container:NAME` choose the kind; a bare name
    that is both is the package, as in hsm.yaml) and the other visible kinds of that name.
    CompileError (HSM601) when there is none."""
    kind, _, bare = name.rpartition(":")
    visible = [e for e in entries if e.name == bare and e.hidden_by is None]
    chosen = [e for e in visible if e.kind == kind] if kind else visible
    if not chosen:
        if kind not in ("", "package", "container"):
            hint = "choose the kind with `package:NAME` or `container:NAME`"
        elif visible:  # the name is there, as the other kind
            hint = f"`{bare}` is a {visible[0].kind}: name it `{visible[0].kind}:{bare}`"
        else:  # the closest name of the kind asked for, else of any kind
            close = closest(bare, [e.name for e in entries if e.kind == kind]) if kind else None
            close = close or closest(bare, [e.name for e in entries])
            kinds = sorted({e.kind for e in entries if e.name == close}, key=lambda k: k != kind)
            shown = f"{kinds[0]}:{close}" if kind and kinds else close
            hint = f"did you mean `{shown}`?" if close else "see `hsmc registry list`"
        error = Diagnostic("HSM601", f"no registry entry named `{printable(name)}`", None, hint)
        raise CompileError([error])
    others = [f"{e.kind}:{e.name}" for e in visible if e is not chosen[0]]
    return chosen[0], others


def _str(node: Node | None, key: str) -> str | None:
    return node[key].text() if node is not None and key in node else None


def _keys(node: Node | None, key: str) -> tuple[str, ...]:
    if node is None or key not in node or not node[key].is_mapping():
        return ()
    return tuple(str(k.value) for k, _ in node[key].items())


def show_text(
    entry: CatalogEntry, entries: Sequence[CatalogEntry], others: Sequence[str], asked: str
) -> str:
    """What `registry show` prints: comment lines, then the entry's own text, so that the
    output pastes as one valid registry file."""
    lines = [f"# {entry.kind} `{entry.name}` from {entry.file} ({entry.root})"]
    hidden = [e for e in entries if e.kind == entry.kind and e.hidden_by == entry.file]
    lines += [f"# overrides {other.file} ({other.root})" for other in hidden]
    lines += [f"# also {other}: hsmc registry show {other}" for other in others]
    if entry.shipped:
        lines.append(f"# ships files beside it; copy them too with: hsmc registry eject {asked}")
    text = entry.text if entry.text.endswith("\n") else entry.text + "\n"
    return "\n".join(lines) + "\n" + text
