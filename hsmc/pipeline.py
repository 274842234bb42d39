"""The one place where the stages are chained, for every flow the command line runs.

cli.py only parses arguments and prints; each command calls one function here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hsmc import observe
from hsmc.errors import CompileError, Diagnostic, did_you_mean
from hsmc.interpolate import interpolate
from hsmc.model import Artifact, CompiledStack
from hsmc.parse import Inputs as Inputs  # re-exported: cli.py imports no stage
from hsmc.parse import display_path as display_path
from hsmc.parse import load_project
from hsmc.parse.cache import Cache, cache_dir
from hsmc.parse.catalog import CatalogEntry, catalog, registry_roots
from hsmc.resolve import resolve
from hsmc.validate import missing_inputs, validate

# emit (jinja2) and write are imported where they are used: `check`, `explain` and `graph` need
# neither, and start faster without them.

# The one code that says the output directory may have been written in part (write.py).
PARTLY_WRITTEN = "HSM410"


@dataclass(frozen=True)
class Build:
    output: Path
    artifacts: tuple[Artifact, ...]
    compiled: CompiledStack


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


@dataclass(frozen=True)
class Written:
    output: Path
    artifacts: tuple[Artifact, ...]
    summary: str  # the line `hsmc build` prints


def build(inputs: Inputs, force: bool = False) -> Written:
    """compile_project, then write the artifacts. Reports what it wrote and the summary line to
    observe.py: a later build that its stamp skips (stamp.py) checks the one and prints the
    other."""
    from hsmc.write import listing, write

    result = compile_project(inputs)
    write(result.artifacts, result.output, force=force)
    written = ((a.path, a.content, a.executable) for a in result.artifacts)
    observe.outputs(result.output, written, listing(result.artifacts))
    shown = display_path(result.output, Path.cwd().resolve())
    summary = f"hsmc: wrote {len(result.artifacts)} files to {shown}"
    observe.summary(summary)
    return Written(result.output, result.artifacts, summary)


@dataclass(frozen=True)
class Staleness:
    output: Path
    report: str  # empty: up to date


def check_up_to_date(inputs: Inputs) -> Staleness:
    """`build --check`: what a build would change in the output directory; writes nothing."""
    from hsmc.write import stale_report

    result = compile_project(inputs)
    return Staleness(result.output, stale_report(result.artifacts, result.output))


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
    """The entry NAME as the project sees it, and the entries of that name it hides."""
    entries = _catalog(inputs)
    found = [e for e in entries if e.name == name]
    if not found:
        hint = did_you_mean(name, [e.name for e in entries]) or "see `hsmc registry list`"
        raise CompileError([Diagnostic("HSM601", f"no registry entry named `{name}`", None, hint)])
    parts = []
    for entry in found:
        if entry.hidden_by is not None:
            continue
        parts.append(f"# {entry.kind} `{entry.name}` from {entry.file} ({entry.root})\n")
        hidden = [e for e in found if e.kind == entry.kind and e.hidden_by == entry.file]
        parts += [f"# overrides {other.file} ({other.root})\n" for other in hidden]
        parts.append(entry.text if entry.text.endswith("\n") else entry.text + "\n")
    return "".join(parts)


def _catalog(inputs: Inputs) -> list[CatalogEntry]:
    return list(catalog(registry_roots(inputs), Path.cwd().resolve(), Cache(cache_dir())))


def init(directory: Path) -> Path:
    """Writes a starter hsm.yaml into `directory`; HSM602 when one is there already."""
    from hsmc import builtin
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
