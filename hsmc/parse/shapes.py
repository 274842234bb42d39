"""The shape of a validated tree of each kind, without strictyaml: what the parse cache checks
an entry against before trusting it (a warm build must not import strictyaml).

This mirrors schema.py rule for rule; tests/test_cache_tampering.py derives the same shapes from the
strictyaml schemas and fails when the two differ.
"""

from __future__ import annotations

from typing import NamedTuple

from hsmc.parse.tree import Node

# NamedTuples rather than dataclasses: they are built at every start of hsmc, and are
# several times cheaper to define.


class Scalar(NamedTuple):
    """Str(), Int(), Bool() or Enum([...]) (a str among `choices`)."""

    type: type
    choices: tuple[str, ...] = ()


class Empty(NamedTuple):
    """EmptyDict() ({}) or EmptyList() ([]): a key with nothing after it."""

    type: type


class SeqOf(NamedTuple):
    item: Shape


class MapOf(NamedTuple):
    """MapPattern(Str(), value): any keys."""

    value: Shape
    minimum: int = 1
    maximum: int | None = None


class Fields(NamedTuple):
    """Map({...}): known keys, some required."""

    fields: dict[str, Shape]
    required: frozenset[str] = frozenset()


class Either(NamedTuple):
    first: Shape
    second: Shape


class Anything(NamedTuple):
    """Any(): text, or mappings and lists of it (a group's `overrides:`)."""


Shape = Scalar | Empty | SeqOf | MapOf | Fields | Either | Anything

STR = Scalar(str)
STR_MAP: Shape = Either(Empty(dict), MapOf(STR))
STR_LIST: Shape = Either(Empty(list), SeqOf(STR))
COMMAND: Shape = Either(STR, SeqOf(STR))
IMPLIES: Shape = Either(Empty(dict), MapOf(Either(Empty(dict), Fields({"params": STR_MAP}))))
HEALTHCHECK = Fields(
    {
        **{key: STR for key in ("interval", "timeout", "start_period", "start_interval")},
        "test": Either(STR, SeqOf(STR)),
        "retries": Scalar(int),
        "disable": Scalar(bool),
    }
)
LIVENESS = Fields(
    {
        **{key: STR for key in ("interval", "timeout", "start_period")},
        "test": Either(STR, SeqOf(STR)),
        "retries": Scalar(int),
    }
)
_QUANTITIES = Fields({"cpu": STR, "memory": STR})
RESOURCES = Fields({"requests": _QUANTITIES, "limits": _QUANTITIES})
PROFILE = Fields(
    {
        "mode": Scalar(str, ("managed", "external")),
        "image": STR,
        "ports": STR_LIST,
        "env": STR_MAP,
        "volumes": STR_LIST,
        "command": COMMAND,
        "healthcheck": HEALTHCHECK,
        "external": MapOf(STR),
        "resources": RESOURCES,
        "liveness": LIVENESS,
    },
    frozenset({"mode"}),
)
_SOURCE_TEXT = ("type", "path", "version", "url", "ref", "subdirectory", "image", "dockerfile")
WATCH_RULE = Fields(
    {**{key: STR for key in ("action", "path", "target")}, "ignore": STR_LIST}
    | {"initial_sync": Scalar(bool)}
)
SOURCES = MapOf(
    Fields(
        {**{key: STR for key in _SOURCE_TEXT}, "editable": Scalar(bool), "args": STR_MAP}
        | {"watch": Either(Empty(list), SeqOf(WATCH_RULE))}
    )
)
_ENTRY: dict[str, Shape] = {"name": STR, "description": STR, "default_source": STR}
_ENTRY |= {"sources": SOURCES, "env": STR_MAP, "implies": IMPLIES}
PACKAGE = Fields({**_ENTRY, "distribution": STR, "version": STR}, frozenset({"name"}))
_PARAM: Shape = Either(Empty(dict), Fields({"pattern": STR, "description": STR}))
CONTAINER = Fields(
    {
        **_ENTRY,
        **{key: STR for key in ("image", "default_profile")},
        **{key: STR_LIST for key in ("ports", "volumes")},
        "port": Scalar(int),
        "command": COMMAND,
        "healthcheck": HEALTHCHECK,
        "liveness": LIVENESS,
        "resources": RESOURCES,
        "init_only_env": SeqOf(STR),
        "files": Either(Empty(dict), MapOf(STR)),
        "connection": STR_MAP,
        "deployment_profiles": MapOf(PROFILE),
        "params": Either(Empty(dict), MapOf(_PARAM)),
    },
    frozenset({"name"}),
)
GROUP = Fields(
    {
        "selection": STR,
        "profile": STR,
        "mode": STR,
        "params": STR_MAP,
        "overrides": Either(Empty(dict), MapOf(Anything())),
    },
    frozenset({"selection"}),
)
DEFAULTS: Shape = Either(Empty(dict), Fields({"profile": STR, "mode": STR}))
ENVIRONMENT_GROUP: Shape = Either(
    Empty(dict), Fields({"selection": STR, "profile": STR, "mode": STR})
)
ENVIRONMENT: Shape = Either(
    Empty(dict),
    Fields(
        {
            "targets": STR_LIST,
            "output": STR,
            "defaults": DEFAULTS,
            "packages": Either(Empty(list), SeqOf(MapOf(STR, 1, 1))),
            "services": Either(
                Empty(dict),
                Fields({"container_groups": Either(Empty(dict), MapOf(ENVIRONMENT_GROUP))}),
            ),
        }
    ),
)
MANIFEST = Fields(
    {
        "name": STR,
        "output": STR,
        "targets": STR_LIST,
        "registry": STR_LIST,
        "defaults": DEFAULTS,
        "packages": Either(Empty(list), SeqOf(Either(STR, MapOf(STR, 1, 1)))),
        "services": Either(
            Empty(dict), Fields({"container_groups": Either(Empty(dict), MapOf(GROUP))})
        ),
        "environments": Either(Empty(dict), MapOf(ENVIRONMENT)),
    }
)
SHAPES: dict[str, Shape] = {"manifest": MANIFEST, "packages": PACKAGE, "containers": CONTAINER}


def conforms(node: Node, shape: Shape) -> bool:
    """Whether the tree has exactly the types and keys strictyaml would have let through."""
    value = node.value
    if isinstance(shape, Either):
        return conforms(node, shape.first) or conforms(node, shape.second)
    if isinstance(shape, Scalar):
        # bool is an int to Python, not to the schema
        exact = type(value) is shape.type
        return exact and (not shape.choices or value in shape.choices)
    if isinstance(shape, Empty):
        return type(value) is shape.type and not value
    if isinstance(shape, SeqOf):
        return (
            isinstance(value, list) and bool(value) and all(conforms(i, shape.item) for i in value)
        )
    if isinstance(shape, Anything):
        return _anything(node)
    if not isinstance(value, dict) or not value:
        return False
    if isinstance(shape, MapOf):
        if len(value) < shape.minimum or (shape.maximum and len(value) > shape.maximum):
            return False
        return all(conforms(child, shape.value) for child in value.values())
    if not shape.required <= value.keys() or not value.keys() <= shape.fields.keys():
        return False
    return all(conforms(child, shape.fields[key]) for key, child in value.items())


def _anything(node: Node) -> bool:
    value = node.value
    if isinstance(value, dict | list):
        children = value.values() if isinstance(value, dict) else value
        return bool(value) and all(_anything(child) for child in children)
    return type(value) is str
