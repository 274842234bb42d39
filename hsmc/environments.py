"""Environments: one manifest, several stacks (docs/format.md §1.3, docs/architecture.md).

An environment is applied to the manifest once, early: `variant` returns the Manifest as that
environment sees it (its choices over the top level's, its output, its project name), and every
stage downstream runs on that variant exactly as on the top level, which stays the default
environment. A shared module, not a stage: it reads and makes model records only, and
hsmc/pipeline/ calls it between validate and resolve.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import TypeVar

from hsmc.errors import (
    CompileError,
    Diagnostic,
    Related,
    UsageError,
    did_you_mean,
    one_of,
    printable,
)
from hsmc.model import (
    Difference,
    Environment,
    Group,
    GroupChoice,
    Manifest,
    PackageRef,
    Project,
    Span,
    Text,
)
from hsmc.record import Record, replace, setfield

T = TypeVar("T")

# `-e default` names the top level (an environment may not take the name: validate, HSM120)
DEFAULT = "default"
# DNS-1123 label: a directory, a part of a compose project name, of a Kubernetes name
LABEL_MAX = 63


def chosen(manifest: Manifest, asked: str | None, every: bool) -> tuple[Environment | None, ...]:
    """The environments a command works on (None: the default one): `asked` alone, else the
    default and, when `every`, each environment of the manifest in file order. An unknown
    `asked` is a usage error (HSM610) that says where environments are defined."""
    if asked is None:
        return (None, *manifest.environments) if every else (None,)
    if asked == DEFAULT:
        return (None,)
    for environment in manifest.environments:
        if environment.name == asked:
            return (environment,)
    names = [e.name for e in manifest.environments]
    hint = did_you_mean(asked, [*names, DEFAULT]) or (
        one_of(names, f"environments of {manifest.file}") + f"; `{DEFAULT}` is the top level"
        if names
        else f"{manifest.file} defines no `environments:`; `{DEFAULT}` is the top level"
    )
    message = f"no environment `{printable(asked)}` in {manifest.file}"
    raise UsageError([Diagnostic("HSM610", message, manifest.environments_span, hint)])


def variant(manifest: Manifest, environment: Environment, own_output: bool) -> Manifest:
    """The manifest as `environment` sees it. Its output: `-o DIR` itself when `own_output`
    (`-e NAME -o DIR`), else its `output:`, else OUTPUT/NAME (OUTPUT: the top level's, or
    `-o DIR`: the command line wins over the manifest). Its project name is NAME-ENVIRONMENT:
    its own containers and volumes (docs/decisions.md, "Environments")."""
    output, output_span = manifest.output / environment.name, manifest.output_span
    if own_output:
        output = manifest.output
    elif manifest.output_span is not None:  # no -o
        output = environment.output or output
        output_span = environment.output_span or environment.span
    sources = {ref.name: ref.mode for ref in environment.packages}
    choices = {choice.name: choice for choice in environment.groups}
    changed = replace(
        manifest,
        name=f"{manifest.name}-{environment.name}",
        output=output,
        output_span=output_span,
        default_profile=environment.default_profile or manifest.default_profile,
        default_mode=environment.default_mode or manifest.default_mode,
        packages=tuple(_package(ref, sources.get(ref.name)) for ref in manifest.packages),
        groups=tuple(_group(group, choices.get(group.name)) for group in manifest.groups),
        targets=manifest.targets if environment.targets is None else environment.targets,
        environments=(),  # checked once, on the top level (validate)
        environment=environment.name,
    )
    return replace(changed, differences=differences(manifest, changed))


def _package(ref: PackageRef, mode: Text | None) -> PackageRef:
    return ref if mode is None else replace(ref, mode=mode)


def _group(group: Group, choice: GroupChoice | None) -> Group:
    if choice is None:
        return group
    return replace(
        group,
        selection=choice.selection or group.selection,
        profile=choice.profile or group.profile,
        mode=choice.mode or group.mode,
    )


def differences(default: Manifest, changed: Manifest) -> tuple[Difference, ...]:
    """Every setting in which `changed` differs from the top level, as each is written."""
    found = [Difference("project name", changed.name, default.name)]
    found.append(_texts("targets", changed.targets, default.targets))
    found.append(_text("defaults.profile", changed.default_profile, default.default_profile))
    found.append(_text("defaults.mode", changed.default_mode, default.default_mode))
    for new_ref, old_ref in zip(changed.packages, default.packages, strict=True):
        found.append(_text(f"package `{new_ref.name}`: mode", new_ref.mode, old_ref.mode))
    for new, old in zip(changed.groups, default.groups, strict=True):
        for key in ("selection", "profile", "mode"):
            found.append(_text(f"group `{new.name}`: {key}", getattr(new, key), getattr(old, key)))
    unique = dict.fromkeys(d for d in found if d.value != d.default)  # a package listed twice
    return tuple(unique)


def _text(setting: str, value: Text | None, default: Text | None) -> Difference:
    return Difference(setting, value.value if value else "", default.value if default else "")


def _texts(setting: str, value: tuple[Text, ...], default: tuple[Text, ...]) -> Difference:
    return Difference(
        setting, ", ".join(t.value for t in value), ", ".join(t.value for t in default)
    )


class Variant(Record):
    """The project as one environment sees it (None: the default environment)."""

    environment: Environment | None
    project: Project

    def __init__(self, environment: Environment | None, project: Project) -> None:
        setfield(self, "environment", environment)
        setfield(self, "project", project)


def variants(
    project: Project, chosen: Sequence[Environment | None], own_output: bool
) -> tuple[Variant, ...]:
    """Each chosen environment applied to `project`; `own_output`: `-o DIR` names the one
    environment asked for (`-e NAME`)."""
    return tuple(
        Variant(None, project)
        if e is None
        else Variant(e, replace(project, manifest=variant(project.manifest, e, own_output)))
        for e in chosen
    )


def each(chosen: Sequence[Variant], work: Callable[[Variant], T]) -> list[T]:
    """`work` done for every variant, all of them even when one fails; then CompileError with
    the diagnostics of all, each environment's naming it. One the default environment reports
    too is said once, as the default's (the manifest's own mistake, not the environment's)."""
    results: list[T] = []
    found: list[Diagnostic] = []
    of_default: set[Diagnostic] = set()
    for one in chosen:
        try:
            results.append(work(one))
        except CompileError as exc:
            if one.environment is None:
                of_default.update(exc.diagnostics)
                found += exc.diagnostics
            else:
                mine = [d for d in exc.diagnostics if d not in of_default]
                found += named(mine, one.environment)
    if found:
        raise CompileError(found)
    return results


