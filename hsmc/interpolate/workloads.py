"""Workloads: each managed EffectiveService with its references filled and its strings read into
typed fields once (hsmc/workload.py): commands split into words (HSM321), durations in seconds
(HSM322), volumes typed (HSM323), port numbers that compile-time references made (HSM320)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hsmc.errors import Collector
from hsmc.interpolate.env import EnvMap, add_connection
from hsmc.interpolate.refs import Interpolator, Scope, literal
from hsmc.interpolate.resources import check_liveness, init_only, resources
from hsmc.model import (
    BuildChoice,
    BuildValues,
    EffectiveService,
    EnvVar,
    Fragment,
    FragmentList,
    FragmentMap,
    HealthcheckSpec,
    Literal,
    PortItem,
    ResolvedService,
    Stack,
    Text,
    Value,
)
from hsmc.syntax import Problem, durations, volumes, words
from hsmc.syntax.ports import port_item
from hsmc.workload import (
    Binding,
    Command,
    Duration,
    Healthcheck,
    MountKind,
    Node,
    Port,
    Volume,
    Workload,
)

_Fill = Callable[[Text], Value]


def compile_workloads(stack: Stack, interp: Interpolator, out: Collector) -> tuple[Workload, ...]:
    by_name = {s.name: s for s in stack.services}
    return tuple(_workload(s, by_name, interp, out) for s in stack.effective if s.managed)


def _workload(
    service: EffectiveService,
    by_name: Mapping[str, ResolvedService],
    interp: Interpolator,
    out: Collector,
) -> Workload:
    scope = Scope(f"container `{service.resolved.container.name}`", params=service.resolved.params)

    def v(text: Text) -> Value:
        return interp.value(text, scope)

    made = service.made
    environment = _environment(service, by_name, interp, v, out)
    container = service.resolved.container
    check_liveness(service.liveness, service.name, out)
    return Workload(
        effective=service,
        image=v(service.image) if service.image is not None else None,
        build=_build(made, v) if isinstance(made, BuildChoice) else None,
        command=_command(service.command, v, out),
        entrypoint=_command(service.entrypoint, v, out),
        environment=environment,
        ports=tuple(_port(p, v, out) for p in service.ports),
        volumes=tuple(m for m in (_volume(i, v, out) for i in service.volumes) if m),
        healthcheck=healthcheck(service.healthcheck, v, out),
        depends_on=service.depends_on,
        extras=tuple((key, node(f, v)) for key, f in service.extras),
        resources=resources(service.resources, v, out),
        liveness=healthcheck(service.liveness, v, out),
        init_only_env=init_only(container.init_only_env, environment, out),
    )


def _build(made: BuildChoice, v: _Fill) -> BuildValues:
    source = made.source
    args = tuple((a.key, v(a.text)) for a in sorted(source.args, key=lambda a: a.key))
    dockerfile = v(source.dockerfile) if source.dockerfile is not None else None
    return BuildValues(made.context, dockerfile, args)


def _command(given: Text | tuple[Text, ...] | None, v: _Fill, out: Collector) -> Command | None:
    if given is None:
        return None
    if isinstance(given, tuple):
        values = tuple(v(t) for t in given)
        return Command(values, values, given[0].span if given else None)
    value = v(given)
    split = words.split(value)
    if isinstance(split, Problem):
        out.add("HSM321", split.message, given.span, split.hint)
        return Command((), value, given.span)
    return Command(split[0], value, given.span, split_later=split[1])


def _environment(
    service: EffectiveService,
    by_name: Mapping[str, ResolvedService],
    interp: Interpolator,
    v: _Fill,
    out: Collector,
) -> tuple[EnvVar, ...]:
    """The env layers in order (entry, then profile over it), then the connections of what
    the service needs (two sources giving one key different values is HSM307), then the
    group's `overrides:`, over everything."""
    env = EnvMap(f"service `{service.name}`", out)
    final = [layer for layer in service.env if layer.final]
    for layer in [layer for layer in service.env if not layer.final]:
        for setting in layer.settings:
            value = v(setting.text)
            env.add(setting.key, value, layer.origin, setting.text.span, override=layer.override)
    for dep in service.needs:
        add_connection(env, dep, by_name[dep.service], interp)
    for layer in final:
        for setting in layer.settings:
            env.add(setting.key, v(setting.text), layer.origin, setting.text.span, override=True)
    return env.sorted()


