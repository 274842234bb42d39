"""`hsmc explain NAME`: why a service, package, environment variable or run-time input is in
the output — the chain of implications, each step with file:line."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hsmc.errors import CompileError, Diagnostic, did_you_mean
from hsmc.inputs import Use
from hsmc.model import (
    Dependency,
    EffectiveService,
    Environment,
    ImageChoice,
    Param,
    ResolvedPackage,
    ResolvedService,
    RuntimeInput,
    Setting,
    Span,
    Stack,
)
from hsmc.refs import param_keys
from hsmc.workload import CompiledStack


def at(span: Span) -> str:
    return f"{span.file}:{span.line}"


def explain(
    name: str,
    compiled: CompiledStack,
    artifact: str,
    inputs: tuple[RuntimeInput, ...],
    uses: tuple[Use, ...],
    environment: Environment | None = None,
) -> str:
    """`artifact`: where the target writes a managed service; `inputs` and `uses`: the target's
    run-time inputs and the values its artifacts write (hsmc/inputs.py); `environment`: the
    one explained (None: the top level), whose choices for a group are named where made."""
    stack = compiled.stack
    sections = [
        *(_service(s, stack, artifact, environment) for s in stack.effective if s.name == name),
        *(_package(p, stack) for p in stack.packages if p.entry.name == name),
        *_variable(name, stack, compiled, artifact),
        *_input(name, inputs, uses),
    ]
    if not sections:
        raise CompileError([_unknown(name, compiled, inputs)])
    return "\n\n".join(sections) + "\n"


def _unknown(name: str, compiled: CompiledStack, inputs: tuple[RuntimeInput, ...]) -> Diagnostic:
    stack = compiled.stack
    known = [s.name for s in stack.services] + [p.entry.name for p in stack.packages]
    known += [v.key for v in compiled.package_env] + [i.name for i in inputs]
    known += [e.key for w in compiled.workloads for e in w.environment]
    hint = did_you_mean(name, known) or "explain takes a service, package, variable or input"
    return Diagnostic("HSM601", f"`{name}` is not in the output of this project", None, hint)


# --- services and packages ----------------------------------------------------------------------


def _service(
    effective: EffectiveService, stack: Stack, artifact: str, environment: Environment | None
) -> str:
    service = effective.resolved
    container = service.container
    kind = "managed service" if service.managed else "external endpoint"
    where = _of(artifact, service.name)
    where = where if service.managed else f"not in {where}; a connection"
    lines = [f"{kind} `{service.name}` ({where})"]
    if service.group is not None:
        lines.append(f"  ← group `{service.name}` in {at(service.group.span)}")
        lines += list(_chosen_by_environment(service.name, environment))
    else:
        lines.append(f"  ← implicit group: container `{container.name}` is implied")
    lines.append(f"  ← container `{container.name}` ({at(container.span)})")
    lines += list(_needed_by(service.name, stack))
    profile = service.profile
    chosen = f"profile `{profile.name}` ({at(profile.span)})" if profile else "profile managed"
    source, image = service.source, effective.made
    made = f"source `{source.mode}` ({at(source.span)})" if source else "the entry's image"
    if isinstance(image, ImageChoice) and image.chosen_from == "profile":
        made = f"the image of profile `{profile.name if profile else ''}` ({at(image.image.span)})"
    lines.append(f"  = {chosen}; {made}" if service.managed else f"  = {chosen}")
    return "\n".join(lines)


def _chosen_by_environment(group: str, environment: Environment | None) -> Iterator[str]:
    """What the environment being explained chose for the group, and where."""
    if environment is None:
        return
    for choice in environment.groups:
        if choice.name == group:
            chosen = (("selection", choice.selection), ("profile", choice.profile))
            for key, text in (*chosen, ("mode", choice.mode)):
                if text is not None:
                    of = f"environment `{environment.name}`"
                    yield f"  ← {key} `{text.value}` of {of} ({at(text.span)})"


def _needed_by(service: str, stack: Stack) -> Iterator[str]:
    for package, needs in sorted(stack.package_needs.items()):
        for dep in needs:
            if dep.service == service:
                yield f"  ← needed by package `{package}` ({at(dep.span)})"
                for step in _package_chain(package, stack):
                    yield f"      {step}"
    for other, needs in sorted(stack.service_needs.items()):
        for dep in needs:
            if dep.service == service:
                yield f"  ← needed by service `{other}` ({at(dep.span)})"


def _package_chain(name: str, stack: Stack, seen: frozenset[str] = frozenset()) -> Iterator[str]:
    """How a package came to be selected: listed in the manifest, or implied by another."""
    manifest = stack.manifest
    for ref in manifest.packages:
        if ref.name == name:
            mode = f" with mode `{ref.mode.value}`" if ref.mode else ""
            if ref.mode and ref.mode.span.line != ref.span.line:  # an environment's choice
                mode += f" ({at(ref.mode.span)})"
            yield f"← listed in {at(ref.span)}{mode}"
            return
    for package in stack.packages:
        for imp in package.entry.implies:
            if imp.target == name and package.entry.name not in seen:
                yield f"← implied by package `{package.entry.name}` ({at(imp.span)})"
                for step in _package_chain(package.entry.name, stack, seen | {name}):
                    yield f"  {step}"


def _package(package: ResolvedPackage, stack: Stack) -> str:
    entry = package.entry
    lines = [f"package `{entry.name}` (requirements.txt)"]
    lines += [f"  {step}" for step in _package_chain(entry.name, stack)]
    lines.append(f"  ← entry {at(entry.span)}")
    source = package.source
    chosen = f"mode `{package.mode}` ({at(source.span)})" if source else "the package index"
    lines.append(f"  = source: {chosen}")
    for dep in stack.package_needs.get(entry.name, ()):
        lines.append(f"  → needs service `{dep.service}` ({at(dep.span)})")
    return "\n".join(lines)


def _of(artifact: str, service: str) -> str:
    """The target's artifact for this service (the placeholder SERVICE is its name)."""
    return artifact.replace("SERVICE", service)


