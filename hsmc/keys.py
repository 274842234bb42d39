"""Key names of the input formats (a vocabulary shared by parse and validate; no stage)."""

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
        | {"targets", "container_groups", "selection", "params", "overrides"}
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

# The keys of a compose service (the compose specification), for a group's `overrides:`.
COMPOSE_SERVICE_KEYS = frozenset(
    (
        "annotations",
        "attach",
        "blkio_config",
        "build",
        "cap_add",
        "cap_drop",
        "cgroup",
        "cgroup_parent",
        "command",
        "configs",
        "container_name",
        "cpu_count",
        "cpu_percent",
        "cpu_period",
        "cpu_quota",
        "cpu_rt_period",
        "cpu_rt_runtime",
        "cpu_shares",
        "cpus",
        "cpuset",
        "credential_spec",
        "depends_on",
        "deploy",
        "develop",
        "device_cgroup_rules",
        "devices",
        "dns",
        "dns_opt",
        "dns_search",
        "domainname",
        "driver_opts",
        "entrypoint",
        "env_file",
        "environment",
        "expose",
        "extends",
        "external_links",
        "extra_hosts",
        "gpus",
        "group_add",
        "healthcheck",
        "hostname",
        "image",
        "init",
        "ipc",
        "isolation",
        "label_file",
        "labels",
        "links",
        "logging",
        "mac_address",
        "mem_limit",
        "mem_reservation",
        "mem_swappiness",
        "memswap_limit",
        "models",
        "network_mode",
        "networks",
        "oom_kill_disable",
        "oom_score_adj",
        "pid",
        "pids_limit",
        "platform",
        "ports",
        "post_start",
        "pre_stop",
        "privileged",
        "profiles",
        "provider",
        "pull_policy",
        "read_only",
        "restart",
        "runtime",
        "scale",
        "secrets",
        "security_opt",
        "shm_size",
        "stdin_open",
        "stop_grace_period",
        "stop_signal",
        "storage_opt",
        "sysctls",
        "tmpfs",
        "tty",
        "ulimits",
        "use_api_socket",
        "user",
        "userns_mode",
        "uts",
        "volumes",
        "volumes_from",
        "working_dir",
    )
)

# The keys of a group's `overrides:` that the typed workload models (resolve merges them into
# its fields); every other key is kept as written, for the targets that have it.
MODELED_OVERRIDES = (
    *("image", "command", "entrypoint", "environment"),
    *("ports", "volumes", "healthcheck", "depends_on"),
)
