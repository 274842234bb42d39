"""Typed data shared by the pipeline stages, one module per stage of the data.

Everything here is immutable (hsmc/record.py). The parse stage builds the input model
(`text`, `entries`, `manifest`: Manifest, PackageEntry, ContainerEntry, with a Span on everything
a diagnostic may point at); resolve builds the Stack (`stack`); interpolate turns every string
into a Value whose pieces say what is literal text and what is a run-time ${VAR} reference
(`values`), so that each artifact can escape it its own way. Import the names from here.
"""

from __future__ import annotations

from hsmc.model.entries import (
    BuildSource as BuildSource,
)
from hsmc.model.entries import (
    ContainerEntry as ContainerEntry,
)
from hsmc.model.entries import (
    ContainerSource as ContainerSource,
)
from hsmc.model.entries import (
    DeployMode as DeployMode,
)
from hsmc.model.entries import (
    GitSource as GitSource,
)
from hsmc.model.entries import (
    Healthcheck as Healthcheck,
)
from hsmc.model.entries import (
    ImageSource as ImageSource,
)
from hsmc.model.entries import (
    Implication as Implication,
)
from hsmc.model.entries import (
    LocalSource as LocalSource,
)
from hsmc.model.entries import (
    PackageEntry as PackageEntry,
)
from hsmc.model.entries import (
    PackageSource as PackageSource,
)
from hsmc.model.entries import (
    ParamSpec as ParamSpec,
)
from hsmc.model.entries import (
    Profile as Profile,
)
from hsmc.model.entries import (
    PypiSource as PypiSource,
)
from hsmc.model.entries import (
    ResourceSpec as ResourceSpec,
)
from hsmc.model.entries import (
    ShippedFile as ShippedFile,
)
from hsmc.model.entries import (
    Source as Source,
)
from hsmc.model.entries import (
    SourceKind as SourceKind,
)
from hsmc.model.entries import (
    TargetKind as TargetKind,
)
from hsmc.model.entries import (
    WatchRule as WatchRule,
)
from hsmc.model.manifest import (
    Difference as Difference,
)
from hsmc.model.manifest import (
    EnvDialect as EnvDialect,
)
from hsmc.model.manifest import (
    Environment as Environment,
)
from hsmc.model.manifest import (
    Group as Group,
)
from hsmc.model.manifest import (
    GroupChoice as GroupChoice,
)
from hsmc.model.manifest import (
    Manifest as Manifest,
)
from hsmc.model.manifest import (
    PackageRef as PackageRef,
)
from hsmc.model.manifest import (
    Project as Project,
)
from hsmc.model.manifest import (
    Reach as Reach,
)
from hsmc.model.stack import (
    _NO_HEALTHCHECK as _NO_HEALTHCHECK,
)
from hsmc.model.stack import (
    _NO_RESOURCES as _NO_RESOURCES,
)
from hsmc.model.stack import (
    CONDITIONS as CONDITIONS,
)
from hsmc.model.stack import (
    BuildChoice as BuildChoice,
)
from hsmc.model.stack import (
    Dependency as Dependency,
)
from hsmc.model.stack import (
    DependsOn as DependsOn,
)
from hsmc.model.stack import (
    EffectiveService as EffectiveService,
)
from hsmc.model.stack import (
    Endpoint as Endpoint,
)
from hsmc.model.stack import (
    EnvLayer as EnvLayer,
)
from hsmc.model.stack import (
    HealthcheckSpec as HealthcheckSpec,
)
from hsmc.model.stack import (
    ImageChoice as ImageChoice,
)
from hsmc.model.stack import (
    Mount as Mount,
)
from hsmc.model.stack import (
    Note as Note,
)
from hsmc.model.stack import (
    Param as Param,
)
from hsmc.model.stack import (
    PortBinding as PortBinding,
)
from hsmc.model.stack import (
    PortItem as PortItem,
)
from hsmc.model.stack import (
    ResolvedPackage as ResolvedPackage,
)
from hsmc.model.stack import (
    ResolvedService as ResolvedService,
)
from hsmc.model.stack import (
    Stack as Stack,
)
from hsmc.model.text import (
    Fragment as Fragment,
)
from hsmc.model.text import (
    FragmentList as FragmentList,
)
from hsmc.model.text import (
    FragmentMap as FragmentMap,
)
from hsmc.model.text import (
    Number as Number,
)
from hsmc.model.text import (
    Setting as Setting,
)
from hsmc.model.text import (
    Span as Span,
)
from hsmc.model.text import (
    Text as Text,
)
from hsmc.model.values import (
    Artifact as Artifact,
)
from hsmc.model.values import (
    BuildValues as BuildValues,
)
from hsmc.model.values import (
    EnvVar as EnvVar,
)
from hsmc.model.values import (
    Literal as Literal,
)
from hsmc.model.values import (
    PackageOut as PackageOut,
)
from hsmc.model.values import (
    Piece as Piece,
)
from hsmc.model.values import (
    RuntimeInput as RuntimeInput,
)
from hsmc.model.values import (
    RuntimeRef as RuntimeRef,
)
from hsmc.model.values import (
    Value as Value,
)
