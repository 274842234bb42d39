"""Mutated golden projects: hsmc ends in success or in a CompileError that points into the input.

Each example copies one valid golden project (golden/0*/) to a temporary directory, applies one
mutation to one of its YAML files (hsm.yaml or a registry entry) and compiles it in-process.
Whatever the mutation, the pipeline must either succeed or raise CompileError whose every
diagnostic (and every related note) has a span in a real file of the project, as a relative path
(or `built-in:…` for an entry of the built-in registry), at a line that exists in that file (line 1
of an empty file). Any other exception is a bug in hsmc.

One test per family of mutations, so that a bug found by one family does not hide the others.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import string
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from dotenv import dotenv_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strictyaml.ruamel import YAML

from hsmc import builtin
from hsmc.errors import CompileError
from hsmc.model import Span
from hsmc.parse import Inputs
from hsmc.pipeline import Build, compile_project
from tests.conftest import GOLDEN

EXAMPLES_PER_FAMILY = 200  # 14 families in about 45 s on a shared 2-core machine

Files = dict[str, tuple[bytes, int]]  # relative path → (content, mode)


def _load(case: Path) -> Files:
    files: Files = {}
    for path in sorted(case.rglob("*")):
        rel = path.relative_to(case)
        if path.is_file() and not {"expected", "generated"} & set(rel.parts):
            files[rel.as_posix()] = (path.read_bytes(), path.stat().st_mode & 0o777)
    return files


PROJECTS: dict[str, Files] = {
    p.name: _load(p) for p in sorted(GOLDEN.glob("0*")) if (p / "hsm.yaml").is_file()
}
TARGETS = [
    (case, rel)
    for case, files in PROJECTS.items()
    for rel in files
    if rel == "hsm.yaml" or (rel.startswith("registry/") and rel.endswith(".yaml"))
]
BUILTIN = builtin.registry_root().resolve()

# --- mutations: (original text, data) → mutated bytes -----------------------------------------

Mutation = Callable[[str, st.DataObject], bytes]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _line_index(data: st.DataObject, lines: list[str]) -> int:
    return data.draw(st.integers(0, max(0, len(lines) - 1)), label="line")


def _join(lines: list[str]) -> bytes:
    return "".join(lines).encode("utf-8")


def drop_line(text: str, data: st.DataObject) -> bytes:
    lines = _lines(text)
    del lines[_line_index(data, lines)]
    return _join(lines)


def duplicate_line(text: str, data: st.DataObject) -> bytes:
    lines = _lines(text)
    i = _line_index(data, lines)
    j = data.draw(st.integers(0, len(lines)), label="insert at")
    line = lines[i] if lines[i].endswith("\n") else lines[i] + "\n"
    lines.insert(j, line)
    return _join(lines)


def swap_lines(text: str, data: st.DataObject) -> bytes:
    lines = [line.rstrip("\n") for line in _lines(text)]
    i, j = _line_index(data, lines), _line_index(data, lines)
    lines[i], lines[j] = lines[j], lines[i]
    return ("\n".join(lines) + "\n").encode("utf-8")


def reindent(text: str, data: st.DataObject) -> bytes:
    lines = _lines(text)
    i = _line_index(data, lines)
    count = data.draw(st.integers(1, 3), label="lines")
    delta = data.draw(st.sampled_from([-4, -2, -1, 1, 2, 3, 4]), label="delta")
    for k in range(i, min(len(lines), i + count)):
        body = lines[k].lstrip(" ")
        indent = len(lines[k]) - len(body)
        lines[k] = " " * max(0, indent + delta) + body
    return _join(lines)


_KEY_VALUE = re.compile(r"^(?P<indent>\s*)(?P<dash>- )?(?P<key>[^\s#:][^#:]*?:)(?P<value>[ ].*)?$")
_ITEM = re.compile(r"^(?P<indent>\s*)- (?P<value>.+)$")
_SCALAR_TEXT = st.sampled_from(
    ["", "~", "null", "yes", "no", "true", "0", "-1", "1e3", "0x1F", "eighty", "'quoted'", '""']
)


def _replacement(data: st.DataObject, indent: str) -> str:
    kind = data.draw(st.sampled_from(["number", "list", "mapping", "empty", "text"]), label="as")
    if kind == "number":
        number = data.draw(st.integers(-(10**6), 10**12) | st.floats(allow_nan=False))
        return f" {number}"
    if kind == "list":
        return f"\n{indent}  - item\n{indent}  - 5432"
    if kind == "mapping":
        return f"\n{indent}  key: value\n{indent}  port: 1"
    if kind == "empty":
        return ""
    return " " + data.draw(_SCALAR_TEXT, label="text")


def retype_scalar(text: str, data: st.DataObject) -> bytes:
    lines = text.splitlines()
    candidates = [i for i, line in enumerate(lines) if _KEY_VALUE.match(line) or _ITEM.match(line)]
    if not candidates:
        return text.encode("utf-8")
    i = data.draw(st.sampled_from(candidates), label="scalar line")
    match = _KEY_VALUE.match(lines[i])
    if match:
        indent = match["indent"] + ("  " if match["dash"] else "")
        head = f"{match['indent']}{match['dash'] or ''}{match['key']}"
        lines[i] = head + _replacement(data, indent)
    else:
        item = _ITEM.match(lines[i])
        assert item is not None
        shape = data.draw(st.sampled_from(["number", "mapping", "list", "empty"]), label="item")
        ind = item["indent"]
        lines[i] = {
            "number": f"{ind}- {data.draw(st.integers(-5, 10**6))}",
            "mapping": f"{ind}- key: {item['value']}",
            "list": f"{ind}- - {item['value']}",
            "empty": f"{ind}-",
        }[shape]
    return ("\n".join(lines) + "\n").encode("utf-8")


_REFERENCE_EDITS = [
    ("${", "${HSM."),
    ("${", "${HSM_"),
    ("${", "${HSM_PARAMS."),
    ("${", "$"),
    ("${", "${{"),
    ("}", ""),
    ("HSM_MERGED_PARAMS", "HSM_PARAMS"),
    ("HSM_MERGED_PARAMS", "HSM"),
    ("HSM_PARAMS", "HSM_MERGED_PARAMS"),
    ("HSM.host", "HSM.hostname"),
    ("HSM.port", "HSM_PARAMS.port"),
    (":?", ":"),
    (":-", ":-${"),
]


def corrupt_reference(text: str, data: st.DataObject) -> bytes:
    edits = [(old, new) for old, new in _REFERENCE_EDITS if old in text]
    how = data.draw(st.sampled_from(["edit", "dollar"]) if edits else st.just("dollar"))
    if how == "dollar":
        at = data.draw(st.integers(0, len(text)), label="$ at")
        extra = data.draw(st.sampled_from(["$", "${", "$X", "${HSM", "$$", "${X:-", "}"]))
        return (text[:at] + extra + text[at:]).encode("utf-8")
    old, new = data.draw(st.sampled_from(edits), label="edit")
    starts = [m.start() for m in re.finditer(re.escape(old), text)]
    at = data.draw(st.sampled_from(starts), label="occurrence")
    return (text[:at] + new + text[at + len(old) :]).encode("utf-8")


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9]")
_TYPO_CHARS = string.ascii_lowercase + string.digits + "-_.A"


def rename_name(text: str, data: st.DataObject) -> bytes:
    words = [m for m in _NAME.finditer(text) if len(m.group()) >= 3]
    if not words:
        return text.encode("utf-8")
    word = data.draw(st.sampled_from(words), label="word")
    name = word.group()
    i = data.draw(st.integers(0, len(name) - 1), label="at")
    how = data.draw(st.sampled_from(["drop", "double", "swap", "replace", "insert"]))
    char = data.draw(st.sampled_from(_TYPO_CHARS), label="char")
    typo = {
        "drop": name[:i] + name[i + 1 :],
        "double": name[:i] + name[i] + name[i:],
        "swap": name[:i] + name[i + 1 : i + 2] + name[i : i + 1] + name[i + 2 :],
        "replace": name[:i] + char + name[i + 1 :],
        "insert": name[:i] + char + name[i:],
    }[how]
    every = data.draw(st.booleans(), label="every occurrence in the file")
    if every:
        return re.sub(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", typo, text).encode("utf-8")
    return (text[: word.start()] + typo + text[word.end() :]).encode("utf-8")


def insert_bytes(text: str, data: st.DataObject) -> bytes:
    raw = text.encode("utf-8")
    at = data.draw(st.integers(0, len(raw)), label="at")
    junk = data.draw(st.binary(min_size=1, max_size=8), label="bytes")
    return raw[:at] + junk + raw[at:]


_ODD_TEXT = st.text(
    st.characters(codec="utf-8")
    | st.sampled_from(["\x00", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\ufeff", "\r", "\t"]),
    min_size=1,
    max_size=6,
)


def insert_unicode(text: str, data: st.DataObject) -> bytes:
    at = data.draw(st.integers(0, len(text)), label="at")
    junk = data.draw(_ODD_TEXT, label="text")
    return (text[:at] + junk + text[at:]).encode("utf-8")


def insert_tabs(text: str, data: st.DataObject) -> bytes:
    lines = _lines(text)
    i = _line_index(data, lines)
    where = data.draw(st.sampled_from(["indent", "replace indent", "after colon", "end"]))
    line = lines[i]
    body = line.lstrip(" ")
    if where == "indent":
        lines[i] = "\t" + line
    elif where == "replace indent":
        lines[i] = "\t" * ((len(line) - len(body)) // 2) + body
    elif where == "after colon" and ": " in line:
        lines[i] = line.replace(": ", ":\t", 1)
    else:
        lines[i] = line.rstrip("\n") + "\t\n"
    return _join(lines)


def truncate(text: str, data: st.DataObject) -> bytes:
    raw = text.encode("utf-8")
    return raw[: data.draw(st.integers(0, max(0, len(raw) - 1)), label="keep")]


# --- hostile keys, nested references, line breaks and control characters (issue 14) ------------

_HOSTILE_PARTS = st.sampled_from(
    [
        *("A", "db", "PASSWORD", "_", "1", "=", " ", "\t", "#", ":", "$", "{", "}", "[", ";"),
        *("\n", "\r", "\r\n", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff", "é", "-"),
        *("\ud800", "\ud83d\udc0d", '"', "\\", " #", " ;", "|", "$$", "${A}", "${A:-x}"),
    ]
)
_HOSTILE = st.lists(_HOSTILE_PARTS, max_size=6).map("".join) | st.just("K" * 1100)


def _quoted(value: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's: `\\n`, `\\uXXXX`, …)."""
    return json.dumps(value)


