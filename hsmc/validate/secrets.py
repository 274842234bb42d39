"""Part of the validate stage: hsmc never writes a secret into an artifact (HSM308).

A value is read with the one reference grammar (hsmc.refs), at any depth of nesting, so that
`hunter2${A:-${B:-${C}}}` is seen as literal text and `${A:-${B:-${C:-hunter2}}}` as a literal
default. Three ways a literal reaches an artifact are refused:

* a key that looks like a secret with literal text, params, or a literal default;
* a reference whose own *name* looks like a secret with a literal default, wherever it stands
  (`DB_URL: "${DB_PASSWORD:-hunter2}"` writes `DB_PASSWORD=hunter2` into .env.template);
* a connection key that looks like a secret taking `${HSM.FIELD}` from an external profile
  whose field is literal (the field is copied into packages.env).

And, under any key and in any string, a URL whose password (`scheme://user:PASSWORD@host`,
hsmc.url_passwords) is literal, takes params or has a literal default; in a connection, its
`${HSM.FIELD}` password is held to the same rule as a key that looks like a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hsmc import refs
from hsmc.errors import Collector, Diagnostic, Related, printable
from hsmc.model import (
    BuildSource,
    ContainerEntry,
    Fragment,
    FragmentMap,
    GitSource,
    Healthcheck,
    ImageSource,
    Profile,
    Project,
    Setting,
    Span,
    Text,
)
from hsmc.record import replace
from hsmc.refs import Kind
from hsmc.secret_names import looks_secret
from hsmc.url_passwords import passwords


class Shape:
    """What a value is made of, references followed to any depth (`_read` fills it in)."""

    __slots__ = ("literal", "literal_default", "params", "fields", "malformed", "secret_defaults")

    def __init__(self, literal: bool = False) -> None:
        self.literal = literal  # literal text outside every reference (`$$` included)
        self.literal_default = False  # literal text in a default, at any depth
        self.params = False  # ${HSM_PARAMS…} / ${HSM_MERGED_PARAMS…}
        self.fields: list[str] = []  # ${HSM.FIELD}
        self.malformed = False  # interpolate reports it precisely (HSM301/302/306/315)
        self.secret_defaults: list[str] = []  # `${PASSWORD:-literal}` names

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:  # (and so unhashable: it is filled in)
        return isinstance(other, Shape) and self._values() == other._values()

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"Shape({shown})"


def shape(value: str) -> Shape:
    if "$" not in value:  # no reference: literal text, or nothing
        return Shape(literal=bool(value.strip()))
    result = Shape()
    _read(value, result)
    return result


def _read(value: str, into: Shape) -> None:
    """Recursion is bounded: refs.tokens gives a reference deeper than MAX_DEPTH as one token."""
    for token in refs.tokens(value):
        if token.kind is Kind.TEXT:
            into.literal |= bool(token.text.strip())
        elif token.kind in (Kind.DOLLAR, Kind.LONE):
            into.literal = True
        elif token.kind is not Kind.BRACED:
            into.malformed = True
        elif token.inner.startswith("HSM"):
            _compile_time(token.inner, into)
        else:
            _runtime(token.inner, into)


def _compile_time(inner: str, into: Shape) -> None:
    match = refs.COMPILE_TIME.fullmatch(inner)
    if match is None:
        into.malformed = True
    elif match.group(7):
        into.fields.append(match.group(7))
    else:
        into.params = True


def _runtime(inner: str, into: Shape) -> None:
    parsed = refs.runtime(inner)
    if parsed is None:
        into.malformed = True
        return
    name, op, rest = parsed
    if not rest:
        return
    inside = shape(rest)
    written = op in (":-", "-") and (inside.literal or inside.literal_default)
    nested_default = inside.literal_default  # a message's own text is no default
    into.literal_default |= bool(written) or nested_default
    into.params |= inside.params
    into.malformed |= inside.malformed
    into.secret_defaults += inside.secret_defaults
    if looks_secret(name) and (written or nested_default):
        into.secret_defaults.append(name)


_HINT = (
    'use a run-time reference such as "${{{var}}}" (no default) and put the value in .env; '
    "hsmc never writes a secret into an artifact"
)


def check_secrets(project: Project, out: Collector) -> None:
    for setting in _settings(project):
        _check_setting(setting, out)
    for text in _texts(project):
        found = shape(text.value)
        if not _check_names(text, found, out):
            _check_url_passwords(text, None, found, out)
    for container in project.containers.values():
        _check_connection_fields(container, out)


def _check_setting(setting: Setting, out: Collector) -> None:
    found = shape(setting.text.value)
    if found.malformed:
        return  # interpolate reports the malformed reference precisely
    problem = None
    if looks_secret(setting.key):
        if found.literal:
            problem = "has a literal value"
        elif found.params:
            problem = "takes its value from params, which are written into the artifacts"
        elif found.literal_default:
            problem = "has a reference with a literal default, which is written into the artifacts"
    if problem is not None:
        _report(f"`{printable(setting.key)}`", problem, setting.text, setting.key, out)
    elif not _check_names(setting.text, found, out):
        _check_url_passwords(setting.text, setting.key, found, out)


def _check_names(text: Text, found: Shape, out: Collector) -> bool:
    """A reference named like a secret with a literal default, whatever key it stands under."""
    if found.secret_defaults and not found.malformed:
        name = found.secret_defaults[0]
        problem = "has a literal default, which is written into .env.template and the artifacts"
        _report(f"`${{{name}…}}`", problem, text, name, out)
        return True
    return False


def _check_url_passwords(text: Text, key: str | None, found: Shape, out: Collector) -> bool:
    """A URL whose password is written into the artifacts, whatever key it stands under."""
    if found.malformed:
        return False
    for password in passwords(text.value):
        inside = shape(password)
        if inside.literal:
            problem = "a URL with a literal password"
        elif inside.params:
            problem = "a URL whose password takes its value from params"
        elif inside.literal_default:
            problem = "a URL whose password has a literal default"
        else:
            continue
        what = f"`{printable(key)}` has" if key is not None else "this value has"
        hint = (
            "write the password as a run-time reference, "
            f'"scheme://user:${{{_password_variable(key)}}}@host", and put its value in .env; '
            "hsmc never writes a secret into an artifact"
        )
        out.add("HSM308", f"{what} {problem}, which is written into the artifacts", text.span, hint)
        return True
    return False


def _password_variable(key: str | None) -> str:
    """`DATABASE_URL` → `DATABASE_PASSWORD`; a value under no key → `PASSWORD`."""
    base = re.sub(r"[^A-Z0-9]+", "_", (key or "").upper())
    base = re.sub(r"_?(URLS?|URIS?|DSN)$", "", base).strip("_")
    return f"{base}_PASSWORD" if base else "PASSWORD"


def _report(what: str, problem: str, text: Text, name: str, out: Collector) -> None:
    var = re.sub(r"[^A-Z0-9]+", "_", name.upper())
    hint = _HINT.format(var=var)
    out.add("HSM308", f"{what} looks like a secret but {problem}", text.span, hint)


def mask_secrets(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The text under every HSM308 caret as `*` in every snippet of that line: a refused secret
    must not land in CI or pre-commit logs through the diagnostic that refuses it."""
    masks: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for d in diagnostics:
        if d.code == "HSM308" and d.span is not None:
            start = d.span.col - 1
            masks.setdefault((d.span.file, d.span.line), []).append((start, d.span.length))
    if not masks:
        return diagnostics

    def masked(span: Span | None) -> Span | None:
        if span is None or (span.file, span.line) not in masks:
            return span
        line = span.source_line
        for start, length in masks[(span.file, span.line)]:
            end = min(len(line), start + max(1, length))
            line = line[:start] + "*" * max(0, end - start) + line[end:]
        return replace(span, source_line=line)

    return [
        replace(
            d,
            span=masked(d.span),
            related=tuple(replace(r, span=masked(r.span) or r.span) for r in d.related),
        )
        for d in diagnostics
    ]


