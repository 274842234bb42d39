"""Inputs past the documented limits (issue 14.15) are refused with a located HSM013 before
strictyaml sees them: 1 MiB, 1,000 keys or items in one place, 5,000 in a file, 64 levels."""

from __future__ import annotations

from pathlib import Path

import pytest

from hsmc.errors import Collector
from hsmc.parse import load
from hsmc.parse.limits import MAX_BYTES, MAX_DEPTH, MAX_ENTRIES, limit_diagnostic
from hsmc.parse.source import SourceFile
from hsmc.parse.tree import Node
from tests.conftest import compile_errors, run_hsmc, write_project

MANIFEST = "packages:\n  - app\n"
PACKAGE = "name: app\n"


def _env(keys: int, width: int = 1) -> str:
    """An `env:` map of `keys` keys (a key per line, from line 2 of the block on)."""
    return "env:\n" + "".join(f"  KEY_{i}: {'v' * width}\n" for i in range(keys))


def _nested(levels: int, indent: str = "") -> str:
    """`levels` mappings nested in one another, from `indent` on; the last holds `v: x`."""
    lines = [f"{indent}{'  ' * i}k{i}:\n" for i in range(levels - 1)]
    return "".join(lines) + f"{indent}{'  ' * (levels - 1)}v: x\n"


def _groups_with_overrides(overrides: str) -> str:
    return (
        "services:\n  container_groups:\n    cache:\n      selection: redis\n"
        f"      overrides:\n{overrides}"
    )


def _source(text: str) -> SourceFile:
    return SourceFile(path=Path("x.yaml"), shown="x.yaml", text=text)


def _never_parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    validate = load._validate

    def recording(source: SourceFile, kind: str, out: Collector) -> Node | None:
        parsed.append(source.shown)
        return validate(source, kind, out)

    monkeypatch.setattr(load, "_validate", recording)
    return parsed


# --- the attacks of the issue, in the manifest and in a registry entry ------------------------

CASES = {
    "wide-manifest": (
        {
            "hsm.yaml": _groups_with_overrides(
                "        environment:\n" + "".join(f"          KEY_{i}: v\n" for i in range(8000))
            )
        },
        "hsm.yaml",
        1007,  # the 1,001st key
        "more than 1,000 entries in one mapping or list",
    ),
    "wide-entry": (
        {"hsm.yaml": MANIFEST, "registry/packages/app.yaml": PACKAGE + _env(8000)},
        "registry/packages/app.yaml",
        1003,
        "more than 1,000 entries in one mapping or list",
    ),
    "deep-manifest": (
        {"hsm.yaml": MANIFEST + _groups_with_overrides(_nested(1000, "        "))},
        "hsm.yaml",
        68,  # services, container_groups, cache, overrides, then k0… from level 5 on
        f"nested more than {MAX_DEPTH} levels deep",
    ),
    "deep-entry": (
        {
            "hsm.yaml": MANIFEST,
            "registry/packages/app.yaml": PACKAGE + "env:\n" + _nested(1000, "  "),
        },
        "registry/packages/app.yaml",
        66,
        f"nested more than {MAX_DEPTH} levels deep",
    ),
    "large-entry": (
        {"hsm.yaml": MANIFEST, "registry/packages/app.yaml": PACKAGE + _env(900, 1200)},
        "registry/packages/app.yaml",
        None,
        "file too large: 1,090,705 bytes, more than the limit of 1,048,576 (1 MiB)",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_inputs_past_the_limits_are_refused_before_parsing(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, where, line, message = CASES[case]
    parsed = _never_parsed(monkeypatch)
    diagnostics = compile_errors(tmp_path, files)
    assert [d.code for d in diagnostics] == ["HSM013"]
    (diagnostic,) = diagnostics
    assert diagnostic.message.startswith(message), diagnostic.message
    assert diagnostic.span is not None and diagnostic.span.file == where
    if line is not None:
        assert diagnostic.span.line == line
    assert where not in parsed  # strictyaml never saw it


def test_a_refused_file_exits_1_with_a_located_error_and_writes_nothing(tmp_path: Path) -> None:
    project = write_project(
        tmp_path, {"hsm.yaml": MANIFEST + _groups_with_overrides(_nested(1000, "        "))}
    )
    for args in (["build"], ["build", "--no-cache"], ["build"]):  # cold, no cache, warm
        result = run_hsmc(*args, cwd=project, env={"NO_COLOR": "1"})
        assert result.returncode == 1, result.stderr
        assert "error[HSM013]: nested more than 64 levels deep" in result.stderr
        assert " --> hsm.yaml:68:" in result.stderr
        assert "recursion" not in result.stderr and "Traceback" not in result.stderr
        assert not (project / "generated").exists()


def test_the_limits_themselves_are_allowed() -> None:
    assert limit_diagnostic(_source(PACKAGE + _env(MAX_ENTRIES))) is None
    assert limit_diagnostic(_source(PACKAGE + _env(MAX_ENTRIES + 1))) is not None
    assert limit_diagnostic(_source("env:\n" + _nested(MAX_DEPTH - 1, "  "))) is None
    assert limit_diagnostic(_source("env:\n" + _nested(MAX_DEPTH, "  "))) is not None
    exact = PACKAGE + "description: " + "d" * (MAX_BYTES - len(PACKAGE) - 14) + "\n"
    assert len(exact.encode()) == MAX_BYTES
    assert limit_diagnostic(_source(exact)) is None
    assert limit_diagnostic(_source(exact + "#")) is not None


def test_lists_and_compact_nesting_count_too() -> None:
    items = "ports:\n" + "".join(f'  - "{i}:80"\n' for i in range(MAX_ENTRIES + 1))
    assert limit_diagnostic(_source(PACKAGE + items)) is not None
    compact = "packages:\n" + "- " * (MAX_DEPTH + 1) + "x\n"  # `- - - x`: one level per dash
    refused = limit_diagnostic(_source(compact))
    assert refused is not None and refused.message.startswith("nested")


def test_many_entries_in_one_file_are_refused() -> None:
    profiles = "".join(
        f"  p{j}:\n    mode: managed\n    env:\n" + "".join(f"      K{i}: v\n" for i in range(900))
        for j in range(6)
    )
    refused = limit_diagnostic(_source(PACKAGE + "deployment_profiles:\n" + profiles))
    assert refused is not None and "in one file" in refused.message


def test_every_shipped_and_golden_input_is_far_below_the_limits() -> None:
    from tests.test_cache_tampering import _input_files

    for path, _ in _input_files():
        text = path.read_bytes().decode("utf-8", "replace")
        assert limit_diagnostic(_source(text)) is None, path
