"""Validate stage: names, modes, profiles, cycles, secrets and the output directory.

Every check runs and adds to one Collector, so a project with three mistakes gets three
diagnostics in one run. Checks that need the resolved stack (env conflicts, ${…} references)
live in resolve and interpolate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from hsmc.errors import Collector, Diagnostic, Related, did_you_mean, one_of, printable
from hsmc.keys import COMPOSE_SERVICE_KEYS
from hsmc.model import (
    ContainerEntry,
    Implication,
    PackageEntry,
    Project,
    Setting,
    Span,
    TargetKind,
    Text,
)
from hsmc.validate.entries import check_entries, check_names, valid_patterns
from hsmc.validate.environments import check_environments
from hsmc.validate.hints import ENTRY_NAME, new_package_hint
from hsmc.validate.secrets import check_secrets, mask_secrets
from hsmc.validate.values import check_values


def validate(
    project: Project, problems: Iterable[Diagnostic] = (), targets: tuple[str, ...] = ()
) -> None:
    """Raises CompileError with `problems` (from parse) and everything wrong found here.
    `targets`: the names `targets:` may list (the registry's; the pipeline passes them)."""
    out = Collector()
    out.extend(problems)
    _check_not_empty(project, out)
    _check_manifest_packages(project, out)
    _check_groups(project, out)
    for package in project.packages.values():
        _check_implications(package.implies, project, out)
        _check_default(package.default_source, list(package.modes), "modes", out)
    for container in project.containers.values():
        _check_implications(container.implies, project, out)
        for imp in container.implies:
            if imp.kind is TargetKind.PACKAGE:
                out.add(
                    "HSM111",
                    f"container `{container.name}` implies package `{imp.target}`",
                    imp.span,
                    "a container can only imply containers (the services it needs); list the "
                    "package in hsm.yaml or imply it from a package entry",
                )
        _check_default(container.default_source, list(container.modes), "modes", out)
        names = [p.name for p in container.profiles]
        _check_default(container.default_profile, names, "profiles", out)
    _check_cycles(project, out)
    check_entries(project, out)
    check_names(project, out)
    _check_params(project, out)
    _check_overrides(project, out)
    check_secrets(project, out)
    check_values(project, out)
    _check_output(project, out)
    _check_targets(project, targets, out)
    check_environments(project.manifest, out)
    out.diagnostics = mask_secrets(out.diagnostics)
    out.raise_if_any()


def _unknown(
    kind: str, name: str, span: Span, project: Project, out: Collector, available: tuple[str, ...]
) -> None:
    if name in available:
        return  # the entry exists but could not be parsed: parse reported why
    code = "HSM103" if kind == "package" else "HSM104"
    hint = did_you_mean(name, available) or one_of(available, f"{kind}s")
    if len(available) > 12 and not hint.startswith("did you mean"):
        hint = f"no {kind} of that name in the registry roots ({len(available)} {kind}s defined)"
    if kind == "package" and ENTRY_NAME.fullmatch(name):
        hint += (" " if hint.endswith("?") else ". ") + new_package_hint(name, project.manifest)
    out.add(code, f"unknown {kind} `{name}`", span, hint)


_EMPTY_HINT = (
    "list the packages you use under `packages:`, or groups under `services: container_groups:`"
)


def _check_not_empty(project: Project, out: Collector) -> None:
    manifest = project.manifest
    if not manifest.packages and not manifest.groups:
        out.add(
            "HSM008",
            "empty project: no packages and no groups",
            manifest.span,
            _EMPTY_HINT,
        )


def _check_manifest_packages(project: Project, out: Collector) -> None:
    first: dict[str, tuple[str | None, Span]] = {}
    for ref in project.manifest.packages:
        package = project.packages.get(ref.name)
        if package is None:
            _unknown("package", ref.name, ref.span, project, out, project.available_packages)
            continue
        mode = ref.mode.value if ref.mode else None
        if ref.mode is not None and mode not in package.modes:
            hint = one_of(list(package.modes), f"modes of `{ref.name}`")
            message = f"package `{ref.name}` has no mode {_named(mode)}"
            out.add("HSM201", message, ref.mode.span, hint)
        if ref.name in first and first[ref.name][0] != mode:
            other_mode, other_span = first[ref.name]
            out.add(
                "HSM106",
                f"package `{ref.name}` is listed twice with different modes",
                ref.span,
                "keep one line for it",
                (Related(_first_listed(other_mode), other_span),),
            )
        first.setdefault(ref.name, (mode, ref.span))


def _first_listed(mode: str | None) -> str:
    return f"first listed with mode `{mode}`" if mode else "first listed without a mode"


def _check_groups(project: Project, out: Collector) -> None:
    for group in project.manifest.groups:
        container = project.containers.get(group.selection.value)
        if container is None:
            sel = group.selection
            _unknown("container", sel.value, sel.span, project, out, project.available_containers)
            continue
        if group.profile is not None:
            names = [p.name for p in container.profiles]
            if group.profile.value not in names:
                hint = did_you_mean(group.profile.value, names) or one_of(
                    names or ["managed"], f"profiles of `{container.name}`"
                )
                message = (
                    f"container `{container.name}` has no profile {_named(group.profile.value)}"
                )
                if group.profile.value != "managed" or names:
                    out.add("HSM202", message, group.profile.span, hint)
        if group.mode is not None:
            modes = list(container.modes)
            if group.mode.value not in modes:
                hint = did_you_mean(group.mode.value, modes) or one_of(
                    modes, f"modes of `{container.name}`"
                )
                message = f"container `{container.name}` has no mode {_named(group.mode.value)}"
                out.add("HSM206", message, group.mode.span, hint)
    _check_ambiguous_groups(project, out)


def _named(value: str | None) -> str:
    return f"`{value}`" if value else "of an empty name (the value is missing)"


def _check_ambiguous_groups(project: Project, out: Collector) -> None:
    implied: dict[str, list[Related]] = {}
    for entry in _entries(project):
        kind = "package" if isinstance(entry, PackageEntry) else "container"
        for i in entry.implies:
            if i.kind is TargetKind.CONTAINER:
                note = Related(f"implied by {kind} `{entry.name}`", i.span)
                implied.setdefault(i.target, []).append(note)
    by_selection: dict[str, list[Span]] = {}
    for group in project.manifest.groups:
        by_selection.setdefault(group.selection.value, []).append(group.span)
    for name, spans in by_selection.items():
        if name in implied and len(spans) > 1:
            selected = tuple(Related("also selected here", s) for s in spans[:1])
            out.add(
                "HSM108",
                f"{len(spans)} groups select container `{name}`, which is implied",
                spans[1],
                _AMBIGUOUS_HINT.format(name=name),
                selected + tuple(sorted(implied[name], key=lambda r: r.span.file)),
            )


_AMBIGUOUS_HINT = (
    "an implication binds to one group: keep one group for `{name}`; to use one server two ways "
    "(e.g. a local one, and a company one for some packages), give the second way a container "
    'entry of its own: see "One server, two ways" in docs/format.md'
)


def _entries(project: Project) -> Iterator[PackageEntry | ContainerEntry]:
    yield from project.packages.values()
    yield from project.containers.values()


def _check_implications(implies: Iterable[Implication], project: Project, out: Collector) -> None:
    for imp in implies:
        if imp.kind is TargetKind.PACKAGE and imp.target not in project.packages:
            _unknown("package", imp.target, imp.span, project, out, project.available_packages)
        if imp.kind is TargetKind.CONTAINER and imp.target not in project.containers:
            available = project.available_containers
            _unknown("container", imp.target, imp.span, project, out, available)


def _check_default(default: Text | None, names: list[str], what: str, out: Collector) -> None:
    if default is not None and default.value not in names:
        code = "HSM202" if what == "profiles" else "HSM201"
        hint = did_you_mean(default.value, names) or one_of(names, what)
        out.add(code, f"default `{default.value}` is not one of the {what}", default.span, hint)


def _check_cycles(project: Project, out: Collector) -> None:
    graphs = {
        TargetKind.PACKAGE: {n: p.implies for n, p in project.packages.items()},
        TargetKind.CONTAINER: {n: c.implies for n, c in project.containers.items()},
    }
    reported: set[frozenset[str]] = set()
    for kind, graph in graphs.items():
        for start in sorted(graph):
            cycle = _find_cycle(start, kind, graph)
            if cycle is None or frozenset(s for s, _ in cycle) in reported:
                continue
            reported.add(frozenset(s for s, _ in cycle))
            names = [s for s, _ in cycle] + [cycle[0][0]]
            steps = tuple(
                Related(f"`{a}` implies `{b}`", imp.span)
                for (a, imp), b in zip(cycle, names[1:], strict=True)
            )
            out.add(
                "HSM107",
                f"implication cycle: {' → '.join(names)}",
                cycle[0][1].span,
                "remove one of the implications",
                steps[1:],
            )


def _find_cycle(
    start: str, kind: TargetKind, graph: dict[str, tuple[Implication, ...]]
) -> list[tuple[str, Implication]] | None:
    """The first path of implications from `start` back to it, depth first. A loop with its
    own stack, not recursion: a chain of implications may be longer than Python's stack."""
    path: list[tuple[str, Implication]] = []
    seen, names = {start}, [start]
    todo = [iter(graph.get(start, ()))]
    while todo:
        imp = next((i for i in todo[-1] if i.kind is kind), None)
        if imp is None:  # every implication of names[-1] tried: back to the one before
            todo.pop()
            names.pop()
            if path:
                path.pop()
            continue
        path.append((names[-1], imp))
        if imp.target == start:
            return path
        if imp.target in seen:
            path.pop()
            continue
        seen.add(imp.target)
        names.append(imp.target)
        todo.append(iter(graph.get(imp.target, ())))
    return None


def _check_overrides(project: Project, out: Collector) -> None:
    """A group's `overrides:` must hold compose service keys (or `x-` extensions)."""
    for group in project.manifest.groups:
        overrides = group.overrides
        if overrides is None:
            continue
        for (key, _), span in zip(overrides.items, overrides.key_spans, strict=True):
            if key in COMPOSE_SERVICE_KEYS or key.startswith("x-"):
                continue
            hint = did_you_mean(key, COMPOSE_SERVICE_KEYS) or (
                "overrides hold keys of a compose service (see the compose specification)"
            )
            out.add("HSM112", f"`{printable(key)}` is not a compose service key", span, hint)


def _given_params(project: Project) -> Iterator[tuple[str, Setting]]:
    """(container, param) for every param an implication or a group passes."""
    for entry in _entries(project):
        for imp in entry.implies:
            if imp.kind is TargetKind.CONTAINER:
                yield from ((imp.target, p) for p in imp.params)
    for group in project.manifest.groups:
        yield from ((group.selection.value, p) for p in group.params)


def _check_params(project: Project, out: Collector) -> None:
    for name, param in _given_params(project):
        container = project.containers.get(name)
        if container is None or not container.params:
            continue  # unknown containers are reported elsewhere; no declaration: any param
        specs = {s.name: s for s in container.params}
        checkable = set(valid_patterns(container))  # an invalid pattern is HSM314 alone
        spec = specs.get(param.key)
        if spec is None:
            hint = did_you_mean(param.key, specs) or one_of(specs, f"params of `{name}`")
            out.add(
                "HSM312", f"container `{name}` takes no param `{param.key}`", param.key_span, hint
            )
        elif (
            spec in checkable
            and spec.pattern
            and not re.fullmatch(spec.pattern.value, param.text.value)
        ):
            what = spec.description or f"a value matching `{spec.pattern.value}`"
            out.add(
                "HSM313",
                f"param `{param.key}` of `{name}` is not valid: `{param.text.value}`",
                param.text.span,
                f"`{param.key}` must be {what}",
                (Related("declared here", spec.span),),
            )


def _check_targets(project: Project, known: tuple[str, ...], out: Collector) -> None:
    for text in project.manifest.targets:
        if text.value not in known:
            hint = did_you_mean(text.value, known) or one_of(known, "targets")
            out.add("HSM701", f"unknown target `{printable(text.value)}`", text.span, hint)


def _check_output(project: Project, out: Collector) -> None:
    manifest = project.manifest
    output = manifest.output
    guarded = [(manifest.directory, "the project directory")]
    guarded += [(root, f"the registry root `{root.name}`") for root in manifest.registry]
    for path, what in guarded:
        if output == path or _is_below(path, output):
            out.add(
                "HSM403",
                f"output directory `{output.name}` is or contains {what}",
                manifest.output_span,
                "choose an output directory of its own, e.g. `output: generated`",
            )
            return  # one cause, one diagnostic


def _is_below(path: Path, parent: Path) -> bool:
    try:
        path.relative_to(parent)
    except ValueError:
        return False
    return True
