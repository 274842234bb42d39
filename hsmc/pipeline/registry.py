"""The commands that read the registry and the format rather than build: `registry list`,
`registry show`, `registry eject`, `schema` and `init`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hsmc import builtin
from hsmc.errors import CompileError, Diagnostic
from hsmc.parse import Inputs, display_path
from hsmc.parse.cache import Cache, cache_dir

if TYPE_CHECKING:
    from hsmc.parse.catalog import CatalogEntry
    from hsmc.parse.eject import Ejection


def registry_list(inputs: Inputs) -> list[str]:
    """One line per entry visible to the project, in search order."""
    lines = []
    for entry in _catalog(inputs):
        details = []
        if entry.modes:
            details.append("modes: " + ", ".join(entry.modes))
        if entry.profiles:
            details.append("profiles: " + ", ".join(entry.profiles))
        if entry.hidden_by:
            details.append(f"hidden by {entry.hidden_by}")
        if entry.problem:
            details.append(f"invalid: {entry.problem}")
        line = f"{entry.kind:<9} {entry.name:<28} {entry.root}"
        lines.append(line + (f"  ({'; '.join(details)})" if details else ""))
    return lines


def registry_show(name: str, inputs: Inputs) -> str:
    """The entry NAME (`package:NAME` / `container:NAME` choose the kind) as the project sees
    it, ready to paste into a registry file, and the entries of that name it hides (HSM601)."""
    from hsmc.parse.catalog import select, show_text

    entries = _catalog(inputs)
    entry, others = select(entries, name)
    return show_text(entry, entries, others, name)


def registry_eject(name: str, inputs: Inputs) -> Ejection:
    """Copies the entry NAME and the files it ships into the project's own registry; when one
    of the copies exists already, nothing is written (HSM602)."""
    from hsmc.parse.eject import ejection
    from hsmc.write import create_files

    cwd = Path.cwd().resolve()
    copy = ejection(name, inputs, cwd, Cache(cache_dir()))
    taken = create_files(copy.root, copy.contents)
    if taken:
        shown = ", ".join(display_path(t, cwd) for t in taken)
        message = f"{shown} {'exists' if len(taken) == 1 else 'exist'} already; nothing was written"
        hint = "edit the copy there, or remove it to eject again"
        raise CompileError([Diagnostic("HSM602", message, None, hint)])
    return copy


def _catalog(inputs: Inputs) -> list[CatalogEntry]:
    from hsmc.parse.catalog import catalog, registry_roots

    return list(catalog(registry_roots(inputs), Path.cwd().resolve(), Cache(cache_dir())))


def schema(kind: str, where: bool = False) -> str:
    """The JSON Schema of `manifest`, `package` or `container` (hsmc/parse/jsonschema.py);
    with `where`, the path of the copy shipped with hsmc (for an editor's modeline)."""
    if where:
        return f"{builtin.schema_file(kind)}\n"
    from hsmc.parse.jsonschema import render

    return render(kind)


def init(directory: Path) -> Path:
    """Writes a starter hsm.yaml into `directory`, and the schema copy its modeline names;
    HSM602 (and nothing written) when hsm.yaml is there already."""
    from hsmc.emit.starter import starter_text
    from hsmc.parse.catalog import catalog
    from hsmc.write import create_file, write_copy

    root = builtin.registry_root()
    entries = catalog((root,), root, Cache(cache_dir()))
    packages = [(e.name, e.description) for e in entries if e.kind == "package" and not e.problem]
    target = directory / "hsm.yaml"
    if not create_file(target, starter_text(packages).encode("utf-8")):
        hint = "edit it, or remove it to start over"
        error = Diagnostic("HSM602", f"{target} exists already; nothing was written", None, hint)
        raise CompileError([error])
    write_copy(directory / builtin.SCHEMA_COPY, builtin.schema_file("manifest").read_bytes())
    return target
