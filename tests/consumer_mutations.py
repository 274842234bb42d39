"""Mutations of golden projects aimed at what Docker Compose and kustomize refuse (issue 22),
for tests/test_mutations_consumers.py.

A family edits one golden case: one line (or a few added lines) of one YAML file, found by a
line-level reading of the plain YAML the golden files use, or a rename across files (a
container entry, a shipped file). The values are those compose or kustomize refuse, or read
otherwise than hsmc: ports out of range or written with non-ASCII digits, port ranges,
protocols and addresses, string commands with unbalanced quotes, healthcheck durations and
retries, volume strings, image and project names, file names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from hypothesis import strategies as st

from tests.test_mutations import PROJECTS, Files

# --- where a value stands: a line-level reading of the YAML the golden files use ---------------


class Line(NamedTuple):
    indent: int  # columns before the key, or before the `- ` of an item
    key: str | None  # the key of a `key:` / `key: value` line, `- key: value` included
    item: bool  # a `- …` line
    value: str | None  # what follows `key: ` or `- `, stripped; None when nothing does
    parent: str | None  # the key of the nearest enclosing mapping line


_LINE = re.compile(
    r"^(?P<indent> *)(?P<dash>- )?(?:(?P<key>[A-Za-z0-9_.:-]+):(?: +(?P<kv>.*))?|(?P<v>.+))$"
)


def read_lines(text: str) -> list[Line | None]:
    """One Line per line of `text` (None for a blank or comment line, or one it cannot read)."""
    out: list[Line | None] = []
    stack: list[tuple[int, str]] = []  # enclosing (indent, key)
    for raw in text.split("\n"):
        match = _LINE.match(raw.split(" #")[0].rstrip())
        if not raw.strip() or raw.lstrip().startswith("#") or match is None:
            out.append(None)
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent + (1 if match["dash"] else 0):
            stack.pop()
        parent = stack[-1][1] if stack else None
        value = match["kv"] if match["key"] else match["v"]
        out.append(Line(indent, match["key"], bool(match["dash"]), value, parent))
        if match["key"]:
            stack.append((indent + (2 if match["dash"] else 0), match["key"]))
    return out


class Site(NamedTuple):
    """An edit: lines `start` to `stop` (excluded) replaced by `template`, inserted at `start`
    when `stop == start`; VALUE in the template is the drawn value, a YAML double-quoted string."""

    start: int
    stop: int
    template: str


def _replace_value(lines: list[Line | None], keys: set[str], parents: set[str]) -> list[Site]:
    """`key: value` lines with one of `keys`, below one of `parents` (any when empty)."""
    sites = []
    for i, line in enumerate(lines):
        if line and line.key in keys and line.value and (not parents or line.parent in parents):
            dash = "- " if line.item else ""
            sites.append(Site(i, i + 1, f"{' ' * line.indent}{dash}{line.key}: VALUE"))
    return sites


def _items(lines: list[Line | None], parents: set[str]) -> list[Site]:
    """Items of lists under one of `parents`: each one replaced, or a new one added after it."""
    sites = []
    for i, line in enumerate(lines):
        if line and line.item and not line.key and line.parent in parents:
            sites.append(Site(i, i + 1, f"{' ' * line.indent}- VALUE"))
            sites.append(Site(i + 1, i + 1, f"{' ' * line.indent}- VALUE"))
    return sites


def _top_level_end(lines: list[Line | None], template: str, absent: str) -> list[Site]:
    """`template` added at the end of a container entry that has no top-level `absent:`."""
    tops = [line.key for line in lines if line and line.indent == 0]
    if "name" not in tops or absent in tops:
        return []
    if "image" not in tops and "sources" not in tops and "deployment_profiles" not in tops:
        return []  # a package entry
    last = max(i for i, line in enumerate(lines) if line)
    return [Site(last + 1, last + 1, template)]


def _group_overrides(lines: list[Line | None], body: str) -> list[Site]:
    """An `overrides:` with `body` (lines indented by two per level) added to each group."""
    sites = []
    for i, line in enumerate(lines):
        if line and line.key and not line.value and line.parent == "container_groups":
            pad = " " * (line.indent + 2)
            text = "\n".join(pad + "  " + b for b in body.split("\n"))
            sites.append(Site(i + 1, i + 1, f"{pad}overrides:\n{text}"))
    return sites


def _apply(text: str, site: Site, value: str) -> str:
    rows = text.split("\n")
    rows[site.start : site.stop] = [
        site.template.replace("VALUE", json.dumps(value, ensure_ascii=False))
    ]
    return "\n".join(rows)


# --- the families: where each one edits, and what it writes ----------------------------------

Sites = Callable[[list[Line | None]], list[Site]]

_DIGITS = st.characters(categories=["Nd"]) | st.characters(categories=["No"])
_WEIRD_NUMBER = st.lists(_DIGITS | st.sampled_from("0123456789"), min_size=1, max_size=3).map(
    "".join
)
_PORT_VALUES = st.one_of(
    st.sampled_from(
        [
            *("99999", "65536", "0", "99999:80", "80:99999", "0:80", "80:0", "²", "8080:²"),
            *("8000-8001:²-81", "٨٠", "٨٠:٨٠", "8080:٨٠", "\uff18\uff10", "8000-8001:80-81"),
            *("8000-8002:80-81", "8000-8001:80", "81-80:81-80", "80/udp", "80:80/udp"),
            *("80/sctp", "80/UDP", "80/icmp", "80/", "127.0.0.1:80:80", "127.0.0.1::80"),
            *("[::1]:80:80", "999.1.1.1:80:80", "localhost:80:80", "80:80:80:80", ":80"),
            *("80:", "-80", "+80", "0x50", "080", " 80", "1e3", "8 0", "${PORT}:80"),
            *("${PORT:-99999}:80", "${PORT:-x}:80", "80:${PORT}", "${PORT:-8080}"),
        ]
    ),
    st.builds(lambda a, b: f"{a}:{b}", _WEIRD_NUMBER, _WEIRD_NUMBER),
    _WEIRD_NUMBER,
    st.integers(-1, 10**6).map(str),
)


def _port_sites(lines: list[Line | None]) -> list[Site]:
    return [
        *_items(lines, {"ports"}),
        *_replace_value(lines, {"port"}, set()),
        *_top_level_end(lines, "ports:\n  - VALUE", "ports"),
        *_group_overrides(lines, "ports:\n  - VALUE"),
    ]


_COMMANDS = st.one_of(
    st.sampled_from(
        [
            *("sh -c 'echo hi", 'echo "hi', "echo `date", "echo \\", "'", '"', "a'b'c"),
            *("", " ", "echo $$HOME", "echo hi # ' comment", "sh -c \"echo 'x'\""),
            *("echo 'it''s'", "python -c 'print(\"hi\")'", "\\'", "x\\", "ok"),
        ]
    ),
    st.lists(st.sampled_from(["echo", " ", "'", '"', "\\", "`", "x", "$$"]), max_size=6).map(
        "".join
    ),
)


def _command_sites(lines: list[Line | None]) -> list[Site]:
    health = {"healthcheck"}
    return [
        *_replace_value(lines, {"command"}, set()),
        *_replace_value(lines, {"test"}, health),
        *_items(lines, {"command"}),
        *[s for s in _items(lines, {"test"}) if s.stop > s.start],
        *_top_level_end(lines, "command: VALUE", "command"),
        *_group_overrides(lines, "command: VALUE"),
        *_group_overrides(lines, "healthcheck:\n  test: VALUE"),
        *_healthcheck_test_as_string(lines),
    ]


def _healthcheck_test_as_string(lines: list[Line | None]) -> list[Site]:
    """`test:` written as a list, replaced by a string (its items removed)."""
    sites = []
    for i, line in enumerate(lines):
        if line and line.key == "test" and not line.value and line.parent == "healthcheck":
            stop = i + 1
            while stop < len(lines) and (item := lines[stop]) and item.item:
                stop += 1
            sites.append(Site(i, stop, f"{' ' * line.indent}test: VALUE"))
    return sites


_DURATIONS = st.one_of(
    st.sampled_from(
        [
            *("99999999999h", "9" * 400, "9" * 400 + "s", "2562048h", "2562047h", "1.5s"),
            *("-5s", "0s", "0", "5", "5 s", "5S", "5sec", "1h30m", "1h 30m", ".5s", "5.s"),
            *("1e3s", "\u0665s", "\uff15s", "5us", "5µs", "1d", "1w", "+5s", "", "s", "0x5s"),
            *("9223372036854775807ns", "9223372036854775808ns", "1m-5s", "²s"),
        ]
    ),
    st.builds(lambda n, u: f"{n}{u}", _WEIRD_NUMBER, st.sampled_from(["s", "ms", "h", ""])),
)
_DURATION_KEYS = {"interval", "timeout", "start_period", "start_interval"}


def _duration_sites(lines: list[Line | None]) -> list[Site]:
    sites = _replace_value(lines, _DURATION_KEYS, {"healthcheck"})
    for i, line in enumerate(lines):
        if line and line.key == "retries" and line.parent == "healthcheck":
            for key in sorted(_DURATION_KEYS):  # a key the entry may not have yet
                sites.append(Site(i + 1, i + 1, f"{' ' * line.indent}{key}: VALUE"))
    return sites


def _retries_sites(lines: list[Line | None]) -> list[Site]:
    return _replace_value(lines, {"retries"}, {"healthcheck"})


_RETRIES = st.sampled_from(["-1", "99999999999999999999", "1.5", "٣", "0", "1e3", "0x10"])

# No `${VOL}:/data`: whether compose takes it for a named volume or a bind mount depends on the
# value a user puts in .env, which the harness cannot know (FILL would make it a volume name).
_VOLUMES = st.sampled_from(
    [
        *("data:data", "/abs:/data", "./rel:/data", "~/h:/data", "data:/data:rx"),
        *("data:/data:ro:z", "a:b:c:d", ":/data", "data:", "/data", "data", "./a:b:/data"),
        *("data:/data:nocopy", "data:/", "./x:/data:ro,z", "my vol:/data", "MyVol:/data"),
        *("-vol:/data", "vol!:/data", "é:/data", "x.y:/data", "_x:/data", "../up:/data"),
        *("data:/d a t a", "data:relative", "C:\\x:/data", "data:/data:ro", "data:/data:z"),
        *("./a b:/data", "./é:/data", "//:/data", "data::/data", "data:/data:"),
    ]
)


def _volume_sites(lines: list[Line | None]) -> list[Site]:
    return [
        *_items(lines, {"volumes"}),
        *_top_level_end(lines, "volumes:\n  - VALUE", "volumes"),
        *_group_overrides(lines, "volumes:\n  - VALUE"),
    ]


_NAMES = st.sampled_from(
    [
        *("UPPER", "a b", "-x", "_x", "x.y", "é", "x_y", "x--y", "0", "a" * 64, "a" * 300),
        *("x-", "x_", "default", "kube-system", "a" * 53, "a" * 54, "a" * 63),
    ]
)


def _name_sites(lines: list[Line | None]) -> list[Site]:
    """The project name (added or replaced) and group names, in hsm.yaml."""
    sites = _replace_value(lines, {"name"}, set()) or [Site(0, 0, "name: VALUE")]
    for i, line in enumerate(lines):
        if line and line.key and not line.value and line.parent == "container_groups":
            sites.append(Site(i, i + 1, f"{' ' * line.indent}VALUE:"))
    return sites


_IMAGES = st.sampled_from(
    [
        *("", " ", "UPPER/x:1", "a b", "x@sha256:bad", ":tag", "x:", "x::1", "é:1", "-x"),
        *("x:${TAG}", "${IMAGE}", "x:" + "1" * 200, "localhost:99999/x", "x/", "/x", "x//y"),
    ]
)


def _image_sites(lines: list[Line | None]) -> list[Site]:
    return [
        *_replace_value(lines, {"image"}, set()),
        *_group_overrides(lines, "image: VALUE"),
    ]


_FILE_PATH = re.compile(r"^(?P<indent> +)(?P<path>/[^:]*): (?P<source>\S+)$", re.M)
_CONTAINER_PATHS = st.sampled_from(
    [
        *("/a b", "/x:y", "/", "/x/", "//x", "/x/../y", "/é", "/x,y", "/x;y", '/a"b', "/$x"),
        *("/${X}", "/x=y", "/x\\y", "/" + "a" * 300, "/.", "/x/.", "/-x", "/x#y", "/x?y"),
    ]
)


# --- families that change more than one line, or more than one file --------------------------

Changes = dict[str, bytes | None]  # relative path -> new content, or None: the file is removed


class Family(NamedTuple):
    """`where(files)`: the files of a golden case it can edit; `mutate(files, rel, data)`."""

    where: Callable[[Files], list[str]]
    mutate: Callable[[Files, str, st.DataObject], Changes]


def line_family(sites: Sites, values: st.SearchStrategy[str], manifest: bool = False) -> Family:
    """A family that edits one line (or adds a few) of one YAML file."""

    def where(files: Files) -> list[str]:
        return [
            rel
            for rel, (content, _) in files.items()
            if (rel == "hsm.yaml" or (not manifest and rel.startswith("registry/")))
            and rel.endswith(".yaml")
            and sites(read_lines(content.decode("utf-8")))
        ]

    def mutate(files: Files, rel: str, data: st.DataObject) -> Changes:
        text = files[rel][0].decode("utf-8")
        site = data.draw(st.sampled_from(sites(read_lines(text))), label="site")
        value = data.draw(values, label="value")
        return {rel: _apply(text, site, value).encode("utf-8")}

    return Family(where, mutate)


def _containers(files: Files) -> list[str]:
    return [r for r in files if r.startswith("registry/containers/") and r.endswith(".yaml")]


def rename_container(files: Files, rel: str, data: st.DataObject) -> Changes:
    """A container entry renamed everywhere: its file, its `name:`, `container:NAME`
    implications and `selection: NAME` of groups."""
    old = rel.removeprefix("registry/containers/").removesuffix(".yaml")
    new = data.draw(_NAMES.filter(lambda n: len(n) < 200 and n != old), label="name")
    quoted = json.dumps(new, ensure_ascii=False)
    changes: Changes = {rel: None}
    for path, (content, _) in files.items():
        if not path.endswith(".yaml"):
            continue
        text = content.decode("utf-8")
        implied = re.compile(rf"(?m)^(\s*)container:{re.escape(old)}:")
        text = implied.sub(lambda m: f"{m[1]}container:{new}:", text)
        selected = re.compile(rf"(?m)^(\s*selection:) {re.escape(old)}\b")
        text = selected.sub(lambda m: f"{m[1]} {quoted}", text)
        if path == rel:
            text = re.sub(r"(?m)^name: .*$", lambda _: f"name: {quoted}", text, count=1)
            path = f"registry/containers/{new}.yaml"
        if text.encode("utf-8") != content or path not in files:
            changes[path] = text.encode("utf-8")
    return changes


_FILE_NAMES = st.sampled_from(
    [
        *("create databases.sh", "é.sh", "x,y.sh", "-x.sh", ".hidden", "a" * 250 + ".sh"),
        *("x;y.sh", "UPPER.SH", "x$y.sh", "x'y.sh", 'x"y.sh', "x=y.sh", "x#y.sh", "x y"),
    ]
)


def _shipped(files: Files, rel: str) -> list[re.Match[str]]:
    return list(_FILE_PATH.finditer(files[rel][0].decode("utf-8")))


def shipped_file(files: Files, rel: str, data: st.DataObject) -> Changes:
    """An item of `files:`: its container path changed, or its file renamed (on disk too)."""
    text = files[rel][0].decode("utf-8")
    item = data.draw(st.sampled_from(_shipped(files, rel)), label="item")
    if data.draw(st.booleans(), label="container path"):
        path = data.draw(_CONTAINER_PATHS, label="container path")
        line = f"{item['indent']}{json.dumps(path)}: {item['source']}"
        return {rel: (text[: item.start()] + line + text[item.end() :]).encode("utf-8")}
    name = data.draw(_FILE_NAMES, label="file name")
    source = item["source"].strip("\"'")
    renamed = f"{source.rsplit('/', 1)[0]}/{name}" if "/" in source else name
    old = (Path(rel).parent / source).as_posix()
    new = (Path(rel).parent / renamed).as_posix()
    line = f"{item['indent']}{item['path']}: {json.dumps(renamed)}"
    changed = text[: item.start()] + line + text[item.end() :]
    return {rel: changed.encode("utf-8"), old: None, new: files[old][0]}


FAMILIES: dict[str, Family] = {
    "ports": line_family(_port_sites, _PORT_VALUES),
    "commands": line_family(_command_sites, _COMMANDS),
    "durations": line_family(_duration_sites, _DURATIONS),
    "retries": line_family(_retries_sites, _RETRIES),
    "volumes": line_family(_volume_sites, _VOLUMES),
    "images": line_family(_image_sites, _IMAGES),
    "names": line_family(_name_sites, _NAMES, manifest=True),
    "container-names": Family(_containers, rename_container),
    "shipped-files": Family(lambda f: [r for r in _containers(f) if _shipped(f, r)], shipped_file),
}
WHERE = {
    name: [(case, rel) for case, files in PROJECTS.items() for rel in family.where(files)]
    for name, family in FAMILIES.items()
}