def named(diagnostics: Iterable[Diagnostic], environment: Environment) -> tuple[Diagnostic, ...]:
    """The diagnostics of an environment's build, each saying which environment it is of and
    where that environment is defined (the text output shows the note, JSON the message)."""
    note = Related(f"environment `{environment.name}` is defined here", environment.span)
    return tuple(
        replace(
            d, message=f"environment `{environment.name}`: {d.message}", related=(*d.related, note)
        )
        for d in diagnostics
    )


class Planned(Record):
    """An output directory a build will write, for `clashes`."""

    environment: str | None  # None: the default environment
    target: str
    output: Path
    paths: tuple[str, ...]  # its artifacts, relative to `output`
    span: Span | None  # where the manifest sets that output (None: the command line)

    def __init__(
        self,
        environment: str | None,
        target: str,
        output: Path,
        paths: tuple[str, ...],
        span: Span | None,
    ) -> None:
        setfield(self, "environment", environment)
        setfield(self, "target", target)
        setfield(self, "output", output)
        setfield(self, "paths", paths)
        setfield(self, "span", span)


def clashes(planned: Sequence[Planned], listing: str) -> tuple[Diagnostic, ...]:
    """Two builds that would write one directory, or one that would write into a directory
    another build writes files into (`files/…`): each would take the other's files for its
    own or remove them (HSM123). A directory inside another's output is fine otherwise (the
    kubernetes target's OUTPUT/kubernetes, an environment's OUTPUT/NAME)."""
    found = []
    for i, one in enumerate(planned):
        for other in planned[:i]:
            if _overlap(one, other, listing) or _overlap(other, one, listing):
                found.append(_clash(one, other))
    return tuple(found)


def _overlap(inner: Planned, outer: Planned, listing: str) -> bool:
    if inner.output == outer.output:
        return True
    if not inner.output.is_relative_to(outer.output):
        return False
    first = inner.output.relative_to(outer.output).parts[0]
    return first in {PurePosixPath(p).parts[0] for p in (*outer.paths, listing)}


def _set(span: Span | None) -> bool:
    """Written in hsm.yaml: the default output has no `output:` (its span is 1:1)."""
    return span is not None and (span.line, span.col) != (1, 1)


def _clash(one: Planned, other: Planned) -> Diagnostic:
    where = one.span if _set(one.span) or not _set(other.span) else other.span
    message = (
        f"{_build_name(one)} and {_build_name(other)} would write one output directory"
        if one.output == other.output
        else f"{_build_name(one)} would write into the files of {_build_name(other)}"
    )
    related: tuple[Related, ...] = ()
    # the default's output at 1:1: no `output:` in hsm.yaml, nothing to point at
    if one.span is not None and other.span is not None and other.span != where and _set(other.span):
        related = (Related(f"the output of {_build_name(other)} is set here", other.span),)
    return Diagnostic(
        "HSM123",
        message,
        where,
        "give the environment an `output:` of its own (or another name)",
        related,
    )


def _build_name(build: Planned) -> str:
    name = f"environment `{build.environment}`" if build.environment else "the default environment"
    return f"the {build.target} target of {name}"
