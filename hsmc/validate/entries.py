"""Validate stage, names and registry entries: checks on what the inputs say that parsing does
not need (parse reads the shape; these read the meaning). Kept beside validate.py for its size."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hsmc.errors import Collector, printable
from hsmc.model import ContainerEntry, DeployMode, Healthcheck, ParamSpec, Profile, Project
from hsmc.syntax import health
from hsmc.syntax.ports import main_port_problem

_MANAGED_ONLY = (
    "image",
    "ports",
    "env",
    "volumes",
    "command",
    "healthcheck",
    "resources",
    "liveness",
)


# A compose project or service name; a name derived from the directory is made to fit.
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")


def check_names(project: Project, out: Collector) -> None:
    """The project name and the group names become compose names (HSM102)."""
    manifest = project.manifest
    if manifest.name_span is not None and not NAME_RE.fullmatch(manifest.name):
        out.add(
            "HSM102",
            f"invalid project name `{printable(manifest.name)}`",
            manifest.name_span,
            "a compose project name: lower-case letters, digits, `-` and `_`, "
            "starting with a letter or digit",
        )
    for group in manifest.groups:
        if not NAME_RE.fullmatch(group.name):
            out.add(
                "HSM102",
                f"invalid group name `{printable(group.name)}`",
                group.span,
                "a group name is a compose service name: lower-case letters, digits, "
                "`-` and `_`, starting with a letter or digit",
            )


def check_entries(project: Project, out: Collector) -> None:
    for container in project.containers.values():
        _check_main_ports(container, out)
        _check_healthcheck(container.healthcheck, out)
        _check_healthcheck(container.liveness, out)
        for profile in container.profiles:
            _check_profile(profile, out)
            _check_healthcheck(profile.healthcheck, out)
            _check_healthcheck(profile.liveness, out)
        for spec in container.params:
            _check_pattern(spec, out)


def _check_main_ports(container: ContainerEntry, out: Collector) -> None:
    """The entry's `port:` and each external profile's `port` go into dependents' URLs as
    written, where `http://api:-5` connects nowhere (HSM316)."""
    if container.port is not None and container.port_span is not None:
        problem = main_port_problem(str(container.port), "port")  # parse took ≤ 4,300 digits
        if problem is not None:
            out.add("HSM316", problem.message, container.port_span, problem.hint)
    for profile in container.profiles:
        for setting in (s for s in profile.external if s.key == "port"):
            problem = main_port_problem(setting.text.value, "external port")
            if problem is not None:
                out.add("HSM316", problem.message, setting.text.span, problem.hint)


def _check_healthcheck(check: Healthcheck | None, out: Collector) -> None:
    """What compose refuses in a healthcheck (HSM326): a list test that does not start with
    CMD, CMD-SHELL or NONE, retries out of range."""
    if check is None:
        return
    if isinstance(check.test, tuple) and check.test:
        first = check.test[0]
        problem = health.test_problem(first.value)
        if problem is not None:
            out.add("HSM326", problem.message, first.span, problem.hint)
    retries = check.retries
    problem = health.retries_problem(retries.value) if retries is not None else None
    if retries is not None and problem is not None:
        out.add("HSM326", problem.message, retries.span, problem.hint)


def valid_patterns(container: ContainerEntry) -> Iterator[ParamSpec]:
    """The declared params whose pattern compiles (an invalid one is HSM314)."""
    for spec in container.params:
        if spec.pattern is None or _pattern_error(spec.pattern.value) is None:
            yield spec


def _check_pattern(spec: ParamSpec, out: Collector) -> None:
    error = _pattern_error(spec.pattern.value) if spec.pattern else None
    if spec.pattern is not None and error is not None:
        out.add("HSM314", f"invalid pattern: {error}", spec.pattern.span)


def _pattern_error(pattern: str) -> re.error | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        return exc
    return None


def _check_profile(profile: Profile, out: Collector) -> None:
    """An external profile needs `host` and `port` (HSM207) and no key of a managed one; a
    managed profile no `external:` (HSM208)."""
    keys = dict(profile.key_spans)
    name = profile.name
    if profile.mode is DeployMode.EXTERNAL:
        fields = {s.key for s in profile.external}
        missing = [f for f in ("host", "port") if f not in fields]
        if missing:
            out.add(
                "HSM207",
                f"external profile `{name}` has no {' and no '.join(missing)}",
                profile.span,
                "add `external:` with `host:` and `port:` (a ${VAR} reference is fine)",
            )
        for key in (k for k in _MANAGED_ONLY if k in keys):
            out.add(
                "HSM208",
                f"`{key}` has no effect in external profile `{name}`",
                keys[key],
                "an external profile emits no service; remove the key or use `mode: managed`",
            )
    elif "external" in keys:
        out.add(
            "HSM208",
            f"managed profile `{name}` has `external:` fields",
            keys["external"],
            "use `mode: external` for an endpoint outside compose",
        )
