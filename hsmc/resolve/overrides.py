"""A group's `overrides:` merged into the typed fields of its service, once: maps merge key by
key, lists and strings replace (SPEC §2.1), short and long syntax alike. A value of a shape the
field cannot take is a located error (HSM325), never dropped; the keys no field models are kept
as written (`extras`) for the targets to write or refuse.
"""

from __future__ import annotations

import re

from hsmc.errors import Collector, did_you_mean, printable
from hsmc.keys import MODELED_OVERRIDES
from hsmc.model import (
    CONDITIONS,
    DependsOn,
    EnvLayer,
    Fragment,
    FragmentList,
    FragmentMap,
    Group,
    HealthcheckSpec,
    Number,
    Setting,
    Span,
    Text,
)
from hsmc.record import replace
from hsmc.syntax import Problem, health

_HEALTH_TEXT = ("interval", "timeout", "start_period", "start_interval")
_HEALTH_KEYS = ("test", *_HEALTH_TEXT, "retries", "disable")
_DEPENDS_KEYS = ("condition", "restart", "required")
_BOOLEANS = {"true": True, "false": False}
_WHOLE = re.compile(r"-?[0-9]+", re.ASCII)  # a whole number as YAML writes one


def given(group: Group | None, key: str) -> Fragment | None:
    """The value of `overrides: KEY:`, if the group has one."""
    overrides = group.overrides if group is not None else None
    for name, fragment in overrides.items if overrides is not None else ():
        if name == key:
            return fragment
    return None


def extras(group: Group | None) -> tuple[tuple[str, Fragment], ...]:
    overrides = group.overrides if group is not None else None
    items = overrides.items if overrides is not None else ()
    return tuple((key, value) for key, value in items if key not in MODELED_OVERRIDES)


def wrong_shape(key: str, expected: str, fragment: Fragment, out: Collector) -> None:
    out.add(
        "HSM325",
        f"`overrides: {key}:` is not {expected}",
        fragment.span,
        f"write `{key}:` as {expected}, as the compose specification has it",
    )


def text(group: Group | None, key: str, out: Collector) -> Text | None:
    fragment = given(group, key)
    if fragment is None or isinstance(fragment, Text):
        return fragment
    wrong_shape(key, "a string", fragment, out)
    return None


def command(group: Group | None, key: str, out: Collector) -> Text | tuple[Text, ...] | None:
    """`command:`/`entrypoint:`: a string, or a list of strings."""
    return _words(given(group, key), key, out)


def _words(fragment: Fragment | None, key: str, out: Collector) -> Text | tuple[Text, ...] | None:
    if fragment is None or isinstance(fragment, Text):
        return fragment
    if isinstance(fragment, FragmentList) and all(isinstance(i, Text) for i in fragment.items):
        return tuple(i for i in fragment.items if isinstance(i, Text))
    wrong_shape(key, "a string or a list of strings", fragment, out)
    return None


def items(group: Group | None, key: str, out: Collector) -> tuple[Fragment, ...] | None:
    """`ports:`/`volumes:`: a list, which replaces the generated one."""
    fragment = given(group, key)
    if fragment is None or isinstance(fragment, FragmentList):
        return fragment.items if fragment is not None else None
    wrong_shape(key, "a list", fragment, out)
    return None


def environment(group: Group | None, out: Collector) -> EnvLayer | None:
    """`environment:` as a map or a `KEY=value` list; it overrides every other source."""
    fragment = given(group, "environment")
    if fragment is None or group is None:
        return None
    settings: list[Setting] = []
    if isinstance(fragment, FragmentMap):
        for (key, value), key_span in zip(fragment.items, fragment.key_spans, strict=True):
            if isinstance(value, Text):
                settings.append(Setting(key, value, key_span))
            else:
                wrong_shape(f"environment: {printable(key)}", "a string", value, out)
    elif isinstance(fragment, FragmentList):
        for item in fragment.items:
            if isinstance(item, Text) and "=" in item.value:
                name, _, written = item.value.partition("=")
                settings.append(Setting(name, Text(written, item.span), item.span))
            else:
                out.add(
                    "HSM112",
                    "an `environment:` item of `overrides:` is not `KEY=value`",
                    item.span,
                    "write `KEY=value`, or use the map form `KEY: value`",
                )
    else:
        wrong_shape("environment", "a map or a list of `KEY=value`", fragment, out)
    origin = f"the `overrides:` of group `{group.name}`"
    return EnvLayer(origin, tuple(settings), override=True, final=True)


