"""`hsmc schema manifest|package|container`: JSON Schemas (draft 2020-12) for editors.

Generated from hsmc/parse/shapes.py, the strictyaml-free mirror of the parser's schema (tested
equal to it), so there is one source of truth. The schemas describe what the YAML *parser* of
an editor sees: strictyaml reads every scalar as text where the schema says Str(), so a text
field also takes the numbers and booleans that YAML 1.2 would make of `5432` or `true`; a key
with nothing after it (`container:redis:`) is null. Checks beyond the shape (names, references,
secrets) stay with `hsmc check`.
"""

from __future__ import annotations

import json
from typing import Any

from hsmc.parse.shapes import (
    CONTAINER,
    MANIFEST,
    PACKAGE,
    Anything,
    Either,
    Empty,
    Fields,
    MapOf,
    Scalar,
    SeqOf,
    Shape,
)

KINDS: dict[str, tuple[Shape, str]] = {
    "manifest": (MANIFEST, "hsm.yaml: the stack of a project (hsmc)"),
    "package": (PACKAGE, "hsmc registry entry: a package (registry/packages/NAME.yaml)"),
    "container": (CONTAINER, "hsmc registry entry: a container (registry/containers/NAME.yaml)"),
}
_TEXT = {"type": ["string", "number", "boolean", "null"]}  # `key:` alone reads as ""
# strictyaml's Bool() reads these words, in any case, where YAML 1.2 sees only true/false
_BOOL_WORDS = ("yes", "no", "on", "off", "y", "n", "true", "false")
_BOOL = {
    "anyOf": [
        {"type": "boolean"},
        {"enum": sorted({f(w) for w in _BOOL_WORDS for f in (str.lower, str.upper, str.title)})},
        {"enum": [0, 1]},
    ]
}
_ANYTHING_REF = {"$ref": "#/$defs/anything"}
_ANYTHING = {
    "anyOf": [
        _TEXT,
        {"type": "array", "minItems": 1, "items": _ANYTHING_REF},
        {"type": "object", "minProperties": 1, "additionalProperties": _ANYTHING_REF},
    ]
}


def json_schema(kind: str) -> dict[str, Any]:
    shape, title = KINDS[kind]
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
    }
    schema.update(_convert(shape))
    if _uses_anything(shape):
        schema["$defs"] = {"anything": _ANYTHING}
    return schema


def render(kind: str) -> str:
    """The schema as a file: sorted keys, so the shipped copy is byte-stable."""
    return json.dumps(json_schema(kind), indent=2, sort_keys=True) + "\n"


def _convert(shape: Shape) -> dict[str, Any]:
    if isinstance(shape, Either):
        return {"anyOf": [_convert(shape.first), _convert(shape.second)]}
    if isinstance(shape, Scalar):
        return _scalar(shape)
    if isinstance(shape, Empty):
        return {"type": "null"}  # `key:` with nothing after it (strictyaml has no `{}`/`[]`)
    if isinstance(shape, SeqOf):
        return {"type": "array", "minItems": 1, "items": _convert(shape.item)}
    if isinstance(shape, MapOf):
        out: dict[str, Any] = {"type": "object", "additionalProperties": _convert(shape.value)}
        out["minProperties"] = shape.minimum
        if shape.maximum is not None:
            out["maxProperties"] = shape.maximum
        return out
    if isinstance(shape, Fields):
        out = {
            "type": "object",
            "properties": {key: _convert(child) for key, child in shape.fields.items()},
            "additionalProperties": False,
            "minProperties": 1,
        }
        if shape.required:
            out["required"] = sorted(shape.required)
        return out
    assert isinstance(shape, Anything)
    return dict(_ANYTHING_REF)


def _scalar(shape: Scalar) -> dict[str, Any]:
    if shape.choices:
        return {"enum": list(shape.choices)}
    if shape.type is int:
        return {"type": "integer"}
    if shape.type is bool:
        return _BOOL
    return _TEXT


def _uses_anything(shape: Shape) -> bool:
    if isinstance(shape, Anything):
        return True
    if isinstance(shape, Either):
        return _uses_anything(shape.first) or _uses_anything(shape.second)
    if isinstance(shape, SeqOf):
        return _uses_anything(shape.item)
    if isinstance(shape, MapOf):
        return _uses_anything(shape.value)
    if isinstance(shape, Fields):
        return any(_uses_anything(child) for child in shape.fields.values())
    return False
