"""Where the data shipped with hsmc lives: the built-in registry, the templates, the schemas.

In a wheel they are package data (hsmc/registry, hsmc/templates); in a source checkout or an
editable install they are the repository's top-level registry/ and templates/.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def registry_root() -> Path:
    return _data_dir("registry")


def templates_dir() -> Path:
    return _data_dir("templates")


def schema_file(kind: str) -> Path:
    """The shipped JSON Schema of `manifest`, `package` or `container` (hsmc/jsonschema.py
    generates it; a test keeps the shipped copy equal)."""
    return _data_dir("schemas") / f"{kind}.schema.json"
