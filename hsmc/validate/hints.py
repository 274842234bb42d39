"""How to add an entry the project names but no registry root holds (HSM103's hint): the file to
create, where, and the least it must hold."""

from __future__ import annotations

import os
import re

from hsmc import builtin
from hsmc.model import Manifest

ENTRY_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")  # a name a registry file can have (format.md §2)


def new_package_hint(name: str, manifest: Manifest) -> str:
    """Names registry/packages/NAME.yaml in the project's first registry root of its own (the
    default `registry/` when it has none yet)."""
    own = [r for r in manifest.registry if r != builtin.registry_root()]
    inside = [r for r in own if r.is_relative_to(manifest.directory)]
    root = os.path.relpath(inside[0], manifest.directory) if inside else "registry"
    path = f"{root}/packages/{name}.yaml".removeprefix("./")
    return (
        f"To add a package of your own, create `{path}` holding `name: {name}` (a package from "
        "the index; add `version:`, `sources:`, `implies:` as docs/format.md §3 shows); a plain "
        "dependency such as httpx or fastapi goes into your pyproject.toml, not hsm.yaml"
    )
