"""Part of the validate stage: strings that artifacts write as they are, checked as what their
consumer will read.

* Environment variable names (HSM114): packages.env is read by python-dotenv and by
  `docker compose --env-file`, the compose file by compose; a name with `=`, a space, `#` or a
  line break is read as something else there (a line break even adds variables).
* Requirement fields (HSM115, HSM409): requirements.txt is read by uv, line by line, with
  `#` comments, ` ;` markers, `#fragment`s, `[extras]` and `${VAR}` expansion; a field that
  holds one of those is read as something other than what was written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from hsmc.errors import Collector, printable
from hsmc.model import (
    BuildSource,
    ContainerEntry,
    FragmentList,
    FragmentMap,
    GitSource,
    LocalSource,
    PackageEntry,
    Project,
    PypiSource,
    Span,
    TargetKind,
    Text,
)

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_values(project: Project, out: Collector) -> None:
    for key, span in _env_keys(project):
        if not ENV_NAME.fullmatch(key):
            out.add(
                "HSM114",
                f"`{printable(key)}` is not an environment variable name"
                if key
                else "an empty key is not an environment variable name",
                span,
                "use letters, digits and `_`, not starting with a digit: python-dotenv and "
                "compose read anything else as another name, or another line",
            )
    _check_unnamed_connections(project, out)
    for package in project.packages.values():
        _check_requirement(package, project.manifest.directory, out)


def _env_keys(project: Project) -> Iterator[tuple[str, Span]]:
    """Every key written as a variable name: env maps, connections, build args, and the
    `environment:` of a group's `overrides:` (map or `KEY=value` list)."""
    for package in project.packages.values():
        yield from ((s.key, s.key_span) for s in package.env)
    for container in project.containers.values():
        settings = [*container.env, *(container.connection or ())]
        settings += [s for p in container.profiles for s in p.env]
        builds = [src for src in container.sources if isinstance(src, BuildSource)]
        settings += [arg for build in builds for arg in build.args]
        yield from ((s.key, s.key_span) for s in settings)
    for group in project.manifest.groups:
        overrides = group.overrides
        for key, fragment in overrides.items if overrides else ():
            if key == "environment":
                yield from _environment_keys(fragment)


def _environment_keys(fragment: Text | FragmentMap | FragmentList) -> Iterator[tuple[str, Span]]:
    if isinstance(fragment, FragmentMap):
        yield from zip((k for k, _ in fragment.items), fragment.key_spans, strict=True)
    elif isinstance(fragment, FragmentList):
        for item in fragment.items:
            if isinstance(item, Text) and "=" in item.value:
                yield item.value.partition("=")[0], item.span


def _check_unnamed_connections(project: Project, out: Collector) -> None:
    """Without `connection:`, a dependent gets NAME_HOST/NAME_PORT from the container's name."""
    entries: list[PackageEntry | ContainerEntry] = [*project.packages.values()]
    for entry in [*entries, *project.containers.values()]:
        for imp in entry.implies:
            target = project.containers.get(imp.target)
            if imp.kind is not TargetKind.CONTAINER or target is None:
                continue
            if target.connection is None and not ENV_NAME.fullmatch(target.name[:1]):
                out.add(
                    "HSM114",
                    f"container `{target.name}` has no `connection:`, and its variables would "
                    "be named after it, starting with a digit",
                    imp.span,
                    f"give `{target.name}` a `connection:` map with names of its own",
                )


# --- requirements.txt ----------------------------------------------------------------------

