"""What the input asks of a service and the resolved stack cannot do: warnings (`Note`s) on its
EffectiveService (and, for a package entry's `version:`, on the Stack), printed by `hsmc build`
and listed in STACK.md. Only what the project's choices make useless is reported: a registry
entry's field that some other project or profile uses is not (docs/decisions.md, "Input that
has no effect").

An external service runs nowhere hsmc controls: the params its dependents give it (`db_name`
for the built-in postgres) reach only its compose service, which an external profile does not
have. They are reported as a warning rather than dropped without a word.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from hsmc.model import (
    BuildSource,
    Fragment,
    FragmentList,
    Healthcheck,
    ImageSource,
    Note,
    PypiSource,
    ResolvedPackage,
    ResolvedService,
    Text,
)
from hsmc.refs import COMPILE_TIME, Kind, tokens

# a param reaches an artifact only through these compile-time references
_PARAM_REFS = ("HSM_PARAMS", "HSM_MERGED_PARAMS")


def unused_params(service: ResolvedService) -> tuple[Note, ...]:
    """The params an external service's dependents give it, when nothing reads them."""
    if service.managed or not service.params or _reads_params(service):
        return ()
    given = ", ".join(
        f"`{p.key}: {p.text.value}` (from {p.origin})"
        for p in sorted(service.params, key=lambda p: (p.key, p.origin))
    )
    profile = service.profile.name if service.profile is not None else "external"
    message = (
        f"service `{service.name}` is external (profile `{profile}`), so its params have no "
        f"effect: nothing creates {given} on that server; create it there yourself, or see "
        '"One server, two ways" in docs/format.md'
    )
    return (Note(message, service.group.span if service.group is not None else None),)


def _reads_params(service: ResolvedService) -> bool:
    """Whether an external endpoint field or a connection value reads the params."""
    profile = service.profile
    values = [s.text.value for s in service.container.connection or ()]
    values += [s.text.value for s in profile.external] if profile is not None else []
    return any(ref in value for value in values for ref in _PARAM_REFS)


def service_notes(service: ResolvedService) -> tuple[Note, ...]:
    """Everything the project's own `hsm.yaml` asks of this service that has no effect."""
    return (
        unused_params(service)
        + _external_group_keys(service)
        + _unread_group_params(service)
        + _unused_external_group(service)
    )


def _external_group_keys(service: ResolvedService) -> tuple[Note, ...]:
    """`mode:` and `overrides:` shape the compose service, which an external group has not.
    Warnings, not errors: a group switched between a managed and an external profile keeps
    them for the next switch."""
    group = service.group
    if service.managed or group is None:
        return ()
    where = f"group `{group.name}` is external (profile `{_profile_name(service)}`)"
    notes = []
    if group.mode is not None:
        message = f"{where}, so its `mode: {group.mode.value}` has no effect: it runs no image"
        notes.append(Note(message, group.mode.span))
    if group.overrides is not None:
        message = f"{where}, so its `overrides:` have no effect: it has no compose service"
        notes.append(Note(message, group.overrides.span))
    return tuple(notes)


def _unread_group_params(service: ResolvedService) -> tuple[Note, ...]:
    """A group's params reach an artifact only through `${HSM_PARAMS.key}` or
    `${HSM_MERGED_PARAMS.key}` in its container's strings (or its own `overrides:`). A
    container that declares its params (`params:`) is checked by HSM312 instead."""
    group, container = service.group, service.container
    if not service.managed or group is None or not group.params or container.params:
        return ()
    read = _read_params(service)
    unread = [p for p in group.params if p.key not in read]
    if not unread:
        return ()
    keys = ", ".join(f"`{p.key}`" for p in unread)
    message = (
        f"group `{group.name}` gives {keys}, but container `{container.name}` reads no such "
        "param (`${HSM_PARAMS.key}` or `${HSM_MERGED_PARAMS.key}`): it has no effect"
    )
    return (Note(message, unread[0].key_span),)


def _unused_external_group(service: ResolvedService) -> tuple[Note, ...]:
    """An external group runs nothing; only its dependents' connections come from it."""
    group = service.group
    if service.managed or group is None or service.implied_by:
        return ()
    message = (
        f"group `{group.name}` is external (profile `{_profile_name(service)}`) and nothing "
        f"implies container `{service.container.name}`: no package or service receives its "
        "connection, so the group has no effect"
    )
    return (Note(message, group.span),)


def unused_versions(packages: Iterable[ResolvedPackage]) -> tuple[Note, ...]:
    """A package entry's `version:` is read by the implicit index source and by `pypi` sources
    without a `version:`. With a `default_source`, the implicit source is never chosen."""
    notes = []
    for package in packages:
        entry = package.entry
        readers = [s for s in entry.sources if isinstance(s, PypiSource) and s.version is None]
        if entry.version is None or entry.default_source is None or readers:
            continue
        message = (
            f"package `{entry.name}`: `version: {entry.version.value}` has no effect: it has a "
            "`default_source`, so it never installs from the index without a source, and no "
            "`pypi` source of it lacks a `version:` of its own"
        )
        notes.append(Note(message, entry.version.span))
    return tuple(notes)


def _profile_name(service: ResolvedService) -> str:
    return service.profile.name if service.profile is not None else "external"


def _read_params(service: ResolvedService) -> set[str]:
    """The param keys that a compile-time reference anywhere in the container entry (any
    profile, any source) or in the group's `overrides:` reads: generous, so that a param
    that some choice reads is never reported."""
    found = set()
    for value in _strings(service):
        for token in tokens(value):
            match = COMPILE_TIME.fullmatch(token.inner) if token.kind is Kind.BRACED else None
            if match is not None and (match.group(2) or match.group(4)):
                found.add(match.group(2) or match.group(4))
    return found


def _strings(service: ResolvedService) -> Iterator[str]:
    c = service.container
    texts: list[Text | tuple[Text, ...] | None] = [c.image, c.ports, c.volumes, c.command]
    settings = [*c.env, *(c.connection or ())]
    for source in c.sources:
        if isinstance(source, ImageSource):
            texts.append(source.image)
        elif isinstance(source, BuildSource):
            texts.append(source.dockerfile)
            settings += source.args
    for profile in c.profiles:
        texts += [profile.image, profile.ports, profile.volumes, profile.command]
        settings += [*profile.env, *profile.external]
        texts += _healthcheck_texts(profile.healthcheck) + _healthcheck_texts(profile.liveness)
        texts += profile.resources.texts if profile.resources else ()
    texts += _healthcheck_texts(c.healthcheck) + _healthcheck_texts(c.liveness)
    texts += c.resources.texts if c.resources else ()
    for text in texts:
        yield from (t.value for t in (text if isinstance(text, tuple) else (text,)) if t)
    yield from (s.text.value for s in settings)
    if service.group is not None and service.group.overrides is not None:
        yield from _fragment_strings(service.group.overrides)


def _healthcheck_texts(check: Healthcheck | None) -> list[Text | tuple[Text, ...] | None]:
    if check is None:
        return []
    return [check.test, check.interval, check.timeout, check.start_period, check.start_interval]


def _fragment_strings(fragment: Fragment) -> Iterator[str]:
    if isinstance(fragment, Text):
        yield fragment.value
        return
    children = (
        fragment.items if isinstance(fragment, FragmentList) else (v for _, v in fragment.items)
    )
    for child in children:
        yield from _fragment_strings(child)
