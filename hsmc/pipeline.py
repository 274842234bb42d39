"""The one place where the stages are chained, for every flow the command line runs.

cli.py only parses arguments and prints; each command calls one function here. A target
(`compose`, `kubernetes`) shares parse and validate; resolve, interpolate and emit run once per
target, because where packages reach services and what a cluster refuses differ.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hsmc import builtin, observe
from hsmc.errors import Collector, CompileError, Diagnostic
from hsmc.interpolate import interpolate
from hsmc.model import Artifact, CompiledStack, Note, Project, Target
from hsmc.parse import Inputs as Inputs  # re-exported: cli.py imports no stage
from hsmc.parse import display_path as display_path
from hsmc.parse import load_project
from hsmc.parse.cache import Cache, cache_dir
from hsmc.resolve import resolve
from hsmc.validate import missing_inputs, validate

if TYPE_CHECKING:
    from hsmc.parse.catalog import CatalogEntry
    from hsmc.parse.eject import Ejection
    from hsmc.sync import Synced
    from hsmc.write import Written

# emit (jinja2) and write are imported where they are used: `check`, `explain` and `graph` need
# neither, and start faster without them; likewise what only one target or command needs (the
# kubernetes checks, the registry catalog): a compose build does not import it.

# The one code that says the output directory may have been written in part (write.py).
PARTLY_WRITTEN = "HSM410"
TARGETS = tuple(t.value for t in Target)  # the names `--target` accepts


@dataclass(frozen=True)
class Build:
    output: Path
    artifacts: tuple[Artifact, ...]
    compiled: CompiledStack
    target: Target = Target.COMPOSE
    written: Written | None = None  # set by `build`: what it did to the output directory
    messages: tuple[str, ...] = ()  # set by `build`: its warnings and summary, for stderr


def _load(inputs: Inputs) -> Project:
    """parse → validate; raises CompileError on bad input."""
    project, problems = load_project(inputs)
    validate(project, problems)
    return project


def _targets(project: Project, asked: str | None) -> tuple[Target, ...]:
    """The target asked for on the command line, else the manifest's `targets:` (in their
    order, each once; validate refused unknown names), else compose."""
    if asked is not None:
        return (Target(asked),)
    listed = dict.fromkeys(Target(t.value) for t in project.manifest.targets)
    return tuple(listed) or (Target.COMPOSE,)


def _compile_for(project: Project, target: Target) -> CompiledStack:
    """resolve → interpolate, with the checks of a target that cannot run everything compose
    runs (a cluster: names, build sources, bind mounts, references Kubernetes leaves as is)."""
    stack = resolve(project, target)
    if target is not Target.KUBERNETES:
        return interpolate(stack)
    from hsmc.targets.kubernetes.checks import check_kubernetes, check_kubernetes_values

    out = Collector()
    check_kubernetes(stack, out)
    out.raise_if_any()
    compiled = interpolate(stack)
    check_kubernetes_values(compiled, out)
    out.raise_if_any()
    return compiled


def compile_stack(inputs: Inputs, target: str | None = None) -> CompiledStack:
    """parse → validate → resolve → interpolate for `target`, else for the manifest's first
    target; raises CompileError on bad input."""
    project = _load(inputs)
    return _compile_for(project, _targets(project, target)[0])


def compile_project(inputs: Inputs, target: str = Target.COMPOSE.value) -> Build:
    """The stack of one target, then its artifacts (nothing is written)."""
    return _emitted(_load(inputs), Target(target), inputs.output is not None)


def compile_targets(inputs: Inputs, target: str | None = None) -> tuple[Build, ...]:
    """The artifacts of `target`, else of each of the manifest's targets."""
    project = _load(inputs)
    named = inputs.output is not None and target is not None
    return tuple(_emitted(project, t, named) for t in _targets(project, target))


def _emitted(project: Project, target: Target, output_named: bool) -> Build:
    compiled = _compile_for(project, target)
    output = project.manifest.output
    if target is Target.KUBERNETES:
        from hsmc.targets.kubernetes.emit import emit_kubernetes

        # `-o DIR` with `--target kubernetes` names the directory itself; otherwise the
        # cluster's artifacts live below the compose ones, in a directory of their own
        directory = output if output_named else output / target.value
        return Build(directory, emit_kubernetes(compiled), compiled, target)
    from hsmc.targets.compose.emit import emit

    return Build(output, emit(compiled), compiled, target)