# --- variables and inputs ---------------------------------------------------------------------


def _variable(name: str, stack: Stack, compiled: CompiledStack, artifact: str) -> Iterator[str]:
    by_name = {s.name: s for s in stack.services}
    for workload in compiled.workloads:
        for var in workload.environment:
            if var.key == name:
                where = _of(artifact, workload.name)
                head = f"{name} = {var.value.plain()!r} in service `{workload.name}` ({where})"
                origins = _origins(name, by_name[workload.name], stack, by_name)
                yield "\n".join([head, *origins])
    for var in compiled.package_env:
        if var.key == name:
            head = f"{name} = {var.value.plain()!r} (packages.env)"
            steps = _connection_steps(name, stack, by_name)
            steps = steps or [f"  ← env of package {var.origin} ({at(var.span)})"]
            yield "\n".join([head, *dict.fromkeys(steps)])


def _origins(
    name: str, service: ResolvedService, stack: Stack, by_name: dict[str, ResolvedService]
) -> list[str]:
    container, profile = service.container, service.profile
    steps: list[str] = []
    settings = [(s, f"env of container `{container.name}`") for s in container.env]
    if profile is not None:
        settings += [(s, f"env of profile `{profile.name}`") for s in profile.env]
    for setting, what in settings:
        if setting.key == name:
            steps.append(f"  ← {what} ({at(setting.text.span)})")
            steps += _param_steps(setting, service.params)
    for dep in stack.service_needs.get(service.name, ()):
        steps += _connection_of(name, dep, by_name[dep.service], f"service `{service.name}`")
    if service.group is not None and service.group.overrides is not None:
        steps.append(f"  ← maybe `overrides:` of group `{service.name}` ({at(service.group.span)})")
    return steps


def _param_steps(setting: Setting, params: tuple[Param, ...]) -> list[str]:
    steps = []
    for key in param_keys(setting.text.value):
        given = [
            f"`{p.text.value}` from {p.origin} ({at(p.text.span)})" for p in params if p.key == key
        ]
        steps.append(f"  ← params {key}: {', '.join(given) or 'none given'}")
    return steps


def _connection_steps(name: str, stack: Stack, by_name: dict[str, ResolvedService]) -> list[str]:
    steps = []
    for package, needs in sorted(stack.package_needs.items()):
        for dep in needs:
            steps += _connection_of(name, dep, by_name[dep.service], f"package `{package}`")
    return steps


def _connection_of(
    name: str, dep: Dependency, target: ResolvedService, dependent: str
) -> list[str]:
    connection = target.container.connection
    prefix = re.sub(r"[^A-Za-z0-9]", "_", target.container.name).upper() + "_"
    if connection is None and not name.startswith(prefix):
        return []
    found = [s for s in connection or () if s.key == name]
    if connection is not None and not found:
        return []
    where = at(found[0].text.span) if found else f"default {prefix}… names"
    return [
        f"  ← connection of `{target.name}` ({where})",
        f"  ← {dependent} needs `{target.name}` ({at(dep.span)})",
    ]


def _input(name: str, inputs: tuple[RuntimeInput, ...], uses: tuple[Use, ...]) -> Iterator[str]:
    for item in inputs:
        if item.name != name:
            continue
        kind = "required" if item.required else f"optional, default {item.default!r}"
        secret = "; secret" if item.secret else ""
        lines = [f"run-time input `{name}` ({kind}{secret}; listed in .env.template)"]
        refs = (r for use in uses for r in use.value.refs if r.name == name)
        spans = dict.fromkeys(at(ref.span) for ref in refs if ref.span)
        lines += [f"  ← referenced at {span}" for span in spans]
        lines.append(f"  = used by {', '.join(item.used_in)}")
        yield "\n".join(lines)