def _unquoted(value: str) -> str:
    """The text of a YAML scalar as written on one line (roughly: quotes removed)."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        with contextlib.suppress(ValueError):
            decoded: str = json.loads(value)
            return decoded
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


def hostile_key(text: str, data: st.DataObject) -> bytes:
    """Replaces a mapping key, or adds one to a mapping, with a key made of hostile parts."""
    lines = text.splitlines()
    keyed = [i for i, line in enumerate(lines) if _KEY_VALUE.match(line) and line.startswith(" ")]
    if not keyed:
        return text.encode("utf-8")
    i = data.draw(st.sampled_from(keyed), label="key line")
    match = _KEY_VALUE.match(lines[i])
    assert match is not None
    key = _quoted(data.draw(_HOSTILE, label="key"))
    indent = match["indent"] + ("  " if match["dash"] else "")
    if data.draw(st.booleans(), label="add a sibling"):
        value = data.draw(st.sampled_from(['"v"', '"${V}"', "hunter2", "1"]), label="value")
        lines.insert(i, f"{indent}{key}: {value}")
    else:
        lines[i] = f"{match['indent']}{match['dash'] or ''}{key}:{match['value'] or ''}"
    return ("\n".join(lines) + "\n").encode("utf-8")


_OPERATORS = st.sampled_from([":-", "-", ":?", "?"])
_CORES = st.sampled_from(["x", "", "${B}", "hunter2", "$$", "${HSM_PARAMS.db_name:-d}", "a b"])


def nest_reference(text: str, data: st.DataObject) -> bytes:
    """Replaces a value with a reference nested 1 to 40 (or 500) levels deep."""
    lines = text.splitlines()
    valued = [i for i, line in enumerate(lines) if (m := _KEY_VALUE.match(line)) and m["value"]]
    if not valued:
        return text.encode("utf-8")
    i = data.draw(st.sampled_from(valued), label="value line")
    depth = data.draw(st.integers(1, 40) | st.just(500), label="depth")
    value = data.draw(_CORES, label="core")
    # A few (name, operator) pairs drawn once and repeated: a draw per level is slow.
    pair = st.tuples(st.sampled_from(["A", "DB_PASSWORD", "X_TOKEN", "b"]), _OPERATORS)
    pairs = data.draw(st.lists(pair, min_size=1, max_size=3), label="names and operators")
    for level in range(depth):
        name, op = pairs[level % len(pairs)]
        value = f"${{{name}{op}{value}}}"
    if data.draw(st.booleans(), label="literal before"):
        value = "hunter2" + value
    match = _KEY_VALUE.match(lines[i])
    assert match is not None
    lines[i] = f"{match['indent']}{match['dash'] or ''}{match['key']} {_quoted(value)}"
    return ("\n".join(lines) + "\n").encode("utf-8")


def control_in_value(text: str, data: st.DataObject) -> bytes:
    """Inserts line breaks, control characters and characters that mean something to a
    consumer (`#`, ` ;`, `"`, `\\`, `|`, `$$`) into a value, written as YAML escapes."""
    lines = text.splitlines()
    valued = [i for i, line in enumerate(lines) if (m := _KEY_VALUE.match(line)) and m["value"]]
    valued += [i for i, line in enumerate(lines) if _ITEM.match(line) and ": " not in line]
    if not valued:
        return text.encode("utf-8")
    i = data.draw(st.sampled_from(valued), label="value line")
    match = _KEY_VALUE.match(lines[i])
    if match is not None and match["value"]:
        head, old = f"{match['indent']}{match['dash'] or ''}{match['key']} ", match["value"]
    else:
        item = _ITEM.match(lines[i])
        assert item is not None
        head, old = f"{item['indent']}- ", item["value"]
    value = _unquoted(old)
    at = data.draw(st.integers(0, len(value)), label="at")
    junk = data.draw(st.lists(_HOSTILE_PARTS, min_size=1, max_size=3).map("".join), label="junk")
    lines[i] = head + _quoted(value[:at] + junk + value[at:])
    return ("\n".join(lines) + "\n").encode("utf-8")


MUTATIONS: dict[str, Mutation] = {
    f.__name__: f
    for f in (
        drop_line,
        duplicate_line,
        swap_lines,
        reindent,
        retype_scalar,
        corrupt_reference,
        rename_name,
        insert_bytes,
        insert_unicode,
        insert_tabs,
        truncate,
        hostile_key,
        nest_reference,
        control_in_value,
    )
}

# --- the property -------------------------------------------------------------------------------


def _file_lines(content: bytes) -> list[str]:
    """The lines of a file as an editor numbers them (LF, CRLF or CR ends)."""
    text = content.decode("utf-8", "replace")
    lines = re.split(r"\r\n|\r|\n", text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def _check_span(span: Span | None, root: Path, what: str) -> None:
    assert span is not None, f"{what} has no position"
    assert span.file, f"{what} names no file"
    path = Path(span.file)
    if span.file.startswith("built-in:"):
        # An entry of the built-in registry (a name mutated into a built-in one).
        path = BUILTIN / span.file.removeprefix("built-in:")
    elif path.is_absolute():
        assert path.resolve().is_relative_to(BUILTIN), f"{what}: absolute path {span.file}"
    else:
        path = root / path
        assert path.resolve().is_relative_to(root.resolve()), f"{what}: {span.file} is outside"
    assert path.is_file(), f"{what}: {span.file} does not exist"
    lines = _file_lines(path.read_bytes())
    assert 1 <= span.line <= max(1, len(lines)), (
        f"{what}: line {span.line} of {span.file}, which has {len(lines)} lines"
    )
    assert span.col >= 1, f"{what}: column {span.col}"


def _compile(root: Path) -> None:
    try:
        build = compile_project(Inputs(path=root, cwd=root))
    except CompileError as exc:
        assert exc.diagnostics, "CompileError without diagnostics"
        for d in exc.diagnostics:
            _check_span(d.span, root, f"{d.code} `{d.message}`")
            for rel in d.related:
                _check_span(rel.span, root, f"{d.code} note `{rel.message}`")
    else:
        _check_artifacts(build)


_RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_ENV_LINE = re.compile(r'[A-Za-z_][A-Za-z0-9_]*="(?:[^"\\]|\\.)*"')
_YAML = YAML(typ="safe", pure=True)


def _check_artifacts(build: Build) -> None:
    """What a successful build wrote reads as one line per item in each artifact's consumer:
    no injected line, no control character that a reader would take for a line end."""
    texts = {a.path: a.content.decode("utf-8") for a in build.artifacts if "/" not in a.path}
    for path, text in texts.items():
        assert "\r" not in text and "\x00" not in text, f"{path}: CR or NUL"
        if path != "packages.env":  # dotenv and compose read other controls there alike
            assert not _RAW_CONTROL.search(text), f"{path}: a raw control character"
    lines = [x for x in texts["packages.env"].split("\n") if x and not x.startswith("#")]
    assert all(_ENV_LINE.fullmatch(x) for x in lines), lines
    assert len(dotenv_values(stream=io.StringIO(texts["packages.env"]))) == len(lines)
    requirements = [x for x in texts["requirements.txt"].split("\n") if x and x[0] != "#"]
    assert len(requirements) == len(build.compiled.stack.packages), requirements
    assert not [x for x in requirements if x.startswith("-") and not x.startswith("-e .")]
    compose = _YAML.load(texts["docker-compose.yml"])
    services = [w.name for w in build.compiled.workloads]
    assert sorted(compose["services"] or {}) == sorted(services)
    rows = [x for x in texts["STACK.md"].split("\n") if x.startswith("| `")]
    assert len(rows) == len(build.compiled.stack.services) + len(
        build.compiled.stack.packages
    ) + len(build.inputs), rows


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(MUTATIONS))
@settings(
    max_examples=EXAMPLES_PER_FAMILY,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(target=st.sampled_from(TARGETS), data=st.data())
def test_a_mutated_project_compiles_or_fails_with_located_diagnostics(
    family: str, target: tuple[str, str], data: st.DataObject
) -> None:
    case, rel = target
    files = PROJECTS[case]
    original = files[rel][0].decode("utf-8")
    mutated = MUTATIONS[family](original, data)
    with tempfile.TemporaryDirectory(prefix="hsmc-mutation-") as tmp:
        root = Path(tmp) / case
        for name, (content, mode) in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(mutated if name == rel else content)
            os.chmod(path, mode)
        _compile(root)
