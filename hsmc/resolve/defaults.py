"""`defaults.profile` and `defaults.mode` apply only to the entries that define a profile or a
source of that name (format.md §6), so a typo (`profile: externel`) used to build everything
with its own default and no word. Once the stack is resolved, hsmc knows which entries it
selected: a default that none of them defines is an error (HSM209, HSM210) with a did-you-mean
among the names they do define; one that some define but that applies to none (every one of
them chooses for itself, or runs external) is a warning.
"""

from __future__ import annotations

from collections.abc import Sequence

from hsmc.errors import Collector, did_you_mean, one_of
from hsmc.model import Manifest, Note, ResolvedPackage, ResolvedService, Text


def check_defaults(
    manifest: Manifest,
    packages: Sequence[ResolvedPackage],
    services: Sequence[ResolvedService],
    out: Collector,
) -> tuple[Note, ...]:
    """Errors for a default that no selected entry defines; notes for one that applies to none."""
    notes: list[Note] = []
    profile, mode = manifest.default_profile, manifest.default_mode
    if profile is not None:
        names = sorted({name for s in services for name in _profiles(s)})
        applied = any(profile.value in _profiles(s) and _chooses_profile(s) for s in services)
        notes += _check("profile", profile, names, applied, out)
    if mode is not None:
        names = sorted({m for p in packages for m in p.entry.modes})
        names += sorted({m for s in services for m in s.container.modes} - set(names))
        asked = {ref.name: ref.mode for ref in manifest.packages}
        applied = any(
            mode.value in p.entry.modes and asked.get(p.entry.name) is None for p in packages
        ) or any(mode.value in s.container.modes and _chooses_mode(s) for s in services)
        notes += _check("mode", mode, names, applied, out)
    return tuple(notes)


def _check(what: str, default: Text, names: list[str], applied: bool, out: Collector) -> list[Note]:
    key = f"defaults.{what}"
    if default.value not in names:
        code = "HSM209" if what == "profile" else "HSM210"
        entries = "containers" if what == "profile" else "packages and containers"
        hint = did_you_mean(default.value, names) or one_of(names, f"{what}s of the stack")
        message = f"`{key}: {default.value}` names no {what} of the selected {entries}"
        out.add(code, message, default.span, hint)
        return []
    if applied:
        return []
    message = f"`{key}: {default.value}` has no effect: " + (
        "every selected container that defines it is given a profile by its group"
        if what == "profile"
        else "every selected entry that defines it is given a mode, or runs external"
    )
    return [Note(message, default.span)]


def _profiles(service: ResolvedService) -> list[str]:
    """The profiles a default may name for this container; `managed` when it defines none
    (the implicit profile, as a group's `profile: managed` is accepted, HSM202)."""
    return [p.name for p in service.container.profiles] or ["managed"]


def _chooses_profile(service: ResolvedService) -> bool:
    """Whether the default profile is this service's to take (its group names none)."""
    return service.group is None or service.group.profile is None


def _chooses_mode(service: ResolvedService) -> bool:
    """Whether the default mode reaches this service: managed, and its group names no mode."""
    return service.managed and (service.group is None or service.group.mode is None)
