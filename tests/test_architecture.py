"""The pipeline's shape, checked from the code's own imports (docs/architecture.md).

No stage module imports another stage; shared modules import no stage; only hsmc/pipeline/ wires
the stages, and cli.py reaches them through hsmc/pipeline/ alone. Targets are peers: no plug-in
imports another, the registry loads them by name only, and no module outside hsmc/targets/
names a particular target.
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
    # the targets' checks and emitters, and what their emitters share (hsmc/emit/)
    "targets": ("hsmc.targets", "hsmc.emit"),
    "write": ("hsmc.write", "hsmc.outdir", "hsmc.ownership"),
}
# cli.py and console.py (the command line of `build` without click): their own rule below
WIRING = {
    "hsmc.pipeline",
    "hsmc.pipeline.host",
    "hsmc.pipeline.registry",
    "hsmc.cli",
    "hsmc.console",
}


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


@pytest.mark.parametrize("module", ["cli.py", "console.py"])
def test_the_cli_reaches_the_stages_only_through_the_pipeline(module: str) -> None:
    """…and the target registry's names (a light module: it loads no target)."""
    allowed = {"hsmc", "hsmc.report", "hsmc.errors", "hsmc.__version__"}
    allowed |= {name for name in WIRING if name.startswith("hsmc.pipeline")}
    assert imports_of(PACKAGE / module) <= allowed | {"hsmc.targets", "hsmc.console"}


def test_the_rule_catches_a_crossing(tmp_path: Path) -> None:
    """The checker itself: an import of another stage inside a function is found."""
    fake = PACKAGE / "resolve" / "__init__.py"
    source = (
        fake.read_text(encoding="utf-8") + "\n\ndef _x() -> None:\n    from hsmc.emit import emit\n"
    )
    copy = tmp_path / "copy.py"
    copy.write_text(source, encoding="utf-8")
    assert "hsmc.emit" in imports_of(copy)
    assert stage_of("hsmc.emit") == "targets" and stage_of("hsmc.resolve.effective") == "resolve"


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
    "hsmc.entry": {"hsmc", "hsmc.__version__", "hsmc.stamp", "hsmc.cli", "hsmc.console"},
}


@pytest.mark.parametrize("module", sorted(STAMP_MODULES))
def test_the_stamp_modules_are_shared_and_import_only_each_other(module: str) -> None:
    assert stage_of(module) is None
    path = PACKAGE / f"{module.removeprefix('hsmc.')}.py"
    assert imports_of(path) <= STAMP_MODULES[module]


# --- targets as peers ----------------------------------------------------------------------------

TARGETS_DIR = PACKAGE / "targets"
PLUGINS = sorted(p.name for p in TARGETS_DIR.iterdir() if (p / "__init__.py").is_file())


def test_the_registry_lists_every_plug_in() -> None:
    from hsmc import targets

    assert sorted(targets.NAMES) == PLUGINS
    assert all(targets.get(name).name == name for name in targets.NAMES)


@pytest.mark.parametrize("plugin", PLUGINS)
def test_no_target_imports_another(plugin: str) -> None:
    others = {f"hsmc.targets.{p}" for p in PLUGINS if p != plugin}
    for path in sorted((TARGETS_DIR / plugin).rglob("*.py")):
        crossing = sorted(m for m in imports_of(path) if any(m.startswith(o) for o in others))
        assert crossing == [], f"{_module_name(path)} imports {crossing}"


def test_the_registry_and_the_shared_emit_code_import_no_plug_in() -> None:
    """The registry loads a plug-in by name when it is asked for (a compose build never loads
    the cluster's code); what the emitters share knows no target."""
    shared = [TARGETS_DIR / "__init__.py", *sorted((PACKAGE / "emit").rglob("*.py"))]
    for path in shared:
        found = sorted(m for m in imports_of(path) if m.startswith("hsmc.targets."))
        assert found == [], f"{_module_name(path)} imports {found}"


def _names_a_target(path: Path, names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and node.value in names:
            found.append(f"line {node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Attribute | ast.Name):
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            if name.lower() in names:
                found.append(f"line {node.lineno}: {name}")
    return found


OUTSIDE_TARGETS = [p for p in MODULES if not p.is_relative_to(TARGETS_DIR)]


@pytest.mark.parametrize("path", OUTSIDE_TARGETS, ids=lambda p: _module_name(p))
def test_no_module_outside_the_targets_names_one(path: Path) -> None:
    """No `"kubernetes"`/`"compose"` branch, no Target.KUBERNETES: a stage, the pipeline and
    the shared modules reach a target through the protocol only."""
    assert _names_a_target(path, set(PLUGINS)) == []


def test_the_target_rule_catches_a_branch(tmp_path: Path) -> None:
    copy = tmp_path / "copy.py"
    copy.write_text('if target.name == "kubernetes":\n    x = Target.KUBERNETES\n')
    assert len(_names_a_target(copy, set(PLUGINS))) == 2