def build(inputs: Inputs, force: bool = False, target: str | None = None) -> tuple[Build, ...]:
    """Every target's artifacts are compiled before the first is written: bad input for one
    target leaves every output directory untouched. Each result's `messages` are the lines
    `hsmc build` prints for it: the first's start with a warning per note of the stack (the
    notes are the same stack's on every target: said once; each STACK.md has them too), then
    each its summary. Reports what it wrote and the lines a rebuild that changes nothing prints
    to observe.py: a later build that its stamp skips (stamp.py) checks the one and prints the
    other, as the full build would: every output directory, in the order written."""
    from hsmc.write import Written, listing, write

    results = compile_targets(inputs, target)
    cwd = Path.cwd().resolve()
    built: list[Build] = []
    unchanged_lines: list[str] = []
    for i, r in enumerate(results):
        written = write(r.artifacts, r.output, force=force)
        shown = display_path(r.output, cwd)
        warnings = tuple(_warning(note) for note in r.compiled.stack.notes) if i == 0 else ()
        # what a stamped build prints when nothing changed: the output of this build run again
        unchanged = Written(0, len(r.artifacts), 0)
        observe.outputs(r.output, _contents(r.artifacts), listing(r.artifacts))
        unchanged_lines += [*warnings, f"hsmc: {unchanged.summary(shown)}"]
        messages = (*warnings, f"hsmc: {written.summary(shown)}")
        built.append(Build(r.output, r.artifacts, r.compiled, r.target, written, messages))
    observe.summary(unchanged_lines)
    return tuple(built)


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


def check_up_to_date(inputs: Inputs, target: str | None = None) -> tuple[Staleness, ...]:
    """`build --check`: what a build would change in each target's output directory; writes
    nothing."""
    from hsmc.write import stale_report

    staleness = []
    for result in compile_targets(inputs, target):
        stale = stale_report(result.artifacts, result.output)
        staleness.append(Staleness(result.output, stale.report, stale.edited))
    return tuple(staleness)


def check(
    inputs: Inputs, env_file: Path | None, target: str | None = None
) -> tuple[Diagnostic, ...]:
    """`check`: every diagnostic of the project for each target; with `env_file`, the run-time
    inputs it does not set (on Kubernetes the optional ones too: it has no defaults) and the
    values it gives that would break a URL (HSM501, HSM502). A diagnostic two targets find is
    reported once."""
    from hsmc.parse.envfile import defined_names, url_unsafe_names
    from hsmc.validate.env_file import url_inputs, url_unsafe_inputs

    try:
        project = _load(inputs)
        stacks = [(t, _compile_for(project, t)) for t in _targets(project, target)]
    except CompileError as exc:
        return exc.diagnostics
    if env_file is None:
        return ()
    shown = display_path(env_file.resolve(), Path.cwd().resolve())
    defined, unsafe_names = defined_names(env_file, shown), url_unsafe_names(env_file, shown)
    found: dict[Diagnostic, None] = {}
    for t, compiled in stacks:
        found.update(
            dict.fromkeys(missing_inputs(compiled.inputs, defined, shown, t is Target.KUBERNETES))
        )
        found.update(dict.fromkeys(url_unsafe_inputs(url_inputs(compiled), unsafe_names, shown)))
    return tuple(sorted(found, key=Diagnostic.sort_key))


def explain(name: str, inputs: Inputs, target: str | None = None) -> str:
    from hsmc.explain import explain as run_explain

    return run_explain(name, compile_stack(inputs, target))


def graph(inputs: Inputs, fmt: str, target: str | None = None) -> str:
    """The resolved stack as `mermaid`, `dot` or `json` (docs/graph.md)."""
    from hsmc.emit import graph as graphs

    compiled = compile_stack(inputs, target)
    if fmt == "json":
        return graphs.as_json(compiled)
    stack = compiled.stack
    return (graphs.mermaid(stack) if fmt == "mermaid" else graphs.dot(stack)) + "\n"


def sync(inputs: Inputs, uv_args: Sequence[str], say: Callable[[str], None]) -> Synced:
    """`sync`: build when the output directory is stale (refusing hand edits as `build` does),
    then install requirements.txt with uv as install.sh does (hsmc/sync.py). Only the compose
    target is built, whatever `targets:` lists: installing needs requirements.txt, which the
    compose output directory holds; a cluster's manifests are not needed to install."""
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
    """Writes a starter hsm.yaml into `directory`; HSM602 when one is there already."""
    from hsmc.emit.starter import starter_text
    from hsmc.parse.catalog import catalog
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
