"""Issue 14, item 7: nested defaults cost linear time, and past MAX_DEPTH a located error.

`"${A:-${A:-…x}…}"` once took 34 s at depth 14 (each level re-expanded the references already
flattened below it) and was a RecursionError (exit 3) at depth 500.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hsmc.errors import Collector
from hsmc.interpolate.refs import PLAIN, Interpolator
from hsmc.model import Span, Text
from hsmc.refs import MAX_DEPTH
from tests.conftest import run_hsmc, write_project


def _nested(depth: int, core: str = "x") -> str:
    value = core
    for _ in range(depth):
        value = "${A:-" + value + "}"
    return value


def test_the_deepest_allowed_reference_is_read_once_per_level() -> None:
    out = Collector()
    start = time.perf_counter()
    value = Interpolator(out).value(Text(_nested(MAX_DEPTH), Span("f", 1)), PLAIN)
    elapsed = time.perf_counter() - start
    assert not out.diagnostics
    assert len(value.refs) == MAX_DEPTH  # once each: no re-expansion of nested references
    assert elapsed < 0.5, f"{elapsed:.2f} s for depth {MAX_DEPTH}"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500, 20_000])
def test_deeper_references_are_a_located_error(tmp_path: Path, depth: int) -> None:
    value = _nested(depth)
    write_project(
        tmp_path,
        {
            "hsm.yaml": "services:\n  container_groups:\n    x:\n      selection: x\n",
            "registry/containers/x.yaml": f'name: x\nimage: x:1\nenv:\n  A: "{value}"\n',
        },
    )
    start = time.perf_counter()
    result = run_hsmc("build", cwd=tmp_path, env={"NO_COLOR": "1"})
    assert time.perf_counter() - start < 20
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"error[HSM315]: a reference nested more than {MAX_DEPTH} levels deep" in result.stderr
    assert " --> registry/containers/x.yaml:4:7" in result.stderr
    assert not (tmp_path / "generated").exists()
