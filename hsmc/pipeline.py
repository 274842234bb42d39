"""The one place where the stages are chained, for every flow the command line runs.

cli.py only parses arguments and prints; each command calls one function here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hsmc import builtin, observe
from hsmc.errors import CompileError, Diagnostic
from hsmc.interpolate import interpolate
from hsmc.model import Artifact, CompiledStack, Note
from hsmc.parse import Inputs as Inputs  # re-exported: cli.py imports no stage
from hsmc.parse import display_path as display_path
from hsmc.parse import load_project
from hsmc.parse.cache import Cache, cache_dir
from hsmc.parse.catalog import CatalogEntry, catalog, registry_roots, select, show_text
from hsmc.resolve import resolve
from hsmc.validate import missing_inputs, validate

if TYPE_CHECKING:
    from hsmc.parse.eject import Ejection
    from hsmc.sync import Synced
    from hsmc.write import Written

# emit (jinja2) and write are imported where they are used: `check`, `explain` and `graph` need
# neither, and start faster without them.

# The one code that says the output directory may have been written in part (write.py).
PARTLY_WRITTEN = "HSM410"


@dataclass(frozen=True)
class Build:
    output: Path
    artifacts: tuple[Artifact, ...]
    compiled: CompiledStack
    written: Written | None = None  # set by `build`: what it did to the output directory
    messages: tuple[str, ...] = ()  # set by `build`: its warnings and summary, for stderr


def compile_stack(inputs: Inputs) -> CompiledStack:
    """parse → validate → resolve → interpolate; raises CompileError on bad input."""
    project, problems = load_project(inputs)
    validate(project, problems)
    return interpolate(resolve(project))


def compile_project(inputs: Inputs) -> Build:
    """compile_stack, then emit the artifacts (nothing is written)."""
    from hsmc.emit import emit

    compiled = compile_stack(inputs)
    return Build(compiled.stack.manifest.output, emit(compiled), compiled)


def build(inputs: Inputs, force: bool = False) -> Build:
    """compile_project, then write the artifacts; `messages` are the lines `hsmc build` prints
    (a warning per note of the stack, then the summary). Reports what it wrote and the lines a
    rebuild that changes nothing prints to observe.py: a later build that its stamp skips
    (stamp.py) checks the one and prints the other, as the full build would."""
    from hsmc.write import Written, listing, write

    result = compile_project(inputs)
    written = write(result.artifacts, result.output, force=force)
    shown = display_path(result.output, Path.cwd().resolve())
    warnings = tuple(_warning(note) for note in result.compiled.stack.notes)
    # what a stamped build prints when nothing changed: the output of this build run again
    unchanged = Written(0, len(result.artifacts), 0)
    observe.outputs(result.output, _contents(result.artifacts), listing(result.artifacts))
    observe.summary((*warnings, f"hsmc: {unchanged.summary(shown)}"))
    messages = (*warnings, f"hsmc: {written.summary(shown)}")
    return Build(result.output, result.artifacts, result.compiled, written, messages)


def _warning(note: Note) -> str:
    """A note of the stack (also in STACK.md) as a warning line: never dropped silently."""
    where = f" ({note.span.file}:{note.span.line})" if note.span else ""
    return f"hsmc: warning: {note.message}{where}"


def _contents(artifacts: Sequence[Artifact]) -> list[tuple[str, bytes, bool]]:
    return [(a.path, a.content, a.executable) for a in artifacts]


@dataclass(frozen=True)
class Staleness:
    output: Path
    report: str  # empty: up to date
    edited: tuple[str, ...] = ()  # generated files edited by hand (a plain build refuses them)


def check_up_to_date(inputs: Inputs) -> Staleness:
    """`build --check`: what a build would change in the output directory; writes nothing."""
    from hsmc.write import stale_report

    result = compile_project(inputs)
    stale = stale_report(result.artifacts, result.output)
    return Staleness(result.output, stale.report, stale.edited)


def check(inputs: Inputs, env_file: Path | None) -> tuple[Diagnostic, ...]:
    """`check`: every diagnostic of the project; with `env_file`, the required run-time inputs
    it does not set and the values it gives that would break a URL (HSM501, HSM502)."""
    from hsmc.parse.envfile import defined_names, url_unsafe_names
    from hsmc.validate_urls import url_inputs, url_unsafe_inputs

    try:
        compiled = compile_stack(inputs)
    except CompileError as exc:
        return exc.diagnostics
    if env_file is None:
        return ()
    shown = display_path(env_file.resolve(), Path.cwd().resolve())
    missing = missing_inputs(compiled.inputs, defined_names(env_file, shown), shown)
    urls = url_inputs(compiled)
    unsafe = url_unsafe_inputs(urls, url_unsafe_names(env_file, shown), shown)
    return tuple(sorted((*missing, *unsafe), key=Diagnostic.sort_key))


def explain(name: str, inputs: Inputs) -> str:
    from hsmc.explain import explain as run_explain

    return run_explain(name, compile_stack(inputs))


def graph(inputs: Inputs, fmt: str) -> str:
    """The resolved stack as `mermaid`, `dot` or `json` (docs/graph.md)."""
    from hsmc import graph as graphs

    compiled = compile_stack(inputs)
    if fmt == "json":
        return graphs.as_json(compiled)
    stack = compiled.stack
    return (graphs.mermaid(stack) if fmt == "mermaid" else graphs.dot(stack)) + "\n"


def sync(inputs: Inputs, uv_args: Sequence[str], say: Callable[[str], None]) -> Synced:
    """`sync`: build when the output directory is stale (refusing hand edits as `build` does),
    then install requirements.txt with uv as install.sh does (hsmc/sync.py)."""
    from hsmc.sync import install
    from hsmc.write import stale_report, write

    result = compile_project(inputs)
    stale = bool(stale_report(result.artifacts, result.output).report)
    if stale:
        write(result.artifacts, result.output)
    project = result.compiled.stack.manifest.directory
    return install(project, result.output, stale, uv_args, say)


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
    taken = create_files(dict(copy.contents))
    if taken:
        shown = ", ".join(display_path(t, cwd) for t in taken)
        message = f"{shown} {'exists' if len(taken) == 1 else 'exist'} already; nothing was written"
        hint = "edit the copy there, or remove it to eject again"
        raise CompileError([Diagnostic("HSM602", message, None, hint)])
    return copy


def _catalog(inputs: Inputs) -> list[CatalogEntry]:
    return list(catalog(registry_roots(inputs), Path.cwd().resolve(), Cache(cache_dir())))


def schema(kind: str, where: bool = False) -> str:
    """The JSON Schema of `manifest`, `package` or `container` (hsmc/parse/jsonschema.py);
    with `where`, the path of the copy shipped with hsmc (for an editor's modeline)."""
    if where:
        return f"{builtin.schema_file(kind)}\n"
    from hsmc.parse.jsonschema import render

    return render(kind)


def init(directory: Path) -> Path:
    """Writes a starter hsm.yaml into `directory`; HSM602 when one is there already."""
    from hsmc.emit import starter_text
    from hsmc.write import create_file

    root = builtin.registry_root()
    entries = catalog((root,), root, Cache(cache_dir()))
    packages = [(e.name, e.description) for e in entries if e.kind == "package" and not e.problem]
    target = directory / "hsm.yaml"
    if not create_file(target, starter_text(packages).encode("utf-8")):
        hint = "edit it, or remove it to start over"
        error = Diagnostic("HSM602", f"{target} exists already; nothing was written", None, hint)
        raise CompileError([error])
    return target


def output_untouched(diagnostics: tuple[Diagnostic, ...], writes: bool) -> bool:
    """Whether a failed command left the output directory as it was (the report says so)."""
    return writes and all(d.code != PARTLY_WRITTEN for d in diagnostics)


def os_error(exc: OSError) -> Diagnostic:
    """A file the system refused, somewhere no located diagnostic covers (HSM009)."""
    name = exc.filename
    shown = display_path(Path(os.fsdecode(name)), Path.cwd()) if name is not None else "a file"
    return Diagnostic(
        "HSM009",
        f"cannot access {shown}: {exc.strerror or exc}",
        None,
        "check the path and its permissions",
    )
