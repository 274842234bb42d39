"""Services: the references of each managed EffectiveService filled in (ServiceValues)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hsmc.errors import Collector
from hsmc.interpolate.env import EnvMap, add_connection
from hsmc.interpolate.refs import Interpolator, Scope
from hsmc.model import (
    BuildChoice,
    BuildValues,
    ComposeNode,
    EffectiveService,
    EnvVar,
    Fragment,
    FragmentList,
    FragmentMap,
    HealthcheckSpec,
    HealthcheckValues,
    ImageChoice,
    ResolvedService,
    ServiceValues,
    Stack,
    Text,
    Value,
)

_Fill = Callable[[Text], Value]


def compile_services(
    stack: Stack, interp: Interpolator, out: Collector
) -> tuple[ServiceValues, ...]:
    by_name = {s.name: s for s in stack.services}
    return tuple(_service(s, by_name, interp, out) for s in stack.effective if s.managed)


def _service(
    service: EffectiveService,
    by_name: Mapping[str, ResolvedService],
    interp: Interpolator,
    out: Collector,
) -> ServiceValues:
    scope = Scope(f"container `{service.resolved.container.name}`", params=service.resolved.params)

    def v(text: Text) -> Value:
        return interp.value(text, scope)

    made, command = service.made, service.command
    return ServiceValues(
        effective=service,
        image=v(made.image) if isinstance(made, ImageChoice) else None,
        build=_build(made, v) if isinstance(made, BuildChoice) else None,
        command=tuple(v(t) for t in command) if isinstance(command, tuple) else _opt(command, v),
        environment=_environment(service, by_name, interp, v, out),
        ports=tuple(v(p) for p in service.ports),
        volumes=tuple(v(t) for t in service.volumes),
        healthcheck=healthcheck_values(service.healthcheck, v),
        overrides=_overrides(service.overrides, v, out) if service.overrides else None,
    )


def _opt(text: Text | None, v: _Fill) -> Value | None:
    return v(text) if text is not None else None


def _build(made: BuildChoice, v: _Fill) -> BuildValues:
    source = made.source
    args = tuple((a.key, v(a.text)) for a in sorted(source.args, key=lambda a: a.key))
    return BuildValues(made.context, _opt(source.dockerfile, v), args)


def _environment(
    service: EffectiveService,
    by_name: Mapping[str, ResolvedService],
    interp: Interpolator,
    v: _Fill,
    out: Collector,
) -> tuple[EnvVar, ...]:
    """The env layers in order (entry, then profile over it), then the connections of what
    the service needs; two sources giving one key different values is HSM307."""
    env = EnvMap(f"service `{service.name}`", out)
    for layer in service.env:
        for setting in layer.settings:
            value = v(setting.text)
            env.add(setting.key, value, layer.origin, setting.text.span, override=layer.override)
    for dep in service.needs:
        add_connection(env, dep, by_name[dep.service], interp)
    return env.sorted()


def healthcheck_values(check: HealthcheckSpec, v: _Fill) -> HealthcheckValues:
    test = check.test
    return HealthcheckValues(
        test=tuple(v(t) for t in test) if isinstance(test, tuple) else _opt(test, v),
        interval=_opt(check.interval, v),
        timeout=_opt(check.timeout, v),
        retries=check.retries,
        start_period=_opt(check.start_period, v),
        start_interval=_opt(check.start_interval, v),
        disable=check.disable,
    )


def _overrides(overrides: FragmentMap, v: _Fill, out: Collector) -> dict[str, ComposeNode]:
    """A group's `overrides:` as compose data: `environment:` in list form becomes a map, so
    that it merges with the generated one instead of replacing it."""
    result: dict[str, ComposeNode] = {}
    for key, fragment in overrides.items:
        if key == "environment" and isinstance(fragment, FragmentList):
            result[key] = _environment_map(fragment, v, out)
        else:
            result[key] = _fragment(fragment, v)
    return result


def _environment_map(fragment: FragmentList, v: _Fill, out: Collector) -> dict[str, ComposeNode]:
    env: dict[str, ComposeNode] = {}
    for item in fragment.items:
        if isinstance(item, Text) and "=" in item.value:
            key, _, value = item.value.partition("=")
            env[key] = v(Text(value, item.span))
        else:
            out.add(
                "HSM112",
                "an `environment:` item of `overrides:` is not `KEY=value`",
                item.span,
                "write `KEY=value`, or use the map form `KEY: value`",
            )
    return env


def _fragment(fragment: Fragment, v: _Fill) -> ComposeNode:
    if isinstance(fragment, FragmentMap):
        return {k: _fragment(f, v) for k, f in fragment.items}
    if isinstance(fragment, FragmentList):
        return [_fragment(f, v) for f in fragment.items]
    value: Value = v(fragment)
    return value
