"""The one place where the stages are chained, for every flow the command line runs.

cli.py only parses arguments and prints; each command calls one function here. Parse runs
once; validate once on the top level and once on each environment's variant of the manifest
(hsmc/environments.py); resolve, interpolate and emit run once per environment and target
(hsmc/targets/), because where packages reach services, what a place refuses and which inputs
its files read differ. No target is named here: each comes from the registry and is used
through its protocol.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hsmc import builtin, environments, observe, targets
from hsmc.environments import Variant
from hsmc.errors import Collector, CompileError, Diagnostic, UsageError
from hsmc.inputs import Use, collect_inputs
from hsmc.interpolate import interpolate
from hsmc.model import Artifact, Note, Project, Reach, RuntimeInput
from hsmc.parse import Inputs as Inputs  # re-exported: cli.py imports no stage
from hsmc.parse import display_path as display_path
from hsmc.parse import load_project
from hsmc.record import Record, replace, setfield
from hsmc.report import render_warning
from hsmc.resolve import resolve
from hsmc.targets import Target
from hsmc.validate import validate
from hsmc.workload import CompiledStack

if TYPE_CHECKING:
    from hsmc.write import Written

# emit (jinja2) and write are imported where they are used: `check`, `explain` and `graph` need
# neither, and start faster without them; likewise what only one target or command needs (a
# target's checks and emitter, the registry catalog): a compose build loads no other target.

# The one code that says the output directory may have been written in part (write.py).
PARTLY_WRITTEN = "HSM410"


class ForTarget(Record):
    """A stack compiled for one target: its workloads, the values its artifacts write and the
    run-time inputs in them."""

    target: Target
    compiled: CompiledStack
    uses: tuple[Use, ...]
    inputs: tuple[RuntimeInput, ...]

    def __init__(
        self,
        target: Target,
        compiled: CompiledStack,
        uses: tuple[Use, ...],
        inputs: tuple[RuntimeInput, ...],
    ) -> None:
        setfield(self, "target", target)
        setfield(self, "compiled", compiled)
        setfield(self, "uses", uses)
        setfield(self, "inputs", inputs)


class Build(Record):
    output: Path
    artifacts: tuple[Artifact, ...]
    compiled: CompiledStack
    target: str
    inputs: tuple[RuntimeInput, ...]  # the target's run-time inputs (its .env.template)
    written: Written | None  # set by `build`: what it did to the output directory
    messages: tuple[str, ...]  # set by `build`: its warnings and summary, for stderr

    def __init__(
        self,
        output: Path,
        artifacts: tuple[Artifact, ...],
        compiled: CompiledStack,
        target: str,
        inputs: tuple[RuntimeInput, ...],
        written: Written | None = None,
        messages: tuple[str, ...] = (),
    ) -> None:
        setfield(self, "output", output)
        setfield(self, "artifacts", artifacts)
        setfield(self, "compiled", compiled)
        setfield(self, "target", target)
        setfield(self, "inputs", inputs)
        setfield(self, "written", written)
        setfield(self, "messages", messages)


class Checked(Record):
    """What `check` found: errors (exit 1 when any), and the warnings `build` would print."""

    diagnostics: tuple[Diagnostic, ...]
    warnings: tuple[Note, ...]

    def __init__(self, diagnostics: tuple[Diagnostic, ...], warnings: tuple[Note, ...]) -> None:
        setfield(self, "diagnostics", diagnostics)
        setfield(self, "warnings", warnings)


def _load(
    inputs: Inputs, environment: str | None = None, every: bool = False
) -> tuple[Variant, ...]:
    """parse → validate, then each environment's variant validated too (a mistake in any
    environment is a mistake of hsm.yaml, whichever one is built); returns the variants asked
    for: `environment` (None: the default), or with `every` the default and each environment.
    Raises CompileError on bad input, UsageError (HSM610) on an unknown `environment`."""
    project, problems = load_project(inputs)
    chosen = environments.chosen(project.manifest, environment, every)
    validate(project, problems, targets.NAMES)
    own = inputs.output is not None and environment is not None
    every_one = environments.variants(project, project.manifest.environments, own_output=False)
    environments.each(every_one, lambda v: validate(v.project, (), targets.NAMES))
    return environments.variants(project, chosen, own_output=own)


def _targets(project: Project, asked: str | None) -> tuple[Target, ...]:
    """The target asked for on the command line, else the manifest's `targets:` (in their
    order, each once; validate refused unknown names), else the default."""
    if asked is not None:
        return (targets.get(asked),)
    listed = dict.fromkeys(t.value for t in project.manifest.targets) or (targets.DEFAULT,)
    return tuple(targets.get(name) for name in listed)


def _compile_for(project: Project, target: Target) -> ForTarget:
    """resolve → the target's checks → interpolate → the target's checks of the workloads."""
    stack = resolve(project, target.reach)
    out = Collector()
    target.check(stack, out)
    out.raise_if_any()
    compiled = interpolate(stack)
    target.check_workloads(compiled, out)
    out.raise_if_any()
    uses = tuple(target.uses(compiled))
    return ForTarget(target, compiled, uses, collect_inputs(uses))


def compile_stack(
    inputs: Inputs, target: str | None = None, environment: str | None = None
) -> ForTarget:
    """parse → validate → resolve → interpolate for `target`, else for the first target of
    `environment` (None: the default one); raises CompileError on bad input."""
    chosen = _load(inputs, environment)
    done = environments.each(
        chosen, lambda v: _compile_for(v.project, _targets(v.project, target)[0])
    )
    return done[0]


def compile_project(
    inputs: Inputs, target: str | None = None, environment: str | None = None
) -> Build:
    """The stack of one target (the default when None) in one environment (the default when
    None), then its artifacts (nothing is written)."""
    chosen = targets.get(target or targets.DEFAULT)
    output_named = inputs.output is not None
    done = environments.each(
        _load(inputs, environment), lambda v: _emitted(v.project, chosen, output_named)
    )
    return done[0]


def compile_targets(
    inputs: Inputs, target: str | None = None, environment: str | None = None
) -> tuple[Build, ...]:
    """The artifacts of `target`, else of each target an environment lists, in `environment`
    (`default`: the top level), else in the default and every environment; every one compiled
    before any is written, and refused (HSM123) when two would write one directory."""
    from hsmc.ownership import MANIFEST

    named = inputs.output is not None and target is not None
    chosen = _load(inputs, environment, every=True)
    done = environments.each(
        chosen, lambda v: [_emitted(v.project, t, named) for t in _targets(v.project, target)]
    )
    builds = tuple(b for one in done for b in one)
    clashes = environments.clashes([_planned(b) for b in builds], MANIFEST)
    if clashes:
        raise CompileError(clashes)
    if target is not None:
        refuse_the_usual_outputs(inputs, builds)
    return builds


def refuse_the_usual_outputs(inputs: Inputs, builds: Sequence[Build]) -> None:
    """Builds outside what a plain `hsmc build` writes (`--target`, and the host output `sync`
    and `run` build for an environment that does not list it) refused (HSM123) when one would
    write a directory the plain build writes for another environment or target: each would
    take the other's files for its own. `-o DIR` is the user's choice of directory."""
    from hsmc.ownership import MANIFEST

    if inputs.output is not None:
        return
    mine = [_planned(b) for b in builds]
    ours = {(p.environment, p.target) for p in mine}
    usual = [
        environments.Planned(
            v.project.manifest.environment,
            t.name,
            t.output(v.project.manifest.output, False),
            (),
            v.project.manifest.output_span,
        )
        for v in _load(inputs, None, every=True)
        for t in _targets(v.project, None)
    ]
    others = [p for p in usual if (p.environment, p.target) not in ours]
    clashes = environments.clashes([*others, *mine], MANIFEST)
    if clashes:
        raise CompileError(clashes)


def _planned(build: Build) -> environments.Planned:
    manifest = build.compiled.stack.manifest
    paths = tuple(a.path for a in build.artifacts)
    return environments.Planned(
        manifest.environment, build.target, build.output, paths, manifest.output_span
    )


def _clashes(
    inputs: Inputs, every: Sequence[Sequence[ForTarget]], target: str | None
) -> tuple[Diagnostic, ...]:
    """What `build` would refuse as HSM123 for these compiled stacks (their artifacts emitted,
    not written): `check` says it too."""
    from hsmc.ownership import MANIFEST

    builds = [
        _emit(one, inputs.output is not None and target is not None) for s in every for one in s
    ]
    found = environments.clashes([_planned(b) for b in builds], MANIFEST)
    if found or target is None:
        return found
    try:
        refuse_the_usual_outputs(inputs, builds)
    except CompileError as exc:
        return exc.diagnostics
    return ()


def _emitted(project: Project, target: Target, output_named: bool) -> Build:
    return _emit(_compile_for(project, target), output_named)


def _emit(done: ForTarget, output_named: bool) -> Build:
    # `-o DIR` with `--target` names the target's directory itself
    output = done.target.output(done.compiled.stack.manifest.output, output_named)
    artifacts = done.target.emit(done.compiled, done.inputs)
    return Build(output, artifacts, done.compiled, done.target.name, done.inputs)


def build(
    inputs: Inputs,
    force: bool = False,
    target: str | None = None,
    environment: str | None = None,
) -> tuple[Build, ...]:
    """Every environment's and target's artifacts are compiled before the first is written:
    bad input for one leaves every output directory untouched. Each result's `messages` are
    the lines `hsmc build` prints for it: the first of each environment's start with a warning
    per note of its stack (the same stack's on every target: said once; each STACK.md has them
    too; an environment's that the default environment has already said are not repeated),
    then each its summary. Reports what it wrote and the lines a rebuild that changes nothing
    prints to observe.py: a later build that its stamp skips (stamp.py) checks the one and
    prints the other, as the full build would: every output directory, in the order written.
    Last, the project's schema copy (`hsmc init`) is brought in line with the installed
    hsmc's."""
    from hsmc.write import Written, check_writable, listing, write

    results = compile_targets(inputs, target, environment)
    if len(results) > 1:  # each directory's refusals before the first is written
        refused: list[Diagnostic] = []
        for r in results:
            try:
                check_writable(r.artifacts, r.output, force=force)
            except CompileError as exc:
                refused += exc.diagnostics
        if refused:
            raise CompileError(refused)
    cwd = Path.cwd().resolve()
    built: list[Build] = []
    unchanged_lines: list[str] = []
    said: set[Note] = set()
    for i, r in enumerate(results):
        written = write(r.artifacts, r.output, force=force)
        shown = display_path(r.output, cwd)
        manifest = r.compiled.stack.manifest
        first = i == 0 or results[i - 1].compiled.stack.manifest.environment != manifest.environment
        warnings = tuple(render_warning(n) for n in _warnings(r.compiled, said)) if first else ()
        # what a stamped build prints when nothing changed: the output of this build run again
        unchanged = Written(0, len(r.artifacts), 0)
        observe.outputs(r.output, _contents(r.artifacts), listing(r.artifacts))
        unchanged_lines += [*warnings, f"hsmc: {unchanged.summary(shown)}"]
        messages = (*warnings, f"hsmc: {written.summary(shown)}")
        built.append(
            Build(r.output, r.artifacts, r.compiled, r.target, r.inputs, written, messages)
        )
    if results and target is None and environment is None:
        abandoned = [display_path(a, cwd) for a in _abandoned(inputs, results)]
        left = tuple(render_warning(_abandoned_note(shown)) for shown in abandoned)
        unchanged_lines += left
        built[-1] = replace(built[-1], messages=(*built[-1].messages, *left))
    observe.summary(unchanged_lines)
    if results:  # after every write succeeded: a build that fails writes nothing
        refreshed = _refresh_schema_copy(results[0].compiled.stack.manifest.directory)
        built[-1] = replace(built[-1], messages=(*built[-1].messages, *refreshed))
    return tuple(built)


def _refresh_schema_copy(project: Path) -> tuple[str, ...]:
    """The project's copy of the manifest's schema (`hsmc init` writes it for the modeline),
    rewritten when it differs from the installed hsmc's; a project without one gets none."""
    from hsmc.write import refresh_copy

    copy = project / builtin.SCHEMA_COPY
    if not refresh_copy(copy, builtin.schema_file("manifest").read_bytes()):
        return ()
    return (f"hsmc: updated {display_path(copy, Path.cwd().resolve())} to this hsmc's schema",)


def _warnings(compiled: CompiledStack, said: set[Note]) -> list[Note]:
    """The notes of a stack (also in STACK.md), each named by its environment, that `said` (the
    ones printed already, which this adds to) does not hold: never dropped silently, said once.
    """
    environment = compiled.stack.manifest.environment
    of = f"environment `{environment}`: " if environment else ""
    fresh = [n for n in compiled.stack.notes if n not in said]
    said.update(fresh)
    return [Note(f"{of}{n.message}", n.span) for n in fresh]


def _contents(artifacts: Sequence[Artifact]) -> list[tuple[str, bytes, bool]]:
    return [(a.path, a.content, a.executable) for a in artifacts]


class Staleness(Record):
    output: Path
    report: str  # empty: up to date
    edited: tuple[str, ...]  # generated files edited by hand (a plain build refuses them)
    abandoned: bool  # an earlier build's output that no build writes now (remove it)

    def __init__(
        self, output: Path, report: str, edited: tuple[str, ...] = (), abandoned: bool = False
    ) -> None:
        setfield(self, "output", output)
        setfield(self, "report", report)
        setfield(self, "edited", edited)
        setfield(self, "abandoned", abandoned)


def check_up_to_date(
    inputs: Inputs, target: str | None = None, environment: str | None = None
) -> tuple[Staleness, ...]:
    """`build --check`: what a build would change in each output directory (each environment's,
    each target's), then the output directories of earlier builds that no build writes now
    (`abandoned`: a build leaves them, and says so); writes nothing."""
    from hsmc.write import stale_report

    staleness = []
    results = compile_targets(inputs, target, environment)
    for result in results:
        stale = stale_report(result.artifacts, result.output)
        staleness.append(Staleness(result.output, stale.report, stale.edited))
    if target is None and environment is None:
        staleness += [Staleness(a, "", abandoned=True) for a in _abandoned(inputs, results)]
    return tuple(staleness)


def _abandoned(inputs: Inputs, results: Sequence[Build]) -> list[Path]:
    """Directories below an output directory of this project that hold an earlier build's
    `.hsmc-generated` and that no build of hsm.yaml writes now, nor `sync`/`run` for an
    environment (its compose output): an environment removed or renamed, a target no longer
    listed. A plain build of everything only (`-o DIR`, `-e`, `--target` build a part)."""
    from hsmc.ownership import MANIFEST

    if inputs.output is not None:
        return []
    host = next(t for t in (targets.get(n) for n in targets.NAMES) if t.reach is Reach.HOST)
    known = {r.output for r in results}
    known |= {host.output(r.compiled.stack.manifest.output, False) for r in results}
    found = []
    for parent in sorted(known):
        for child in observe.glob(parent, "*"):  # "*/" would be replayed as "*" (stamp.py)
            if child not in known and observe.is_file(child / MANIFEST):
                found.append(child)
    return sorted(set(found))


def _abandoned_note(shown: str) -> Note:
    return Note(
        f"{shown} holds the output of an earlier build that no environment or target of "
        "hsm.yaml writes now: remove the files its .hsmc-generated lists, and that file "
        "(hsmc leaves them as they are)",
        None,
    )


def check(
    inputs: Inputs,
    env_file: Path | None,
    target: str | None = None,
    environment: str | None = None,
) -> Checked:
    """`check`: every diagnostic of the project for each environment (`environment` alone when
    given) and target; with `env_file`, for the targets of `environment` (None: the
    environment and target whose output directory holds the file, else the default
    environment's: a `.env` belongs to one output), read as each target's consumer reads it (its
    `env_dialect`: Docker Compose, or Kustomize, whose different readings are refused), the
    run-time inputs of each target that it does not set (where the target's consumer applies
    no defaults, the optional ones too, and those it sets empty where compose would take a
    default: HSM711), the values it gives that would break a URL (HSM501, HSM502), and what a
    target refuses once the values are known (host ports moved onto each other, HSM408). A
    diagnostic two targets find is reported once. The warnings are those `build` prints (the
    notes of each environment's stack), when the project compiles."""
    from hsmc.parse.envfile import read_env_file
    from hsmc.validate.env_file import (
        empty_with_default,
        missing_inputs,
        url_inputs,
        url_unsafe_inputs,
    )

    try:
        chosen = _load(inputs, environment, every=True)
        every = environments.each(
            chosen, lambda v: [_compile_for(v.project, t) for t in _targets(v.project, target)]
        )
    except UsageError:
        raise
    except CompileError as exc:
        return Checked(exc.diagnostics, ())
    clashes = _clashes(inputs, every, target)
    if clashes:
        return Checked(clashes, ())
    said: set[Note] = set()
    warnings = tuple(w for stacks in every for w in _warnings(stacks[0].compiled, said))
    if env_file is None:
        return Checked((), warnings)
    project, stacks = chosen[0].project, every[0]
    if environment is None and target is None:  # the output that holds the file, if one does
        directory = Path(os.path.realpath(env_file)).parent
        for variant, dones in zip(chosen, every, strict=True):
            for done in dones:
                if done.target.output(variant.project.manifest.output, False) == directory:
                    project, stacks = variant.project, [done]
    cwd = Path.cwd().resolve()
    shown = display_path(env_file.resolve(), cwd)
    found: dict[Diagnostic, None] = {}
    for done in stacks:
        output = done.target.output(project.manifest.output, False)
        template = display_path(_template(env_file, output), cwd)
        try:
            facts = read_env_file(env_file, shown, done.target.env_dialect, os.environ, template)
        except CompileError as exc:  # the target's consumer cannot read it: nothing to judge
            return Checked(exc.diagnostics, warnings)
        missing = missing_inputs(done.inputs, facts.nonempty, shown, done.target.no_defaults)
        unsafe = url_unsafe_inputs(url_inputs(done.uses), set(facts.url_unsafe), shown)
        if done.target.no_defaults:
            unsafe += empty_with_default(done.uses, facts.nonempty, shown)
        refused = done.target.check_env(done.compiled, facts.nonempty, facts.ports)
        found.update(dict.fromkeys((*facts.problems, *missing, *unsafe, *refused)))
    return Checked(tuple(sorted(found, key=Diagnostic.sort_key)), warnings)


def _template(env_file: Path, output: Path) -> Path:
    """The .env.template a missing .env is copied from: the one beside it, else the output's."""
    beside = env_file.parent / ".env.template"
    return beside if beside.is_file() else output / ".env.template"


def explain(
    name: str, inputs: Inputs, target: str | None = None, environment: str | None = None
) -> str:
    from hsmc.explain import explain as run_explain

    chosen = _load(inputs, environment)
    done = environments.each(
        chosen, lambda v: _compile_for(v.project, _targets(v.project, target)[0])
    )[0]
    compiled, artifact = done.compiled, done.target.artifact
    return run_explain(name, compiled, artifact, done.inputs, done.uses, chosen[0].environment)


def graph(
    inputs: Inputs, fmt: str, target: str | None = None, environment: str | None = None
) -> str:
    """The resolved stack as `mermaid`, `dot` or `json` (docs/graph.md)."""
    from hsmc.emit import graph as graphs

    stack = compile_stack(inputs, target, environment).compiled.stack
    if fmt == "json":
        return graphs.as_json(stack)
    return (graphs.mermaid(stack) if fmt == "mermaid" else graphs.dot(stack)) + "\n"


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
