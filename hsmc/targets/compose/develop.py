"""The compose `develop:` section of a service built from a local context: the Compose Watch
rules that `docker compose up --watch` (or `docker compose watch`) applies, so that an edit of
the service's sources reaches the running stack without a manual `up --build`.

Without `watch:` in its build source a service gets one `rebuild` rule over its build context:
always correct, since the image is made of nothing else. With `watch:`, the source's rules;
with an empty `watch:`, none. Read by the compose service (service.py), STACK.md and the
hint `hsmc sync` prints. Kubernetes has no counterpart (a build source is refused there,
HSM703).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Sequence
from pathlib import Path

from hsmc.model import BuildChoice, Literal, Value, WatchRule
from hsmc.workload import Node, Workload


def develop(build: BuildChoice) -> Node | None:
    """`develop:` for a service made by `build`; None when its source turns watching off."""
    rules = build.source.watch
    if rules is None:
        return {"watch": [{"action": _text("rebuild"), "path": _text(build.context)}]}
    if not rules:
        return None
    return {"watch": [_rule(rule, build) for rule in rules]}


def watched(workloads: Iterable[Workload]) -> tuple[str, ...]:
    """The services whose compose definition has watch rules: their build source's, or the
    group's `overrides: develop:`."""
    names = []
    for workload in workloads:
        made = workload.effective.made
        generated = isinstance(made, BuildChoice) and develop(made) is not None
        if generated or "develop" in dict(workload.extras):
            names.append(workload.name)
    return tuple(names)


def watch_hint(services: Sequence[str], compose_file: str) -> str:
    """What `hsmc sync` says after a build that wrote watch rules (STACK.md says the same)."""
    names = ", ".join(services)
    command = f"docker compose -f {compose_file}"
    return (
        f"Compose Watch rules for {names}: run `{command} up --watch` (or `{command} watch`), "
        "and an edit of a watched source reaches the running stack by itself"
    )


def _rule(rule: WatchRule, build: BuildChoice) -> dict[str, Node]:
    node: dict[str, Node] = {"action": _text(rule.action)}
    node["path"] = _text(_rebased(rule.directory, build))
    if rule.target is not None:
        node["target"] = _text(rule.target.value)
    if rule.ignore:
        node["ignore"] = [_text(pattern.value) for pattern in rule.ignore]
    if rule.initial_sync is not None:
        node["initial_sync"] = rule.initial_sync
    return node


def _rebased(directory: Path, build: BuildChoice) -> str:
    """`directory` relative to the output directory, where compose reads the file, as the build
    context is (resolve made `build.context` so): the context's path from the output directory,
    then the rule's path from the context. Both are relative paths between resolved absolute
    paths, so joining them lexically is exact."""
    from_context = Path(os.path.relpath(directory, build.source.directory)).as_posix()
    return posixpath.normpath(posixpath.join(build.context, from_context))


def _text(text: str) -> Value:
    """Literal text: a `$` in a path is a `$` (the compose emitter writes it as `$$`)."""
    return Value((Literal(text),))
