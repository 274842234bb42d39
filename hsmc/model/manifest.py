"""The project manifest (`hsm.yaml`), its environments, and what parse hands on (Project);
where packages run (Reach) and how a consumer reads `.env` (EnvDialect).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from pathlib import Path

from hsmc.model.entries import ContainerEntry, PackageEntry
from hsmc.model.text import FragmentMap, Setting, Span, Text
from hsmc.record import Record, setfield

# --- where packages run ------------------------------------------------------------------------


class Reach(Enum):
    """Where the stack's Python packages run, and so how they reach a managed service (SPEC
    §3.5): each target says which (hsmc/targets/); resolve decides the endpoints by it."""

    HOST = "host"  # on the machine that publishes the ports: localhost and the published port
    BESIDE = "beside"  # beside the services (a cluster): the service's name and container port


class EnvDialect(Enum):
    """How a target's consumer reads the filled-in `.env` (docs/format.md §12): each target says
    which; `hsmc check --env-file` reads it so (hsmc/parse/envfile.py)."""

    COMPOSE_GO = "compose-go"  # Docker Compose, by compose-go's dotenv: `${VAR}`, `KEY: value`…
    KUSTOMIZE = "kustomize"  # a secretGenerator's `envs:`: `NAME=value`, the value verbatim


# --- the project manifest --------------------------------------------------------------------


class PackageRef(Record):
    name: str
    mode: Text | None
    span: Span

    def __init__(self, name: str, mode: Text | None, span: Span) -> None:
        setfield(self, "name", name)
        setfield(self, "mode", mode)
        setfield(self, "span", span)


class Group(Record):
    name: str
    span: Span
    selection: Text
    profile: Text | None
    mode: Text | None
    params: tuple[Setting, ...]
    overrides: FragmentMap | None

    def __init__(
        self,
        name: str,
        span: Span,
        selection: Text,
        profile: Text | None,
        mode: Text | None,
        params: tuple[Setting, ...],
        overrides: FragmentMap | None,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "span", span)
        setfield(self, "selection", selection)
        setfield(self, "profile", profile)
        setfield(self, "mode", mode)
        setfield(self, "params", params)
        setfield(self, "overrides", overrides)


class GroupChoice(Record):
    """What an environment sets for one group of the manifest (`environments: NAME: services:
    container_groups: GROUP:`); None: the top level's."""

    name: str
    span: Span  # the group's key inside the environment
    selection: Text | None
    profile: Text | None
    mode: Text | None

    def __init__(
        self,
        name: str,
        span: Span,
        selection: Text | None = None,
        profile: Text | None = None,
        mode: Text | None = None,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "span", span)
        setfield(self, "selection", selection)
        setfield(self, "profile", profile)
        setfield(self, "mode", mode)


class Environment(Record):
    """One entry of `environments:`: a named set of choices over the top level (docs/format.md
    §1.3). What it leaves out is the top level's; hsmc/environments.py applies it."""

    name: str
    span: Span  # its key under `environments:`
    targets: tuple[Text, ...] | None  # None: the top level's `targets:`
    output: Path | None  # absolute; None: OUTPUT/NAME
    output_span: Span | None
    default_profile: Text | None
    default_mode: Text | None
    packages: tuple[PackageRef, ...]  # `- NAME: MODE`: the source of a listed package
    groups: tuple[GroupChoice, ...]

    def __init__(
        self,
        name: str,
        span: Span,
        targets: tuple[Text, ...] | None = None,
        output: Path | None = None,
        output_span: Span | None = None,
        default_profile: Text | None = None,
        default_mode: Text | None = None,
        packages: tuple[PackageRef, ...] = (),
        groups: tuple[GroupChoice, ...] = (),
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "span", span)
        setfield(self, "targets", targets)
        setfield(self, "output", output)
        setfield(self, "output_span", output_span)
        setfield(self, "default_profile", default_profile)
        setfield(self, "default_mode", default_mode)
        setfield(self, "packages", packages)
        setfield(self, "groups", groups)


class Difference(Record):
    """A setting in which an environment differs from the default one, for STACK.md."""

    setting: str  # `defaults.mode`, group `api` `mode`, …
    value: str  # in this environment
    default: str  # in the default environment ("" when the top level sets none)

    def __init__(self, setting: str, value: str, default: str) -> None:
        setfield(self, "setting", setting)
        setfield(self, "value", value)
        setfield(self, "default", default)


class Manifest(Record):
    file: str
    directory: Path  # absolute
    name: str
    output: Path  # absolute
    output_span: Span | None  # the manifest's `output:`, None when given on the command line
    registry: tuple[Path, ...]  # absolute, in search order, built-in last
    default_profile: Text | None
    default_mode: Text | None
    packages: tuple[PackageRef, ...]
    groups: tuple[Group, ...]
    span: Span
    name_span: Span | None  # None: the name comes from the directory (always valid)
    targets: tuple[Text, ...]  # `targets:`; empty: compose only
    environments: tuple[Environment, ...]  # `environments:`, in file order
    environments_span: Span | None  # the `environments:` key
    # Set on an environment's variant of the manifest (hsmc/environments.py): its name (None:
    # the default environment, the top level) and what it changes
    environment: str | None
    differences: tuple[Difference, ...]

    def __init__(
        self,
        file: str,
        directory: Path,
        name: str,
        output: Path,
        output_span: Span | None,
        registry: tuple[Path, ...],
        default_profile: Text | None,
        default_mode: Text | None,
        packages: tuple[PackageRef, ...],
        groups: tuple[Group, ...],
        span: Span,
        name_span: Span | None = None,
        targets: tuple[Text, ...] = (),
        environments: tuple[Environment, ...] = (),
        environments_span: Span | None = None,
        environment: str | None = None,
        differences: tuple[Difference, ...] = (),
    ) -> None:
        setfield(self, "file", file)
        setfield(self, "directory", directory)
        setfield(self, "name", name)
        setfield(self, "output", output)
        setfield(self, "output_span", output_span)
        setfield(self, "registry", registry)
        setfield(self, "default_profile", default_profile)
        setfield(self, "default_mode", default_mode)
        setfield(self, "packages", packages)
        setfield(self, "groups", groups)
        setfield(self, "span", span)
        setfield(self, "name_span", name_span)
        setfield(self, "targets", targets)
        setfield(self, "environments", environments)
        setfield(self, "environments_span", environments_span)
        setfield(self, "environment", environment)
        setfield(self, "differences", differences)


class Project(Record):
    """What parse hands on: the manifest and every registry entry it reaches."""

    manifest: Manifest
    packages: Mapping[str, PackageEntry]
    containers: Mapping[str, ContainerEntry]
    available_packages: tuple[str, ...]  # every name the registry roots hold, for did-you-mean
    available_containers: tuple[str, ...]

    def __init__(
        self,
        manifest: Manifest,
        packages: Mapping[str, PackageEntry],
        containers: Mapping[str, ContainerEntry],
        available_packages: tuple[str, ...],
        available_containers: tuple[str, ...],
    ) -> None:
        setfield(self, "manifest", manifest)
        setfield(self, "packages", packages)
        setfield(self, "containers", containers)
        setfield(self, "available_packages", available_packages)
        setfield(self, "available_containers", available_containers)