def healthcheck(base: HealthcheckSpec, group: Group | None, out: Collector) -> HealthcheckSpec:
    """The group's `healthcheck:` fields over the entry's and the profile's, one by one."""
    fragment = given(group, "healthcheck")
    if fragment is None:
        return base
    if not isinstance(fragment, FragmentMap):
        wrong_shape("healthcheck", "a map", fragment, out)
        return base
    merged = base
    for key, value in fragment.items:
        where = f"healthcheck: {printable(key)}"
        if key not in _HEALTH_KEYS:
            hint = did_you_mean(key, _HEALTH_KEYS) or "keys: " + ", ".join(_HEALTH_KEYS)
            out.add("HSM325", f"`overrides: {where}` is not a healthcheck key", value.span, hint)
        elif key == "test":
            test = _words(value, key, out)
            first = test[0] if isinstance(test, tuple) and test else None
            problem = health.test_problem(first.value) if first is not None else None
            if first is not None and problem is not None:
                out.add("HSM326", problem.message, first.span, problem.hint)
            merged = replace(merged, test=test) if test is not None else merged
        elif not isinstance(value, Text):
            wrong_shape(where, "a single value", value, out)
        elif key in _HEALTH_TEXT:
            merged = _duration(merged, key, value)
        elif key == "retries" and _WHOLE.fullmatch(value.value):
            merged = _retries(merged, value, out)
        elif key == "disable" and value.value.lower() in _BOOLEANS:
            merged = replace(merged, disable=_BOOLEANS[value.value.lower()])
        else:
            wrong_shape(where, "a number" if key == "retries" else "true or false", value, out)
    return merged


def _duration(check: HealthcheckSpec, key: str, value: Text) -> HealthcheckSpec:
    if key == "interval":
        return replace(check, interval=value)
    if key == "timeout":
        return replace(check, timeout=value)
    if key == "start_period":
        return replace(check, start_period=value)
    return replace(check, start_interval=value)


def depends_on(
    generated: tuple[DependsOn, ...],
    group: Group | None,
    services: dict[str, bool],
    out: Collector,
) -> tuple[DependsOn, ...]:
    """The group's `depends_on:` (a list of names replaces the generated map; a map merges
    into it by service). `services`: every managed service → whether it has a healthcheck."""
    fragment = given(group, "depends_on")
    if fragment is None:
        return generated
    if isinstance(fragment, FragmentList):
        names = [(i.value, i.span) for i in fragment.items if isinstance(i, Text)]
        if len(names) != len(fragment.items):
            wrong_shape("depends_on", "a list of service names", fragment, out)
        found = [DependsOn(n, "service_started", span) for n, span in names]
        return _known(found, services, fragment.span, out)
    if not isinstance(fragment, FragmentMap):
        wrong_shape("depends_on", "a list or a map of services", fragment, out)
        return generated
    merged = {d.service: d for d in generated}
    for name, value in fragment.items:
        merged[name] = _dependency(name, value, merged.get(name), out)
    return _known(sorted(merged.values(), key=lambda d: d.service), services, fragment.span, out)


def _dependency(name: str, value: Fragment, old: DependsOn | None, out: Collector) -> DependsOn:
    found = old or DependsOn(name, "service_started")
    fields = value.items if isinstance(value, FragmentMap) else ()
    if not isinstance(value, FragmentMap):
        wrong_shape(f"depends_on: {printable(name)}", "a map (`condition: …`)", value, out)
    for key, field in fields:
        if key not in _DEPENDS_KEYS or not isinstance(field, Text):
            hint = "keys: condition (" + ", ".join(CONDITIONS) + "), restart, required"
            out.add(
                "HSM325", f"`depends_on: {printable(name)}: {printable(key)}`", field.span, hint
            )
        elif key == "condition" and field.value not in CONDITIONS:
            out.add(
                "HSM325",
                f"unknown condition `{printable(field.value)}` for `{printable(name)}`",
                field.span,
                did_you_mean(field.value, CONDITIONS) or "conditions: " + ", ".join(CONDITIONS),
            )
        elif key == "condition":
            found = replace(found, condition=field.value, span=field.span)
        elif field.value.lower() not in _BOOLEANS:
            wrong_shape(f"depends_on: {printable(name)}: {key}", "true or false", field, out)
        elif key == "restart":
            found = replace(found, restart=_BOOLEANS[field.value.lower()], span=field.span)
        else:
            found = replace(found, required=_BOOLEANS[field.value.lower()], span=field.span)
    return replace(found, span=found.span or value.span)


def _known(
    found: list[DependsOn], services: dict[str, bool], where: Span, out: Collector
) -> tuple[DependsOn, ...]:
    """Compose refuses a dependency on a service the file does not have, and `up` fails on a
    healthy condition for a service without a healthcheck."""
    kept = []
    for dep in found:
        span = dep.span or where
        if dep.service not in services:
            hint = did_you_mean(dep.service, services) or "the stack's managed services: " + (
                ", ".join(sorted(services)) or "none"
            )
            message = f"`depends_on:` names `{printable(dep.service)}`, no service of this stack"
            out.add("HSM324", message, span, hint)
        elif dep.condition == "service_healthy" and not services[dep.service]:
            out.add(
                "HSM324",
                f"`depends_on:` waits for `{dep.service}` to be healthy, which has no healthcheck",
                span,
                "use `condition: service_started`, or give the service a healthcheck",
            )
        else:
            kept.append(dep)
    return tuple(kept)


def _retries(check: HealthcheckSpec, value: Text, out: Collector) -> HealthcheckSpec:
    """A whole number is a number, however large: one out of range says its range."""
    found = health.retries(value.value)
    if isinstance(found, Problem):
        out.add("HSM326", found.message, value.span, found.hint)
        return check
    return replace(check, retries=Number(found, value.span))
