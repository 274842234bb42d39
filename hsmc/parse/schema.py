"""strictyaml schemas of hsm.yaml and the registry entries (SPEC §2).

Scalars are read as strings (no implicit typing); only `port` and healthcheck `retries` are
integers and `editable`/`disable` booleans. Empty values (`container:redis:` with nothing after
it) need `EmptyDict()`/`EmptyList()` alternatives. Sources are parsed loosely and revalidated
against the schema of their `type` (two Map validators cannot be or-ed).
"""

from __future__ import annotations

from strictyaml import (
    Any,
    Bool,
    EmptyDict,
    EmptyList,
    Enum,
    Int,
    Map,
    MapPattern,
    Optional,
    Seq,
    Str,
    Validator,
)

STR_MAP: Validator = EmptyDict() | MapPattern(Str(), Str())
STR_LIST: Validator = EmptyList() | Seq(Str())
COMMAND: Validator = Str() | Seq(Str())
IMPLIES: Validator = EmptyDict() | MapPattern(
    Str(), EmptyDict() | Map({Optional("params"): STR_MAP})
)

HEALTHCHECK = Map(
    {
        Optional("test"): Str() | Seq(Str()),
        Optional("interval"): Str(),
        Optional("timeout"): Str(),
        Optional("start_period"): Str(),
        Optional("start_interval"): Str(),
        Optional("retries"): Int(),
        Optional("disable"): Bool(),
    }
)

# A liveness probe: a healthcheck's fields that Kubernetes has (`test: NONE` in a profile drops
# the entry's); the cluster's only (compose has no counterpart).
LIVENESS = Map(
    {
        Optional("test"): Str() | Seq(Str()),
        Optional("interval"): Str(),
        Optional("timeout"): Str(),
        Optional("start_period"): Str(),
        Optional("retries"): Int(),
    }
)

# requests and limits in Kubernetes' names; the quantities are read by syntax/quantities.py
_QUANTITIES = Map({Optional("cpu"): Str(), Optional("memory"): Str()})
RESOURCES = Map({Optional("requests"): _QUANTITIES, Optional("limits"): _QUANTITIES})

PROFILE = Map(
    {
        "mode": Enum(["managed", "external"]),
        Optional("image"): Str(),
        Optional("ports"): STR_LIST,
        Optional("env"): STR_MAP,
        Optional("volumes"): STR_LIST,
        Optional("command"): COMMAND,
        Optional("healthcheck"): HEALTHCHECK,
        Optional("external"): MapPattern(Str(), Str()),
        Optional("resources"): RESOURCES,
        Optional("liveness"): LIVENESS,
    }
)

# A Compose Watch rule of a build source; which keys each action takes, and that `action` is
# there, is checked by parse/watch.py, with positions.
WATCH_RULE = Map(
    {
        Optional("action"): Str(),
        Optional("path"): Str(),
        Optional("target"): Str(),
        Optional("ignore"): STR_LIST,
        Optional("initial_sync"): Bool(),
    }
)

# One map for every source type; nodes.py checks which keys each `type` takes and requires
# (SOURCE_KEYS), with positions, since strictyaml cannot or two Map validators.
SOURCE = Map(
    {
        Optional("type"): Str(),
        Optional("path"): Str(),
        Optional("editable"): Bool(),
        Optional("version"): Str(),
        Optional("url"): Str(),
        Optional("ref"): Str(),
        Optional("subdirectory"): Str(),
        Optional("image"): Str(),
        Optional("dockerfile"): Str(),
        Optional("args"): STR_MAP,
        Optional("watch"): EmptyList() | Seq(WATCH_RULE),
    }
)
SOURCES = MapPattern(Str(), SOURCE)

PACKAGE = Map(
    {
        "name": Str(),
        Optional("description"): Str(),
        Optional("distribution"): Str(),
        Optional("version"): Str(),
        Optional("default_source"): Str(),
        Optional("sources"): SOURCES,
        Optional("env"): STR_MAP,
        Optional("implies"): IMPLIES,
    }
)

CONTAINER = Map(
    {
        "name": Str(),
        Optional("description"): Str(),
        Optional("image"): Str(),
        Optional("port"): Int(),
        Optional("ports"): STR_LIST,
        Optional("env"): STR_MAP,
        Optional("volumes"): STR_LIST,
        Optional("command"): COMMAND,
        Optional("healthcheck"): HEALTHCHECK,
        Optional("liveness"): LIVENESS,
        Optional("resources"): RESOURCES,
        Optional("init_only_env"): Seq(Str()),
        Optional("files"): EmptyDict() | MapPattern(Str(), Str()),
        Optional("connection"): STR_MAP,
        Optional("implies"): IMPLIES,
        Optional("default_source"): Str(),
        Optional("sources"): SOURCES,
        Optional("default_profile"): Str(),
        Optional("deployment_profiles"): MapPattern(Str(), PROFILE),
        Optional("params"): EmptyDict()
        | MapPattern(
            Str(), EmptyDict() | Map({Optional("pattern"): Str(), Optional("description"): Str()})
        ),
    }
)

GROUP = Map(
    {
        "selection": Str(),
        Optional("profile"): Str(),
        Optional("mode"): Str(),
        Optional("params"): STR_MAP,
        Optional("overrides"): EmptyDict() | MapPattern(Str(), Any()),
    }
)

DEFAULTS: Validator = EmptyDict() | Map({Optional("profile"): Str(), Optional("mode"): Str()})

# An environment: the top level's own keys, only those an environment changes (a package's
# source, a group's selection, profile and mode); it adds and removes no package or group.
ENVIRONMENT_GROUP: Validator = EmptyDict() | Map(
    {Optional("selection"): Str(), Optional("profile"): Str(), Optional("mode"): Str()}
)
ENVIRONMENT: Validator = EmptyDict() | Map(
    {
        Optional("targets"): STR_LIST,
        Optional("output"): Str(),
        Optional("defaults"): DEFAULTS,
        Optional("packages"): EmptyList()
        | Seq(MapPattern(Str(), Str(), minimum_keys=1, maximum_keys=1)),
        Optional("services"): EmptyDict()
        | Map({Optional("container_groups"): EmptyDict() | MapPattern(Str(), ENVIRONMENT_GROUP)}),
    }
)

MANIFEST = Map(
    {
        Optional("name"): Str(),
        Optional("output"): Str(),
        Optional("targets"): STR_LIST,
        Optional("registry"): STR_LIST,
        Optional("defaults"): DEFAULTS,
        Optional("packages"): EmptyList()
        | Seq(Str() | MapPattern(Str(), Str(), minimum_keys=1, maximum_keys=1)),
        Optional("services"): EmptyDict()
        | Map({Optional("container_groups"): EmptyDict() | MapPattern(Str(), GROUP)}),
        Optional("environments"): EmptyDict() | MapPattern(Str(), ENVIRONMENT),
    }
)

SCHEMAS: dict[str, Validator] = {"manifest": MANIFEST, "packages": PACKAGE, "containers": CONTAINER}
