"""Parsing: typed schemas with positions; YAML mistakes become located diagnostics."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hsmc.parse import Inputs, load_project
from tests.conftest import compile_errors, write_project

ENTRY = "registry/packages/a.yaml"


def _only(tmp_path: Path, entry: str) -> tuple[str, int, int, str, str | None]:
    files = {"hsm.yaml": "packages:\n  - a\n", ENTRY: entry}
    (diag,) = compile_errors(tmp_path, files)
    assert diag.span is not None
    return diag.code, diag.span.line, diag.span.col, diag.message, diag.hint


@pytest.mark.parametrize(
    ("entry", "code", "line"),
    [
        ("name: a\nenv:\n\tX: 1\n", "HSM001", 3),
        ("name: a\nenv:\n  X: 1\n Y: 2\n", "HSM001", 4),
        ("name: a\nenv: {X: 1}\n", "HSM003", 2),
        ("name: a\nimplies:\n  container:x: &x\n", "HSM004", 3),
        ("name: a\nname: b\n", "HSM002", 2),
        ("name: a\nversoin: '1'\n", "HSM005", 2),
        ("description: no name\n", "HSM006", 1),
    ],
)
def test_yaml_mistakes_are_located(tmp_path: Path, entry: str, code: str, line: int) -> None:
    found_code, found_line, _, _, hint = _only(tmp_path, entry)
    assert (found_code, found_line) == (code, line)
    assert hint


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    code, line, col, message, hint = _only(tmp_path, "name: a\nimplies:\n  container:x:\nenvv:\n")
    assert (code, line, col) == ("HSM005", 4, 1)
    assert message == "unknown key `envv`" and hint == "did you mean `env`?"


def test_a_misplaced_key_is_not_suggested_as_itself(tmp_path: Path) -> None:
    """A user trial: `editable:` at the top of a package said "did you mean `editable`?"."""
    code, line, _, message, hint = _only(tmp_path, "name: a\neditable: yes\n")
    assert (code, line, message) == ("HSM005", 2, "unknown key `editable`")
    assert hint and "did you mean" not in hint and "not at this place" in hint


def test_a_wrong_boolean_says_what_to_write(tmp_path: Path) -> None:
    entry = "name: a\nsources:\n  dev:\n    type: local\n    path: .\n    editable: maybe\n"
    code, line, _, _, hint = _only(tmp_path, entry)
    assert (code, line, hint) == ("HSM007", 6, "write `true` or `false`")


def test_flow_style_hint_explains_block_style(tmp_path: Path) -> None:
    _, _, _, _, hint = _only(tmp_path, "name: a\nenv: {X: 1}\n")
    assert hint and "block style" in hint


def test_a_port_must_be_a_number(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "services:\n  container_groups:\n    x:\n      selection: x\n",
        "registry/containers/x.yaml": "name: x\nimage: x:1\nport:\n  number: 80\n",
    }
    (diag,) = compile_errors(tmp_path, files)
    assert diag.code == "HSM007" and diag.span and diag.span.line == 3


def test_entry_name_must_match_its_file(tmp_path: Path) -> None:
    code, line, col, message, _ = _only(tmp_path, "name: b\n")
    assert (code, line, col) == ("HSM101", 1, 7)
    assert "`b`" in message and "a.yaml" in message


def test_empty_project_is_an_error(tmp_path: Path) -> None:
    (diag,) = compile_errors(tmp_path, {"hsm.yaml": "\n"})
    assert diag.code == "HSM008" and diag.span and diag.span.file == "hsm.yaml"


def test_only_reached_entries_are_parsed(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "hsm.yaml": "packages:\n  - a\n",
            ENTRY: "name: a\nimplies:\n  package:b:\n",
            "registry/packages/b.yaml": "name: b\n",
            "registry/packages/broken.yaml": "this: is: not: yaml\n",
            "registry/containers/unused.yaml": "name: unused\nimage: x\n",
        },
    )
    project, problems = load_project(Inputs(path=tmp_path, cwd=tmp_path))
    assert not problems
    assert sorted(project.packages) == ["a", "b"] and not project.containers
    # every name was found: the registry roots are not listed (a glob per root)
    assert project.available_packages == () and project.available_containers == ()


def test_the_registry_roots_are_listed_only_when_a_name_is_unknown(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "hsm.yaml": "packages:\n  - a\n",
            ENTRY: "name: a\nimplies:\n  package:nope:\n",
            "registry/packages/b.yaml": "name: b\n",
            "registry/containers/unused.yaml": "name: unused\nimage: x\n",
        },
    )
    project, _ = load_project(Inputs(path=tmp_path, cwd=tmp_path))
    assert "b" in project.available_packages and "a" in project.available_packages
    assert project.available_containers == ()  # no container name was asked for


def test_first_registry_root_wins_and_builtin_is_last(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "hsm.yaml": "registry:\n  - mine\n  - theirs\npackages:\n  - a\n",
            "mine/packages/a.yaml": "name: a\ndescription: mine\n",
            "theirs/packages/a.yaml": "name: a\ndescription: theirs\n",
        },
    )
    project, _ = load_project(Inputs(path=tmp_path, cwd=tmp_path))
    assert project.packages["a"].description == "mine"
    assert project.manifest.registry[-1].name == "registry"
    extra, _ = load_project(Inputs(path=tmp_path, cwd=tmp_path, registries=(Path("theirs"),)))
    assert extra.packages["a"].description == "theirs"


def test_positions_of_manifest_items(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "hsm.yaml": "packages:\n  - a\n  - b: dev\n",
            ENTRY: "name: a\n",
            "registry/packages/b.yaml": "name: b\nsources:\n  dev:\n    type: pypi\n",
        },
    )
    refs = load_project(Inputs(path=tmp_path, cwd=tmp_path))[0].manifest.packages
    assert [(r.name, r.span.line, r.span.col) for r in refs] == [("a", 2, 5), ("b", 3, 5)]
    assert refs[1].mode is not None and (refs[1].mode.value, refs[1].mode.span.col) == ("dev", 8)


LONG = "description: " + "a long description of the entry " * 4 + "\n"


def test_positions_stay_exact_after_a_long_scalar(tmp_path: Path) -> None:
    entry = "name: a\n" + LONG + "env:\n  X: one\n  DB_PASSWORD: hunter2\n"
    code, line, col, _, _ = _only(tmp_path / "1", entry)
    assert (code, line, col) == ("HSM308", 5, 16)
    entry = "name: a\n" + LONG + "env:\n  X: one\nenvv:\n  Y: two\n"
    code, line, col, _, _ = _only(tmp_path / "2", entry)
    assert (code, line, col) == ("HSM005", 5, 1)
    entry = "name: a\n" + LONG + "env:\n  X: one\nimplies:\n  - container:x\n"
    code, line, _, _, _ = _only(tmp_path / "3", entry)
    assert (code, line) == ("HSM007", 5)


def test_independent_errors_in_one_run_without_cascades(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "packages:\n  - a\n  - b\n",
        ENTRY: "name: a\nenv:\n\tX: 1\n",  # a tab: a is broken, but it exists
        "registry/packages/b.yaml": "name: b\nimplies:\n  container:nope-db:\n",
    }
    diagnostics = compile_errors(tmp_path, files)
    assert [(d.code, d.span.file if d.span else "") for d in diagnostics] == [
        ("HSM001", "registry/packages/a.yaml"),
        ("HSM104", "registry/packages/b.yaml"),
    ]


def test_the_printable_check_of_ascii_text_agrees_with_the_whole_class() -> None:
    """ASCII text is checked against the class's ASCII part (source.py): the same verdict and
    the same position as the whole class, for every ASCII character, alone and among others."""
    from hsmc.parse import source as source_module

    whole = source_module._printable_run()
    for code in range(0x80):
        for text in (chr(code), f"name: a{chr(code)}b\n", f"a\n{chr(code)}\u00e9"):
            diagnostic = source_module.unprintable_diagnostic(
                source_module.SourceFile(path=Path("x.yaml"), shown="x.yaml", text=text)
            )
            end = whole.match(text).end()  # type: ignore[union-attr]
            if end == len(text):
                assert diagnostic is None, repr(text)
            else:
                assert diagnostic is not None and diagnostic.span is not None, repr(text)
                assert f"U+{ord(text[end]):04X}" in diagnostic.message, repr(text)


def test_the_parse_stage_imports_no_secrets_module() -> None:
    """atomic.py names its temporary files with os.urandom: `secrets` imports random, hmac and
    base64 (about 2 ms of every build)."""
    code = "import sys, hsmc.parse, hsmc.atomic; print({'secrets', 'random'} & set(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "set()", result.stderr


_GROUP = "services:\n  container_groups:\n    postgres:\n      selection: postgres\n"


@pytest.mark.parametrize(
    ("manifest", "hint"),
    [
        # a group written straight under `services:` (a trial: no hint at all)
        (
            "packages:\n  - psycopg\nservices:\n  vector-db:\n    selection: qdrant\n",
            "groups go one level down: `services:`, then `container_groups:`, then `vector-db:`",
        ),
        (
            "packages:\n  - psycopg\nservices:\n  containers_groups:\n    x:\n"
            "      selection: postgres\n",
            "did you mean `container_groups`?",
        ),
        (
            "packages:\n  - psycopg\n" + _GROUP + "environments:\n  x:\n    services:\n"
            "      postgres:\n        mode: prod\n",
            "groups go one level down: `services:`, then `container_groups:`, then `postgres:`",
        ),
        # what an environment does not change of a group says where it goes
        (
            "packages:\n  - psycopg\n" + _GROUP + "environments:\n  x:\n    services:\n"
            "      container_groups:\n        postgres:\n          params:\n            a: b\n",
            "an environment chooses a group's `selection`, `profile` and `mode`; its `params` "
            "stay the top level's (docs/format.md §1.3): set them on group `postgres` under "
            "`services:` at the top level",
        ),
    ],
)
def test_a_misplaced_key_of_hsm_yaml_says_where_it_goes(
    tmp_path: Path, manifest: str, hint: str
) -> None:
    (diag,) = compile_errors(tmp_path, {"hsm.yaml": manifest})
    assert (diag.code, diag.hint) == ("HSM005", hint)
