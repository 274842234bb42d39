"""The strictyaml boundary: text → validated, located tree (or diagnostics), through the cache.

strictyaml (and its schemas) are imported only here, and only when the cache misses.
"""

from __future__ import annotations

from typing import Any

from hsmc.errors import Collector
from hsmc.parse.cache import Cache, key_of
from hsmc.parse.source import SourceFile, schema_diagnostic, syntax_diagnostic
from hsmc.parse.tree import Node, from_validated


def load_tree(source: SourceFile, kind: str, out: Collector, cache: Cache) -> Node | None:
    """`kind`: "manifest", "packages" or "containers". Invalid files are not cached."""
    key = key_of(kind, source.text)
    node = cache.get(key)
    if node is not None:
        return node
    node = _validate(source, kind, out)
    if node is not None:
        cache.put(key, node)
    return node


def _validate(source: SourceFile, kind: str, out: Collector) -> Node | None:
    import strictyaml as sy
    from strictyaml.ruamel.error import MarkedYAMLError

    from hsmc.parse.schema import SCHEMAS

    try:
        document: Any = sy.load(source.text, SCHEMAS[kind], label=source.shown)
    except sy.YAMLValidationError as exc:
        out.extend([schema_diagnostic(exc, source, kind)])
        return None
    except (sy.exceptions.StrictYAMLError, MarkedYAMLError) as exc:
        out.extend([syntax_diagnostic(exc, source)])
        return None
    return from_validated(document.data, document._chunk.whole_document)
