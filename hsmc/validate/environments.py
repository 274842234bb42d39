"""`environments:` itself: names, and the groups and packages each one names (HSM120 to HSM122,
HSM106). What an environment chooses (a mode, a profile, a selection, its targets, its output)
is checked on its variant of the manifest by every other check (the pipeline validates each)."""

from __future__ import annotations

import re

from hsmc.environments import DEFAULT, LABEL_MAX
from hsmc.errors import Collector, Related, did_you_mean, one_of, printable
from hsmc.model import Environment, Manifest, Span

# A DNS-1123 label: a directory name, and a part of compose and Kubernetes names
LABEL_RE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_NAME_HINT = (
    "an environment name is a DNS label: lower-case letters, digits and `-`, starting and ending "
    f"with a letter or digit, at most {LABEL_MAX} characters; `{DEFAULT}` names the top level"
)


def check_environments(manifest: Manifest, out: Collector) -> None:
    for environment in manifest.environments:
        name = environment.name
        if not LABEL_RE.fullmatch(name) or len(name) > LABEL_MAX or name == DEFAULT:
            message = f"invalid environment name `{printable(name)}`"
            out.add("HSM120", message, environment.span, _NAME_HINT)
        _check_groups(environment, manifest, out)
        _check_packages(environment, manifest, out)


def _check_groups(environment: Environment, manifest: Manifest, out: Collector) -> None:
    groups = [g.name for g in manifest.groups]
    for choice in environment.groups:
        if choice.name in groups:
            continue
        hint = did_you_mean(choice.name, groups) or one_of(groups, "groups of the top level")
        message = (
            f"environment `{environment.name}` sets group `{printable(choice.name)}`, which the "
            "top level does not define"
        )
        hint = _sentence(hint) + " An environment changes the top level's groups; it adds none."
        out.add("HSM121", message, choice.span, hint)


def _check_packages(environment: Environment, manifest: Manifest, out: Collector) -> None:
    listed = [ref.name for ref in manifest.packages]
    first: dict[str, tuple[str, Span]] = {}
    for ref in environment.packages:
        mode = ref.mode.value if ref.mode else ""
        if ref.name not in listed:
            hint = did_you_mean(ref.name, listed) or one_of(listed, "packages of the top level")
            message = (
                f"environment `{environment.name}` sets the mode of package "
                f"`{printable(ref.name)}`, which the top level does not list"
            )
            hint = _sentence(hint) + (
                " An environment chooses the source of a listed package; to choose one of an "
                "implied package, list it under the top level's `packages:` too."
            )
            out.add("HSM122", message, ref.span, hint)
        if ref.name in first and first[ref.name][0] != mode:
            out.add(
                "HSM106",
                f"package `{ref.name}` is listed twice with different modes",
                ref.span,
                "keep one line for it",
                (Related(f"first listed with mode `{first[ref.name][0]}`", first[ref.name][1]),),
            )
        first.setdefault(ref.name, (mode, ref.span))


def _sentence(hint: str) -> str:
    return hint if hint.endswith(("?", ".")) else f"{hint}."
