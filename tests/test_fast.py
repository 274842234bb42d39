"""The fast path (hsmc/parse/fast.py) agrees with strictyaml: whatever it accepts, strictyaml
accepts with the identical located tree; PyYAML is a dependency, and everything works alike
without it or without its C extension."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsmc import builtin
from hsmc.errors import Collector, CompileError
from hsmc.parse import Inputs, load
from hsmc.parse.fast import fast_tree
from hsmc.parse.source import SourceFile
from hsmc.pipeline import compile_project
from tests.conftest import CASES, GOLDEN, copy_case
from tests.test_mutations import MUTATIONS

ROOT = Path(__file__).resolve().parent.parent


def _kind(path: Path) -> str:
    if path.name == "hsm.yaml":
        return "manifest"
    return "packages" if path.parent.name == "packages" else "containers"


FILES = sorted(
    p
    for pattern in ("golden/**/*.yaml", "registry/**/*.yaml", "examples/**/*.yaml")
    for p in ROOT.glob(pattern)
    if not {"expected", "generated"} & set(p.relative_to(ROOT).parts)
    and (p.name == "hsm.yaml" or p.parent.name in ("packages", "containers"))
)


def _both(text: str, kind: str) -> tuple[object, object]:
    """(fast tree or None, strictyaml tree or None) as JSON."""
    source = SourceFile(Path(f"x/{kind}/entry.yaml"), "entry.yaml", text)
    fast = fast_tree(text, kind, source.lines)
    strict = load.strict(source, kind, Collector())
    return (fast.to_json() if fast else None), (strict.to_json() if strict else None)


def test_pyyaml_with_its_c_parser_is_installed_for_the_tests() -> None:
    from yaml import CSafeLoader  # noqa: F401  (else every test below would pass vacuously)


def test_pyyaml_is_a_dependency_of_every_install() -> None:
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    found = [Requirement(r) for r in requires("hsmc") or ()]
    assert [r.marker for r in found if r.name.lower() == "pyyaml"] == [None], found


# The two ways a machine can lack the fast path: no PyYAML at all (an install that left it out),
# or PyYAML without its C extension (no wheel for the platform, built where libyaml was missing)
WITHOUT = ("no PyYAML", "PyYAML without libyaml")


def _hide(how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if how == "no PyYAML":
        monkeypatch.setitem(sys.modules, "yaml", None)  # `import yaml` raises ImportError
    else:  # a fresh `import yaml` finds no C extension: pure Python, no CSafeLoader
        for name in [n for n in sys.modules if n == "yaml" or n.startswith("yaml.")]:
            monkeypatch.delitem(sys.modules, name)
        monkeypatch.setitem(sys.modules, "yaml._yaml", None)
        import yaml

        assert not yaml.__with_libyaml__
    assert fast_tree("name: a\n", "packages", ("name: a",)) is None


def test_every_shipped_and_golden_file_gives_the_same_tree() -> None:
    taken = 0
    for path in FILES:
        fast, strict = _both(path.read_text("utf-8"), _kind(path))
        if fast is not None:
            assert fast == strict, path
            taken += 1
    assert taken >= len(FILES) * 3 // 4, (taken, len(FILES))  # it does take the plain files


# blank files never reach a parser (HSM008), and the mutations need lines to work on
_SOURCES = [(p, t) for p in FILES if not SourceFile(p, p.name, t := p.read_text("utf-8")).blank]


@pytest.mark.parametrize("family", sorted(MUTATIONS))
@settings(
    max_examples=int(os.environ.get("HSMC_FAST_EXAMPLES", "40")),  # per family
    deadline=None,
    derandomize=os.environ.get("HSMC_FAST_EXAMPLES") is None,  # a fixed seed in CI
    suppress_health_check=[HealthCheck.too_slow],
)
@given(target=st.sampled_from(_SOURCES), data=st.data())
def test_what_the_fast_path_accepts_strictyaml_accepts_identically(
    family: str, target: tuple[Path, str], data: st.DataObject
) -> None:
    path, original = target
    mutated = MUTATIONS[family](original, data).decode("utf-8", "replace")
    fast, strict = _both(mutated, _kind(path))
    if fast is not None:
        assert strict == fast


@pytest.mark.parametrize(
    "text",
    [
        "name: a\nport: 0x10\n",  # an Int strictyaml reads its own way
        "name: a\nport: '5'\n",
        "name: a\nhealthcheck:\n  disable: yes\n",
        "name: a\nenv: {A: b}\n",
        "name: a\nenv:\n  A: &x b\n  B: *x\n",
        "name: a\nenv:\n  A: !!str b\n",
        "---\nname: a\n",
        "name: a\n...\n",
        "name: a\ndescription: |\n  text\n",
        "name: a\ndescription: long\n  text\n",
        "name: a\nenv:\n  A: b\n  A: c\n",
        "name: a\nenv:\n  <<: b\n",
        "name: a\nenv:\n  ? A\n  : b\n",
        'name: a\ndescription: "a\\tb"\n',
        "name: a\r\ndescription: b\r\n",
        "\ufeffname: a\n",
        "name: a\nports:\n  -\n",
        "name: a\ndescription:\n",
        "name: a\nunknown: b\n",
    ],
)
def test_outside_the_plain_subset_it_declines(text: str) -> None:
    assert _both(text, "containers")[0] is None


def _artifacts(case: str, tmp_path: Path) -> dict[str, bytes] | tuple[str, ...]:
    project = copy_case(case, tmp_path)
    try:
        build = compile_project(Inputs(path=project, cwd=project, cache=False))
    except CompileError as exc:
        return tuple(d.message for d in exc.diagnostics)
    return {a.path: a.content for a in build.artifacts}


@pytest.mark.parametrize("how", WITHOUT)
@pytest.mark.parametrize("case", CASES)
def test_outputs_are_identical_with_and_without_the_fast_path(
    case: str, how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_fast = _artifacts(case, tmp_path / "fast")
    _hide(how, monkeypatch)
    assert _artifacts(case, tmp_path / "strict") == with_fast


@pytest.mark.parametrize("how", WITHOUT)
def test_errors_are_identical_with_and_without_the_fast_path(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = sorted(p.name for p in (GOLDEN / "errors").iterdir() if p.is_dir())
    found = [_error_messages(GOLDEN / "errors" / c, tmp_path / "a" / c) for c in cases]
    _hide(how, monkeypatch)
    assert [_error_messages(GOLDEN / "errors" / c, tmp_path / "b" / c) for c in cases] == found


def _error_messages(case: Path, dest: Path) -> tuple[str, ...]:
    import shutil

    shutil.copytree(case, dest, symlinks=True)
    try:
        compile_project(Inputs(path=dest, cwd=dest, cache=False))
    except CompileError as exc:
        return tuple(f"{d.code} {d.message} {d.span}" for d in exc.diagnostics)
    except OSError as exc:
        return (f"OSError {exc.strerror}",)
    return ()


def test_the_built_in_registry_takes_the_fast_path() -> None:
    root = builtin.registry_root()
    for path in sorted(root.glob("*/*.yaml")):
        text = path.read_text("utf-8")
        source = SourceFile(path, path.name, text)
        assert fast_tree(text, path.parent.name, source.lines) is not None, path


def test_a_cold_build_of_plain_files_never_imports_strictyaml(tmp_path: Path) -> None:
    import subprocess

    project = copy_case("04-hybrid-stack", tmp_path)
    code = (
        "import sys; from pathlib import Path; from hsmc.parse import Inputs; "
        "from hsmc.pipeline import compile_project; "
        f"compile_project(Inputs(Path({str(project)!r}), cache=False)); "
        "print('strictyaml' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.stdout.strip() == "False", run.stderr


def test_resources_liveness_and_init_only_env_take_the_fast_path_identically() -> None:
    text = (
        "name: db\nimage: postgres:16\n"
        "resources:\n  requests:\n    cpu: 100m\n    memory: 256Mi\n"
        "liveness:\n  test:\n    - CMD\n    - pg_isready\n  interval: 10s\n  retries: 6\n"
        "init_only_env:\n  - POSTGRES_PASSWORD\n"
        "deployment_profiles:\n  prod:\n    mode: managed\n"
        "    resources:\n      limits:\n        memory: 1Gi\n"
        "    liveness:\n      test: pg_isready\n"
    )
    fast, strict = _both(text, "containers")
    assert fast is not None and fast == strict
    wrong = text.replace("retries: 6", "retries: '6'").replace("cpu: 100m", "gpu: 1")
    fast, strict = _both(wrong, "containers")
    assert fast is None and strict is None  # the schema refuses both: strictyaml reports it
