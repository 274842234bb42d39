"""Issue 13, point 7: JSON Schemas for editors, generated from the parser's own schema.

Every golden, example and built-in input validates against them; inputs the parser refuses for
their shape (HSM003/005/006/007 cases and a few written here) fail them too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

# The editor's view of a file: a YAML parser (yaml-language-server) types scalars itself.
import yaml

from hsmc import builtin
from hsmc.parse.jsonschema import KINDS, render
from tests.conftest import GOLDEN, ROOT, compile_files, run_hsmc


def _kind(path: Path) -> str:
    if path.name == "hsm.yaml":
        return "manifest"
    return "package" if path.parent.name == "packages" else "container"


def _inputs() -> list[Path]:
    roots = [GOLDEN, ROOT / "examples", ROOT / "registry"]
    found = [p for r in roots for p in r.rglob("*.yaml") if "expected" not in p.parts]
    manifests_and_entries = [
        p for p in found if p.name == "hsm.yaml" or p.parent.name in ("packages", "containers")
    ]
    return sorted(p for p in manifests_and_entries if "errors" not in p.relative_to(ROOT).parts)


def _validator(kind: str) -> Any:
    schema = json.loads(render(kind))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_there_are_inputs_of_every_kind() -> None:
    kinds = [_kind(p) for p in _inputs()]
    assert min(kinds.count(k) for k in KINDS) >= 5


@pytest.mark.parametrize("path", _inputs(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_golden_example_and_built_in_file_is_valid(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [e.message for e in _validator(_kind(path)).iter_errors(data)]
    assert not errors, errors


def _shape_cases() -> list[Path]:
    """Error cases whose one mistake is the shape of a file (schema errors of the parser)."""
    codes = ("HSM005", "HSM006", "HSM007-packages", "HSM007-port", "HSM007-ports")
    return sorted(
        p
        for p in (GOLDEN / "errors").glob("*/expected/diagnostics.txt")
        if p.parent.parent.name.startswith(codes)
    )


@pytest.mark.parametrize("case", _shape_cases(), ids=lambda p: p.parent.parent.name)
def test_inputs_the_parser_refuses_for_their_shape_fail(case: Path) -> None:
    """The file the diagnostic points at (`--> FILE:LINE:COL`) is invalid to the schema too."""
    first = case.read_text().split("--> ", 1)[1].split(":", 1)[0]
    path = case.parent.parent / first
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert list(_validator(_kind(path)).iter_errors(data)), f"{first} passes the schema"


INVALID = {
    "manifest": [
        "packages:\n  - redis\nsevrices:\n  container_groups:\n",  # a misspelt key
        "packages:\n  - a: b\n    c: d\n",  # a mode mapping with two keys
        "services:\n  container_groups:\n    db:\n      profile: x\n",  # no selection
    ],
    "package": [
        "description: no name\n",
        "name: a\nsources:\n  dev:\n    editable: perhaps\n",
        "name: a\nimplies:\n  - container:redis\n",
    ],
    "container": [
        "name: a\nport: fifty\n",
        "name: a\ndeployment_profiles:\n  x:\n    image: y\n",  # a profile without a mode
        "name: a\ndeployment_profiles:\n  x:\n    mode: hybrid\n",
        "name: a\nhealthcheck:\n  retries: many\n",
    ],
}


@pytest.mark.parametrize(("kind", "text"), [(k, t) for k, texts in INVALID.items() for t in texts])
def test_invalid_inputs_fail(kind: str, text: str) -> None:
    assert list(_validator(kind).iter_errors(yaml.safe_load(text)))


def test_text_fields_take_what_yaml_types_as_numbers_and_strictyaml_reads_as_text(
    tmp_path: Path,
) -> None:
    """`description: 2024` is text to hsmc: the schema must not flag what hsmc accepts."""
    entry = "name: a\ndescription: 2024\nenv:\n  WORKERS: 4\n  DEBUG: true\n  EMPTY:\n"
    assert not list(_validator("package").iter_errors(yaml.safe_load(entry)))
    files = {"hsm.yaml": "packages:\n  - a\n", "registry/packages/a.yaml": entry}
    assert 'WORKERS="4"' in compile_files(tmp_path, files)["packages.env"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_shipped_copy_is_what_hsmc_generates(kind: str) -> None:
    """One source of truth: regenerate with `hsmc schema KIND > schemas/KIND.schema.json`."""
    assert builtin.schema_file(kind).read_text(encoding="utf-8") == render(kind)
    result = run_hsmc("schema", kind, cwd=ROOT)
    assert result.returncode == 0 and result.stdout == render(kind)
    path = run_hsmc("schema", kind, "--path", cwd=ROOT).stdout.strip()
    assert Path(path) == builtin.schema_file(kind)


def test_init_writes_the_modeline(tmp_path: Path) -> None:
    assert run_hsmc("init", cwd=tmp_path).returncode == 0
    first = (tmp_path / "hsm.yaml").read_text().splitlines()[0]
    assert (
        first == f"# yaml-language-server: $schema={builtin.SCHEMA_COPY}"
    )  # tests/test_schema_copy.py
