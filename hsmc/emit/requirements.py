"""requirements.txt lines, one per package (SPEC §3.4): part of emit (requirements.txt,
STACK.md's package table, `graph --format json`)."""

from __future__ import annotations

import os
from pathlib import Path

from hsmc.model import (
    GitSource,
    LocalSource,
    PackageOut,
    PypiSource,
    ResolvedPackage,
    Stack,
    Text,
)


def requirement_rows(stack: Stack) -> tuple[PackageOut, ...]:
    """One row per package: its requirement line (SPEC §3.4), mode and kind of source."""
    return tuple(_package(p, stack.manifest.directory) for p in stack.packages)


def _package(package: ResolvedPackage, project_dir: Path) -> PackageOut:
    entry, source = package.entry, package.source
    mode = package.mode or "—"
    if isinstance(source, LocalSource):
        path = _relative(source.directory, project_dir)
        line = f"-e {path}" if source.editable else path
        kind = "local, editable" if source.editable else "local"
        return PackageOut(entry.name, line, mode, kind, package.implied_by)
    if isinstance(source, GitSource):
        url = f"git+{source.url.value}"
        url += f"@{source.ref.value}" if source.ref else ""
        url += f"#subdirectory={source.subdirectory.value}" if source.subdirectory else ""
        line = f"{entry.distribution} @ {url}"
        return PackageOut(entry.name, line, mode, "git", package.implied_by)
    version = source.version if isinstance(source, PypiSource) and source.version else entry.version
    line = f"{entry.distribution}{_specifier(version)}"
    kind = "pypi" if isinstance(source, PypiSource) else "package index (no source given)"
    return PackageOut(entry.name, line, mode, kind, package.implied_by)


def _specifier(version: Text | None) -> str:
    """`>=5,<6` stays; a bare `5.2.0` means `==5.2.0`."""
    if version is None or not version.value.strip():
        return ""
    value = version.value.strip()
    return f"=={value}" if value[0].isdigit() else value


def _relative(directory: Path, project_dir: Path) -> str:
    """uv resolves requirement paths against the current directory: install.sh cds there."""
    rel = Path(os.path.relpath(directory, project_dir)).as_posix()
    return rel if rel.startswith("../") else f"./{rel}"
