"""The templates compiled to Python at wheel build (hatch_build.py, emit.compile_templates)
render exactly what the sources render, and the build stamp sees a change to them."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest

from hsmc import builtin, emit, stamp
from hsmc.emit.starter import starter_text
from hsmc.model import Artifact
from hsmc.parse import Inputs
from hsmc.pipeline import compile_project, compile_targets
from tests.conftest import CASES, GOLDEN
from tests.test_golden import NOT_ON_A_CLUSTER  # build sources: a golden error case on kubernetes


def _artifacts(case: str) -> list[tuple[Artifact, ...]]:
    root = GOLDEN / case
    targets = ["compose"] if case in NOT_ON_A_CLUSTER else ["compose", "kubernetes"]
    built = [compile_project(Inputs(path=root, cwd=root), target=t).artifacts for t in targets]
    # every environment's too (STACK.md includes environment.md.j2)
    built += [b.artifacts for b in compile_targets(Inputs(path=root, cwd=root))]
    starter = starter_text([("redis", "a cache"), ("other", None)])  # `hsmc init`
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


def _installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A package with its own copy of the templates and the modules compiled from them, as
    the wheel installs them: (templates, compiled)."""
    package = tmp_path / "hsmc"
    templates = package / "templates"
    shutil.copytree(builtin.templates_dir(), templates)
    compiled = emit.compile_templates(templates, package / builtin.COMPILED_TEMPLATES)
    monkeypatch.setattr(builtin, "_PACKAGE", package)
    monkeypatch.setattr(builtin, "templates_dir", lambda: templates)
    assert isinstance(emit.environment().loader, jinja2.ModuleLoader)
    return templates, compiled


def test_a_template_edited_after_the_install_is_rendered_from_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The modules are used only while the sources are those they were compiled from: an edit
    (which the build stamp sees) shows in the output."""
    templates, _ = _installed(tmp_path, monkeypatch)
    gitignore = templates / "gitignore.j2"
    gitignore.write_text(gitignore.read_text() + "# edited after the install\n")
    assert isinstance(emit.environment().loader, jinja2.FileSystemLoader)
    root = GOLDEN / "01-shared-container"
    built = compile_project(Inputs(path=root, cwd=root)).artifacts
    text = next(a.content for a in built if a.path == ".gitignore")
    assert text.endswith(b"# edited after the install\n")


def test_half_removed_compiled_templates_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an uninstall can leave behind (a directory without its digest) is not used: the
    build renders the sources instead of failing on a missing module."""
    _, compiled = _installed(tmp_path, monkeypatch)
    (compiled / builtin.SOURCES_DIGEST).unlink()
    for module in compiled.glob("tmpl_*.py"):
        module.unlink()
    assert isinstance(emit.environment().loader, jinja2.FileSystemLoader)


def test_a_changed_sources_digest_invalidates_the_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest decides whether the modules are used, so the stamp's context holds it."""
    _, compiled = _installed(tmp_path, monkeypatch)
    monkeypatch.setattr(stamp, "__file__", str(tmp_path / "hsmc" / "stamp.py"))
    before = stamp.context(["build"])
    (compiled / builtin.SOURCES_DIGEST).write_text("0" * 64, "ascii")
    assert stamp.context(["build"]) != before


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
