"""The strictyaml boundary: text → validated, located tree (or diagnostics), through the cache.

strictyaml (and its schemas) are imported only here, and only when the cache misses. Many misses
at once (a cold build of a large project) are validated by a pool of forked worker processes:
strictyaml is pure Python and parsing is nearly all of a cold build's time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from hsmc.errors import Collector, Diagnostic
from hsmc.parse.cache import Cache
from hsmc.parse.fast import fast_tree
from hsmc.parse.limits import limit_diagnostic
from hsmc.parse.source import (
    SourceFile,
    schema_diagnostic,
    syntax_diagnostic,
    unprintable_diagnostic,
)
from hsmc.parse.tree import Node, from_validated


def load_tree(source: SourceFile, kind: str, out: Collector, cache: Cache) -> Node | None:
    """`kind`: "manifest", "packages" or "containers". Invalid files are not cached."""
    refused = limit_diagnostic(source)  # before the cache too: the same result without it
    if refused is not None:
        out.extend([refused])
        return None
    node = cache.get(source, kind)
    if node is not None:
        return node
    node = _validate(source, kind, out)
    if node is not None:
        cache.put(source, kind, node)
    return node


_PARALLEL_FROM = 16  # misses below this are parsed in-process: a pool costs tens of ms


def load_trees(
    jobs: Sequence[tuple[SourceFile, str]], out: Collector, cache: Cache
) -> list[Node | None]:
    """load_tree for many files at once; results (and diagnostics) in the order of `jobs`."""
    refused = [limit_diagnostic(source) for source, _ in jobs]
    out.extend(d for d in refused if d is not None)
    trees: list[Node | None] = [
        None if refused[i] else cache.get(source, kind) for i, (source, kind) in enumerate(jobs)
    ]
    misses = [i for i, tree in enumerate(trees) if tree is None and refused[i] is None]
    misses = _fast_path(jobs, misses, trees, cache)
    workers = min(len(misses) // (_PARALLEL_FROM // 2), os.cpu_count() or 1, 8)
    if len(misses) >= _PARALLEL_FROM and workers > 1 and sys.platform == "linux":
        import multiprocessing  # here: 10 ms at import, which a warm build does not need

        import strictyaml  # noqa: F401  (imported once here, inherited by the forked workers)

        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            results = pool.map(_validate_job, [jobs[i] for i in misses], chunksize=4)
    else:
        results = [_validate_job(jobs[i]) for i in misses]
    for i, (tree, diagnostics) in zip(misses, results, strict=True):
        out.extend(diagnostics)
        trees[i] = tree
        if tree is not None:
            cache.put(*jobs[i], tree)
    return trees


def _fast_path(
    jobs: Sequence[tuple[SourceFile, str]],
    misses: list[int],
    trees: list[Node | None],
    cache: Cache,
) -> list[int]:
    """The fast path for every miss, in this process (a worker would cost more than it saves);
    the misses it declined."""
    declined = []
    for i in misses:
        source, kind = jobs[i]
        tree = None
        if unprintable_diagnostic(source) is None:  # else _validate reports it
            tree = fast_tree(source.text, kind, source.lines)
        if tree is None:
            declined.append(i)
        else:
            trees[i] = tree
            cache.put(source, kind, tree)
    return declined


def _validate_job(job: tuple[SourceFile, str]) -> tuple[Node | None, list[Diagnostic]]:
    out = Collector()
    tree = _validate(job[0], job[1], out)
    return tree, out.diagnostics


def _validate(source: SourceFile, kind: str, out: Collector) -> Node | None:
    unprintable = unprintable_diagnostic(source)
    if unprintable is not None:
        out.extend([unprintable])
        return None
    # the one hook of the fast path: a tree only for a file strictyaml provably accepts as is
    tree = fast_tree(source.text, kind, source.lines)
    return tree if tree is not None else strict(source, kind, out)


def strict(source: SourceFile, kind: str, out: Collector) -> Node | None:
    """strictyaml, the parser of record: acceptance, the tree, and every error."""
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
    except Exception as exc:
        out.extend([syntax_diagnostic(exc, source)])
        return None
    return from_validated(document.data, document._chunk.whole_document)