# PEP 508 names (case-insensitive), with optional extras.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
DISTRIBUTION = re.compile(rf"{_NAME}(?:\[ *{_NAME}(?: *, *{_NAME})* *\])?")
# PEP 440 versions and specifier clauses, as packaging reads them; spaces and tabs only: a line
# break would end the requirement line.
_VERSION = (
    r"v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*"
    r"(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?"
    r"(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?"
    r"(?:[-_.]?dev[-_.]?[0-9]*)?"
)
_LOCAL = r"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?"
# One specifier clause. A set is clauses joined by commas, and no clause holds a comma: each
# part is matched on its own, which keeps the pattern to two copies of _VERSION (a pattern for
# the whole set had six and cost ~2.5 ms to compile, on every build: the module is imported).
SPECIFIER = re.compile(
    rf"[ \t]*(?:(?:==|!=)[ \t]*{_VERSION}(?:\.\*|{_LOCAL})"
    rf"|(?:~=|<=|>=|<|>)[ \t]*{_VERSION}"
    r"|===[ \t]*[A-Za-z0-9._+!-]+)[ \t]*",
    re.I,
)
BARE_VERSION = re.compile(rf"[ \t]*{_VERSION}(?:\.\*|{_LOCAL})[ \t]*", re.I)  # written ==VERSION
# RFC 3986 characters but `#` (hsmc adds the fragment) and `$` (uv expands ${VAR}).
GIT_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9._~:/?\[\]@!&'()*+,;=%-]+")
GIT_PART = re.compile(r"[A-Za-z0-9._/+-]+")  # a ref or subdirectory: no `@`, `#`, `&`, space
# In a local path uv reads `#` as a fragment or comment, `[` as extras, `${` as a variable and
# ` ;` as a marker; a line break ends the line.
_PATH_UNSAFE = re.compile(r"[#\[$\x00-\x1f\x7f-\x9f\u2028\u2029]|\s;|\s$")


def _check_requirement(package: PackageEntry, project_dir: Path, out: Collector) -> None:
    name = package.distribution
    if not DISTRIBUTION.fullmatch(name):
        what = f"distribution `{printable(name)}` of `{package.name}`"
        span = package.distribution_span or package.span
        _refuse(what, "a PEP 508 name, with extras in brackets", span, out)
    versions = [package.version] + [s.version for s in package.sources if isinstance(s, PypiSource)]
    for version in (v for v in versions if v is not None and v.value.strip()):
        if not (_specifiers(version.value) or BARE_VERSION.fullmatch(version.value)):
            what = f"version `{printable(version.value)}`"
            _refuse(what, "a version (`5.2.0`) or specifiers (`>=5.2,<6`)", version.span, out)
    for source in package.sources:
        if isinstance(source, GitSource):
            _check_git(source, out)
        elif isinstance(source, LocalSource):
            _check_local(source, project_dir, out)


def _specifiers(value: str) -> bool:
    return all(SPECIFIER.fullmatch(part) for part in value.split(","))


def _check_git(source: GitSource, out: Collector) -> None:
    if not GIT_URL.fullmatch(source.url.value):
        what = f"git url `{printable(source.url.value)}`"
        _refuse(
            what, "a URL such as `https://host/repo.git`, without `#` or `$`", source.url.span, out
        )
    for field, text in (("ref", source.ref), ("subdirectory", source.subdirectory)):
        if text is not None and not GIT_PART.fullmatch(text.value):
            what = f"git {field} `{printable(text.value)}`"
            _refuse(what, "letters, digits and `._/+-`", text.span, out)


def _refuse(what: str, expected: str, span: Span, out: Collector) -> None:
    out.add(
        "HSM115",
        f"{what} cannot be written into requirements.txt",
        span,
        f"write {expected}: uv would read anything else as another requirement, a comment, "
        "a marker or an option",
    )


def _check_local(source: LocalSource, project_dir: Path, out: Collector) -> None:
    """The path as requirements.txt writes it: relative to the project directory."""
    written = Path(os.path.relpath(source.directory, project_dir)).as_posix()
    written = written if written.startswith("../") else f"./{written}"
    bad = _PATH_UNSAFE.search(written)
    if bad is not None:
        out.add(
            "HSM409",
            f"path `{printable(written)}` cannot be written into requirements.txt",
            source.path.span,
            f"{_PATH_READS.get(bad.group()[0], _PATH_READS[';' if ';' in bad.group() else ''])}"
            ": rename the directory",
        )


_PATH_READS = {
    "#": "uv reads `#` as the start of a comment or a URL fragment",
    "[": "uv reads `[` as the start of extras",
    "$": "uv expands `${…}` in requirements.txt as a variable",
    ";": "uv reads ` ;` as the start of an environment marker",
    "": "uv ends the line at a line break and strips white space at its end",
}
