"""The templates compiled to Python at wheel build (hatch_build.py, emit.compile_templates)
render exactly what the sources render, and the build stamp sees a change to them."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from hsmc import builtin, emit, stamp
from hsmc.model import Artifact
from hsmc.parse import Inputs
from hsmc.pipeline import compile_project
from tests.conftest import CASES, GOLDEN

NOT_ON_A_CLUSTER = {"05-editable-stack"}  # build sources: a golden error case on kubernetes


def _artifacts(case: str) -> list[tuple[Artifact, ...]]:
    root = GOLDEN / case
    targets = ["compose"] if case in NOT_ON_A_CLUSTER else ["compose", "kubernetes"]
    built = [compile_project(Inputs(path=root, cwd=root), target=t).artifacts for t in targets]
    starter = emit.starter_text([("redis", "a cache"), ("other", None)])  # `hsmc init`
    return [*built, (Artifact("hsm.yaml", starter.encode()),)]


def _use_compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every template compiled as the wheel's build hook compiles it, and emit loading them."""
    target = emit.compile_templates(builtin.templates_dir(), tmp_path / "compiled")
    monkeypatch.setattr(builtin, "compiled_templates_dir", lambda version: target)
    return target


def test_a_checkout_renders_the_sources() -> None:
    assert builtin.compiled_templates_dir(jinja2.__version__) is None
    assert isinstance(emit.environment().loader, jinja2.FileSystemLoader)


def test_every_template_is_compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = _use_compiled(tmp_path, monkeypatch)
    sources = sorted(p for p in builtin.templates_dir().rglob("*.j2"))
    assert len(list(compiled.glob("tmpl_*.py"))) == len(sources) > 8
    assert isinstance(emit.environment().loader, jinja2.ModuleLoader)


def test_modules_compiled_by_another_jinja2_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generated code calls jinja2's run time: a jinja2 upgraded after the install renders the
    sources rather than fail on modules compiled for another version."""
    templates = builtin.templates_dir()
    emit.compile_templates(templates, tmp_path / "hsmc" / builtin.COMPILED_TEMPLATES)
    monkeypatch.setattr(builtin, "_PACKAGE", tmp_path / "hsmc")
    monkeypatch.setattr(builtin, "templates_dir", lambda: templates)
    assert isinstance(emit.environment().loader, jinja2.ModuleLoader)
    monkeypatch.setattr(jinja2, "__version__", "3.0.0")
    assert isinstance(emit.environment().loader, jinja2.FileSystemLoader)


@pytest.mark.parametrize("case", CASES)
def test_compiled_templates_render_what_the_sources_render(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_source = _artifacts(case)
    _use_compiled(tmp_path, monkeypatch)
    assert isinstance(emit.environment().loader, jinja2.ModuleLoader)
    assert _artifacts(case) == from_source


def test_a_changed_compiled_template_invalidates_the_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiled templates are code inside the package: stamp.context hashes every .py of it."""
    package = tmp_path / "hsmc"
    compiled = emit.compile_templates(builtin.templates_dir(), package / builtin.COMPILED_TEMPLATES)
    monkeypatch.setattr(stamp, "__file__", str(package / "stamp.py"))
    before = stamp.context(["build"])
    assert stamp.context(["build"]) == before
    module = sorted(compiled.glob("tmpl_*.py"))[0]
    module.write_text(module.read_text() + "# changed\n")
    assert stamp.context(["build"]) != before
