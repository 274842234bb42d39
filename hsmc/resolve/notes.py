"""What the input asks of a service and the resolved stack cannot do: warnings (`Note`s) on its
EffectiveService, printed by `hsmc build` and listed in STACK.md.

An external service runs nowhere hsmc controls: the params its dependents give it (`db_name`
for the built-in postgres) reach only its compose service, which an external profile does not
have. They are reported as a warning rather than dropped without a word.
"""

from __future__ import annotations

from hsmc.model import Note, ResolvedService

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