def _check_connection_fields(container: ContainerEntry, out: Collector) -> None:
    """`PGPASSWORD: ${HSM.pw}` copies the external field `pw` into packages.env."""
    for setting in container.connection or ():
        names = shape(setting.text.value).fields if looks_secret(setting.key) else []
        in_url = not names  # the password of a URL: `pg://u:${HSM.pw}@${HSM.host}/db`
        if in_url:
            names = [f for pw in passwords(setting.text.value) for f in shape(pw).fields]
        for name in names:
            for profile in container.profiles:
                for ext in profile.external:
                    if ext.key == name and name not in ("host", "port"):
                        _check_field(setting, ext, profile, out, in_url)


def _check_field(
    setting: Setting, ext: Setting, profile: Profile, out: Collector, in_url: bool = False
) -> None:
    found = shape(ext.text.value)
    if found.malformed or not (found.literal or found.literal_default or found.params):
        return
    var = re.sub(r"[^A-Z0-9]+", "_", setting.key.upper())
    how = "which looks like a secret"
    if in_url:
        var, how = _password_variable(setting.key), "as the password of a URL"
    out.add(
        "HSM308",
        f"external field `{ext.key}` of profile `{profile.name}` reaches `{setting.key}`, "
        f"{how}, but has a literal value",
        ext.text.span,
        f'make the field a run-time reference such as "${{{var}}}" (no default) and put the '
        "value in .env; hsmc never writes a secret into an artifact",
        (Related(f"`{setting.key}` takes it here", setting.text.span),),
    )


