"""`environments:` of hsm.yaml → located Environment records (docs/format.md §1.3).

Only reading: names, the groups and packages an environment names, its modes and profiles are
checked by validate (hsmc/validate/environments.py) and, once the environment is applied to the
manifest (hsmc/environments.py), by every check of the stages on that variant.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hsmc.model import Environment, GroupChoice, PackageRef
from hsmc.parse.tree import Node

if TYPE_CHECKING:
    from hsmc.parse.reader import Reader


def environments(node: Node, directory: Path, r: Reader) -> tuple[Environment, ...]:
    if "environments" not in node or not node["environments"].is_mapping():
        return ()
    return tuple(_environment(k, v, directory, r) for k, v in node["environments"].items())


def _environment(key: Node, value: Node, directory: Path, r: Reader) -> Environment:
    name, span = r.key(key), r.key_span(key)
    if not value.is_mapping():  # `cloud-db:` with nothing after it: the top level as it is
        return Environment(name, span)
    output_text = r.opt_text(value, "output")
    defaults = value.get("defaults")
    return Environment(
        name=name,
        span=span,
        targets=r.texts(value, "targets") if "targets" in value else None,
        output=r.relative_path(output_text, directory) if output_text else None,
        output_span=output_text.span if output_text else None,
        default_profile=r.opt_text(defaults, "profile") if defaults is not None else None,
        default_mode=r.opt_text(defaults, "mode") if defaults is not None else None,
        packages=_sources(value, r),
        groups=_groups(value, r),
    )


def _sources(node: Node, r: Reader) -> tuple[PackageRef, ...]:
    """`- NAME: MODE` items: the source of a package the top level lists."""
    if "packages" not in node or not node["packages"].is_sequence():
        return ()
    refs = []
    for item in node["packages"]:
        ((key, mode),) = item.items()
        refs.append(PackageRef(r.key(key), r.text(mode), r.key_span(key)))
    return tuple(refs)


def _groups(node: Node, r: Reader) -> tuple[GroupChoice, ...]:
    services = node.get("services")
    if services is None or "container_groups" not in services:
        return ()
    groups = services["container_groups"]
    if not groups.is_mapping():
        return ()
    choices = []
    for key, value in groups.items():
        if not value.is_mapping():
            choices.append(GroupChoice(r.key(key), r.key_span(key)))
            continue
        choices.append(
            GroupChoice(
                name=r.key(key),
                span=r.key_span(key),
                selection=r.opt_text(value, "selection"),
                profile=r.opt_text(value, "profile"),
                mode=r.opt_text(value, "mode"),
            )
        )
    return tuple(choices)
