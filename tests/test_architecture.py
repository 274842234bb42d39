"""The pipeline's shape, checked from the code's own imports (docs/architecture.md).

No stage module imports another stage; shared modules import no stage; only pipeline.py wires
the stages, and cli.py reaches them through pipeline.py alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hsmc

PACKAGE = Path(hsmc.__file__).parent

STAGES = {
    "parse": ("hsmc.parse",),
    "validate": ("hsmc.validate",),
    "resolve": ("hsmc.resolve",),
    "interpolate": ("hsmc.interpolate",),
    "emit": ("hsmc.emit", "hsmc.targets"),
    "write": ("hsmc.write", "hsmc.outdir", "hsmc.ownership"),
}
WIRING = {"hsmc.pipeline"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> str | None:
    for stage, prefixes in STAGES.items():
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return stage
    return None


def imports_of(path: Path) -> set[str]:
    """Every hsmc module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("hsmc")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hsmc"):
            assert node.module is not None
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}  # `from hsmc import x`
    return {m for m in found if _is_module(m)}


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    base = PACKAGE.parent / relative
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_stage_table_names_existing_modules() -> None:
    names = {_module_name(p) for p in MODULES}
    for prefixes in STAGES.values():
        assert all(p in names for p in prefixes), prefixes


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_no_module_reaches_into_another_stage(path: Path) -> None:
    module = _module_name(path)
    if module in WIRING:
        return
    own = stage_of(module)
    crossing = sorted(
        imported
        for imported in imports_of(path)
        if stage_of(imported) is not None and stage_of(imported) != own
    )
    assert crossing == [], f"{module} ({own or 'shared'}) imports {crossing}"


def test_the_cli_reaches_the_stages_only_through_the_pipeline() -> None:
    allowed = {"hsmc", "hsmc.pipeline", "hsmc.report", "hsmc.errors", "hsmc.__version__"}
    assert imports_of(PACKAGE / "cli.py") <= allowed


def test_the_rule_catches_a_crossing(tmp_path: Path) -> None:
    """The checker itself: an import of another stage inside a function is found."""
    fake = PACKAGE / "resolve" / "__init__.py"
    source = (
        fake.read_text(encoding="utf-8") + "\n\ndef _x() -> None:\n    from hsmc.emit import emit\n"
    )
    copy = tmp_path / "copy.py"
    copy.write_text(source, encoding="utf-8")
    assert "hsmc.emit" in imports_of(copy)
    assert stage_of("hsmc.emit") == "emit" and stage_of("hsmc.resolve.effective") == "resolve"


AFTER_PARSING = [p for p in MODULES if stage_of(_module_name(p)) != "parse"]


@pytest.mark.parametrize("path", AFTER_PARSING, ids=lambda p: _module_name(p))
def test_no_any_after_parsing(path: Path) -> None:
    """Past parse every value is typed: `typing.Any` is not imported."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "typing":
            assert "Any" not in {a.name for a in node.names}, _module_name(path)


# The build stamp answers a no-op build before click or a stage is imported (decisions.md,
# "Build stamp"): its modules are shared, and import only each other (stamp.py imports atomic.py
# after a build, to save the stamp).
STAMP_MODULES = {
    "hsmc.cachedir": set(),
    "hsmc.trust": set(),
    "hsmc.observe": {"hsmc.trust"},
    "hsmc.stamp": {
        "hsmc",
        "hsmc.__version__",
        "hsmc.cachedir",
        "hsmc.observe",
        "hsmc.atomic",
        "hsmc.trust",
    },
    "hsmc.entry": {"hsmc", "hsmc.__version__", "hsmc.stamp", "hsmc.cli"},
}


@pytest.mark.parametrize("module", sorted(STAMP_MODULES))
def test_the_stamp_modules_are_shared_and_import_only_each_other(module: str) -> None:
    assert stage_of(module) is None
    path = PACKAGE / f"{module.removeprefix('hsmc.')}.py"
    assert imports_of(path) <= STAMP_MODULES[module]