# --- where values stand ----------------------------------------------------------------------


def _settings(project: Project) -> Iterator[Setting]:
    """Every `key: value` that reaches an artifact, with the key it stands under."""
    for package in project.packages.values():
        yield from package.env
        for imp in package.implies:
            yield from imp.params
    for container in project.containers.values():
        yield from container.env
        yield from container.connection or ()
        for profile in container.profiles:
            yield from profile.env
            yield from profile.external
        for source in container.sources:
            yield from source.args if isinstance(source, BuildSource) else ()
        for imp in container.implies:
            yield from imp.params
    for group in project.manifest.groups:
        yield from group.params
        if group.overrides is not None:
            yield from fragment_settings(group.overrides, None)


def fragment_settings(fragment: FragmentMap, secret_key: str | None) -> Iterator[Setting]:
    """`key: value` leaves of an `overrides:` map and `KEY=value` items of its lists. Below a
    key that looks like a secret (`password: [hunter2]`), every leaf stands under that key."""
    for key, child in fragment.items:
        under = secret_key or (key if looks_secret(key) else None)
        yield from _fragment_leaves(key, child, under)


def _fragment_leaves(key: str, child: Fragment, under: str | None) -> Iterator[Setting]:
    if isinstance(child, Text):
        yield Setting(under or key, child, child.span)
    elif isinstance(child, FragmentMap):
        yield from fragment_settings(child, under)
    else:
        for item in child.items:
            if isinstance(item, Text) and under is not None:
                yield Setting(under, item, item.span)
            elif isinstance(item, Text) and "=" in item.value:
                name, _, value = item.value.partition("=")
                yield Setting(name, Text(value, item.span), item.span)
            elif isinstance(item, Text):
                yield Setting(key, item, item.span)
            elif isinstance(item, FragmentMap):
                yield from fragment_settings(item, under)


def _texts(project: Project) -> Iterator[Text]:
    """Strings outside `key: value` maps that may hold a reference (commands, ports, …) or a
    URL (git sources, written into requirements.txt)."""
    for package in project.packages.values():
        yield from (s.url for s in package.sources if isinstance(s, GitSource))
    for container in project.containers.values():
        yield from _optional(container.image)
        yield from (*container.ports, *container.volumes)
        yield from _command(container.command)
        yield from _health(container.healthcheck)
        yield from _health(container.liveness)
        for profile in container.profiles:
            yield from _optional(profile.image)
            yield from (*(profile.ports or ()), *(profile.volumes or ()))
            yield from _command(profile.command)
            yield from _health(profile.healthcheck)
            yield from _health(profile.liveness)
        for source in container.sources:
            if isinstance(source, ImageSource):
                yield source.image
            else:
                yield from _optional(source.dockerfile)


def _optional(text: Text | None) -> Iterator[Text]:
    if text is not None:
        yield text


def _command(command: Text | tuple[Text, ...] | None) -> Iterator[Text]:
    yield from command if isinstance(command, tuple) else _optional(command)


def _health(hc: Healthcheck | None) -> Iterator[Text]:
    if hc is None:
        return
    yield from _command(hc.test)
    for text in (hc.interval, hc.timeout, hc.start_period, hc.start_interval):
        yield from _optional(text)