def _port(item: PortItem, v: _Fill, out: Collector) -> Port:
    bindings = []
    for b in item.bindings:
        container = v(b.container).plain()
        if "${" in b.container.value and "${" not in container:  # a compile-time reference
            _recheck(container, item, v, out)
        bindings.append(
            Binding(
                int(container) if container.isascii() and container.isdigit() else None,
                b.protocol,
                v(b.host_ip) if b.host_ip is not None else None,
                v(b.host_port) if b.host_port is not None else None,
            )
        )
    return Port(tuple(bindings), node(item.written, v), item.span)


def _recheck(container: str, item: PortItem, v: _Fill, out: Collector) -> None:
    """A port that a compile-time reference made is read again once filled."""
    written = item.written
    filled = Text(v(written).plain(), written.span) if isinstance(written, Text) else None
    found = port_item(filled) if filled is not None else None
    if isinstance(found, Problem):
        out.add("HSM320", found.message, item.span, found.hint)
    elif not (container.isascii() and container.isdigit()):
        out.add("HSM320", f"container port `{container}` is not a port number", item.span)


def _volume(item: Fragment, v: _Fill, out: Collector) -> Volume | None:
    if isinstance(item, Text):
        found = volumes.short(v(item).plain())
    elif isinstance(item, FragmentMap):
        fields = {k: v(f).plain() for k, f in item.items if isinstance(f, Text)}
        found = volumes.long(fields, {k for k, f in item.items if not isinstance(f, Text)})
    else:
        found = Problem("a `volumes:` item is a string or a mapping", "write `VOLUME:/path`")
    if isinstance(found, Problem):
        out.add("HSM323", found.message, item.span, found.hint)
        return None
    return Volume(
        MountKind(found.kind), found.source, found.target, found.read_only, node(item, v), item.span
    )


def healthcheck(check: HealthcheckSpec, v: _Fill, out: Collector) -> Healthcheck | None:
    if check.empty:
        return None
    given = check.test
    written = tuple(v(t) for t in given) if isinstance(given, tuple) else None
    if isinstance(given, Text):
        written_text = v(given)
        test: tuple[Value, ...] | None = (literal("CMD-SHELL"), written_text)
        shown: Value | tuple[Value, ...] | None = written_text
    else:
        test, shown = written, written
    return Healthcheck(
        test=test,
        written=shown,
        interval=_duration(check.interval, v, out),
        timeout=_duration(check.timeout, v, out),
        retries=check.retries,
        start_period=_duration(check.start_period, v, out),
        start_interval=_duration(check.start_interval, v, out),
        disable=check.disable,
    )


def _duration(text: Text | None, v: _Fill, out: Collector) -> Duration | None:
    if text is None:
        return None
    value = v(text)
    if any(not isinstance(p, Literal) for p in value.pieces):
        return Duration(None, value, text.span)  # compose reads it at run time
    found = durations.seconds(value.plain())
    if isinstance(found, Problem):
        out.add("HSM322", found.message, text.span, found.hint)
        return Duration(None, value, text.span)
    return Duration(found, value, text.span)


def node(fragment: Fragment, v: _Fill) -> Node:
    """A fragment as written, filled: maps, lists and values."""
    if isinstance(fragment, FragmentMap):
        return {k: node(f, v) for k, f in fragment.items}
    if isinstance(fragment, FragmentList):
        return [node(f, v) for f in fragment.items]
    return v(fragment)
