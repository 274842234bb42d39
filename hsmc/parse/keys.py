"""Key names of the input formats, for checks and did-you-mean (no strictyaml here)."""

from __future__ import annotations

_SOURCE_KEYS = {"type", "path", "editable", "version", "url", "ref", "subdirectory", "image"}
_SOURCE_KEYS |= {"dockerfile", "args"}

# For each source type: (required keys, optional keys).
SOURCE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "local": (("path",), ("editable",)),
    "pypi": ((), ("version",)),
    "git": (("url",), ("ref", "subdirectory")),
    "image": (("image",), ()),
    "build": (("path",), ("dockerfile", "args")),
}
_HEALTH_KEYS = {"test", "interval", "timeout", "start_period", "start_interval", "retries"}
_HEALTH_KEYS |= {"disable"}
_PROFILE_KEYS = {"mode", "image", "ports", "env", "volumes", "command", "healthcheck", "external"}

# Every key a file of each kind may hold, for did-you-mean on a misspelt key.
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "manifest": frozenset(
        {"name", "output", "registry", "defaults", "profile", "mode", "packages", "services"}
        | {"container_groups", "selection", "params", "overrides"}
    ),
    "packages": frozenset(
        {"name", "description", "distribution", "version", "default_source", "sources", "env"}
        | {"implies", "params"}
        | _SOURCE_KEYS
    ),
    "containers": frozenset(
        {"name", "description", "image", "port", "ports", "env", "volumes", "command"}
        | {"healthcheck", "files", "connection", "implies", "params", "default_source"}
        | {"sources", "default_profile", "deployment_profiles", "pattern"}
        | _SOURCE_KEYS
        | _HEALTH_KEYS
        | _PROFILE_KEYS
    ),
}
