"""The `watch:` rules of a build source: what Compose Watch (compose `develop.watch`) does with
the service when a file changes. Checked here, with positions, for every build source of an
entry; resolve checks that the watched paths of the chosen source exist (HSM402).

`sync+exec` is not modelled: its `exec:` is a command run in the container, with a user and
an environment of its own, which would need the reference and secret rules of a `command:`.
A group's `overrides: develop:` can still write it (docs/decisions.md, "Compose Watch").
"""

from __future__ import annotations

import os
from pathlib import Path

from hsmc import observe
from hsmc.errors import did_you_mean, printable
from hsmc.model import Text, WatchRule
from hsmc.parse.tree import Node

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hsmc.parse.reader import Reader

ACTIONS = ("rebuild", "restart", "sync", "sync+restart")
SYNCING = frozenset({"sync", "sync+restart"})  # they copy files into the container: `target`
_ACTIONS_HINT = "a watch action is one of " + ", ".join(f"`{a}`" for a in ACTIONS)


def watch_rules(
    node: Node, r: Reader, base: Path, context: Path, dockerfile: Text | None
) -> tuple[WatchRule, ...] | None:
    """The rules of the build source `node`; None without a `watch:` key, () for `watch:`
    with nothing after it (no rules: compose watches nothing). Rules with a problem are
    reported and left out."""
    if "watch" not in node:
        return None
    rules = (_rule(item, r, base, context, dockerfile) for item in node["watch"])
    return tuple(rule for rule in rules if rule is not None)


def _rule(
    item: Node, r: Reader, base: Path, context: Path, dockerfile: Text | None
) -> WatchRule | None:
    if "action" not in item:
        r.out.add(
            "HSM006",
            "a watch rule needs `action`",
            r.src.line_span(item.line),
            _ACTIONS_HINT,
        )
        return None
    action = r.text(item["action"])
    fits = _known_action(action, r) and _keys_fit(action.value, item, r)
    target = r.opt_text(item, "target")
    if target is not None and not target.value.startswith("/"):
        r.out.add(
            "HSM407",
            f"container path `{printable(target.value)}` is not absolute",
            target.span,
            "a sync target is the folder inside the container the files are copied to, e.g. `/app`",
        )
        fits = False
    path = r.opt_text(item, "path")
    directory = context if path is None else r.relative_path(path, base)
    if directory is None or not fits:
        return None
    if action.value == "rebuild" and not _seen_by_build(directory, context, dockerfile):
        assert path is not None  # the context itself is inside the context
        r.out.add(
            "HSM332",
            f"a `rebuild` rule watches `{printable(path.value)}`, outside its build context",
            path.span,
            "a build sees only its context (and its Dockerfile): watch a path inside it, or "
            "copy the files into the container with a `sync` or `sync+restart` rule",
        )
        return None
    initial = item.get("initial_sync")
    return WatchRule(
        action=action.value,
        span=action.span,
        path=path,
        directory=directory,
        target=target,
        ignore=r.texts(item, "ignore"),
        initial_sync=bool(initial.value) if initial is not None else None,
    )


def _known_action(action: Text, r: Reader) -> bool:
    if action.value in ACTIONS:
        return True
    if action.value == "sync+exec":
        r.out.add(
            "HSM330",
            "watch action `sync+exec` is not supported in a registry entry",
            action.span,
            "use `sync+restart`, or write the rule in the group's `overrides: develop: watch:` "
            "(it replaces the generated rules)",
        )
        return False
    r.out.add(
        "HSM330",
        f"unknown watch action `{printable(action.value)}`",
        action.span,
        did_you_mean(action.value, ACTIONS) or _ACTIONS_HINT,
    )
    return False


def _keys_fit(action: str, item: Node, r: Reader) -> bool:
    """A sync action copies files to `target`; the others copy nothing, so neither `target`
    nor `initial_sync` means anything to them."""
    if action in SYNCING:
        if "target" in item:
            return True
        r.out.add(
            "HSM331",
            f"a `{action}` rule needs `target`",
            r.key_of(item, "action"),
            "add `target:`, the absolute folder inside the container the files are copied to",
        )
        return False
    fits = True
    for key in ("target", "initial_sync"):
        if key in item:
            r.out.add(
                "HSM331",
                f"a `{action}` rule takes no `{key}`",
                r.key_of(item, key),
                "only `sync` and `sync+restart` copy files into the container",
            )
            fits = False
    return fits


def _seen_by_build(directory: Path, context: Path, dockerfile: Text | None) -> bool:
    """Whether a change in `directory` can change the image: it is inside the build context,
    or it is the Dockerfile (which may live outside the context)."""
    if directory.is_relative_to(context):
        return True
    recipe = Path(os.path.normpath(context / (dockerfile.value if dockerfile else "Dockerfile")))
    return directory == observe.resolve(recipe)
