"""`${…}` references inside strings (SPEC §2.4).

Compile-time forms (`${HSM_MERGED_PARAMS.k}`, `${HSM_PARAMS.k[:-d]}`, `${HSM.host|port|FIELD}`)
are replaced here; run-time forms (`${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?m}`, `${VAR?m}`)
are kept verbatim as RuntimeRef pieces; `$$` becomes a literal `$`. The result is a Value whose
pieces tell each artifact what to escape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hsmc.errors import Collector, Related
from hsmc.model import Endpoint, Literal, Param, Piece, RuntimeRef, Setting, Span, Text, Value

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RUNTIME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?", re.S)
_HSM = re.compile(
    r"(?:(HSM_MERGED_PARAMS)\.([A-Za-z0-9_.-]+)"
    r"|(HSM_PARAMS)\.([A-Za-z0-9_.-]+?)(?::-(.*))?"
    r"|(HSM)\.([A-Za-z0-9_]+))",
    re.S,
)


@dataclass(frozen=True)
class Scope:
    """What compile-time references may see where a string stands."""

    where: str  # "package env", "container `postgres`", "connection of `postgres`"
    params: tuple[Param, ...] | None = None  # None: no HSM_PARAMS here (package entries)
    own_params: tuple[Setting, ...] = ()  # in a connection: the params the dependent gave
    endpoint: Endpoint | None = None  # in a connection only


PLAIN = Scope("a compile-time value")


class Interpolator:
    def __init__(self, out: Collector) -> None:
        self.out = out

    def value(self, text: Text, scope: Scope) -> Value:
        return Value(tuple(_merge_literals(self._pieces(text, scope))))

    def _pieces(self, text: Text, scope: Scope) -> list[Piece]:
        s, i = text.value, 0
        pieces: list[Piece] = []
        while i < len(s):
            dollar = s.find("$", i)
            if dollar < 0:
                pieces.append(Literal(s[i:]))
                break
            pieces.append(Literal(s[i:dollar]))
            i = self._reference(text, dollar, scope, pieces)
        return pieces

    def _reference(self, text: Text, at: int, scope: Scope, pieces: list[Piece]) -> int:
        """Reads the reference starting at `at`, appends its pieces, returns where to go on."""
        s = text.value
        nxt = s[at + 1 : at + 2]
        if nxt == "$":
            pieces.append(Literal("$"))
            return at + 2
        if nxt != "{":
            name = _NAME.match(s, at + 1)
            if name:
                self.out.add(
                    "HSM306",
                    f"`${name.group()}` is not a reference hsmc keeps",
                    self._span(text, s[at : name.end()]),
                    f"write `${{{name.group()}}}` for a run-time input, or `$${name.group()}` "
                    "for a literal `$`",
                )
                return name.end()
            pieces.append(Literal("$"))  # `$5`, a trailing `$`: a literal dollar
            return at + 1
        end = _closing_brace(s, at + 1)
        if end < 0:
            self.out.add(
                "HSM301",
                "unterminated `${` reference",
                self._span(text, s[at:]),
                "close it with `}`, or write `$$` for a literal `$`",
            )
            return len(s)
        inner, raw = s[at + 2 : end], s[at : end + 1]
        if inner.startswith("HSM"):
            pieces.extend(self._compile_time(text, raw, inner, scope))
        else:
            pieces.append(self._runtime(text, raw, inner))
        return end + 1

    def _runtime(self, text: Text, raw: str, inner: str) -> Piece:
        match = _RUNTIME.fullmatch(inner)
        if match is None:
            self.out.add(
                "HSM301",
                f"malformed reference `{raw}`",
                self._span(text, raw),
                "run-time references are ${VAR}, ${VAR:-default}, ${VAR-default}, "
                "${VAR:?message} or ${VAR?message}",
            )
            return Literal("")
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if rest and ("\n" in rest or "\r" in rest):
            self.out.add(
                "HSM301",
                f"the reference `${{{name}…}}` spans lines",
                self._span(text, raw.split("\n")[0]),
                "compose cannot read a line break inside ${…}: keep the default on one line",
            )
            return Literal("")
        nested: tuple[RuntimeRef, ...] = ()
        if rest and "${HSM" in rest:
            self.out.add(
                "HSM302",
                "compile-time references cannot stand inside a run-time default",
                self._span(text, raw),
                f"hsmc resolves ${{HSM…}} at compile time and keeps ${{{name}…}} for run time; "
                "give the default as plain text, or drop the run-time reference",
            )
        elif rest and "$" in rest:
            nested = self.value(Text(rest, text.span), PLAIN).refs
        default = rest if op in (":-", "-") else None
        required = op in (None, ":?", "?")
        return RuntimeRef(raw, name, default, required, nested, self._span(text, raw))

    def _compile_time(self, text: Text, raw: str, inner: str, scope: Scope) -> list[Piece]:
        match = _HSM.fullmatch(inner)
        span = self._span(text, raw)
        if match is None:
            self.out.add(
                "HSM302",
                f"unknown compile-time reference `{raw}`",
                span,
                "hsmc knows ${HSM_MERGED_PARAMS.key}, ${HSM_PARAMS.key}, "
                "${HSM_PARAMS.key:-default} and, in `connection:`, ${HSM.host}, ${HSM.port}, "
                "${HSM.FIELD}",
            )
            return []
        if match.group(1):
            return self._merged(match.group(2), span, scope)
        if match.group(3):
            return self._single(match.group(4), match.group(5), span, scope)
        return self._endpoint(match.group(7), span, scope)

    def _merged(self, key: str, span: Span, scope: Scope) -> list[Piece]:
        if scope.params is None:
            self._no_params(span, scope)
            return []
        seen: dict[str, Param] = {}
        for param in scope.params:
            if param.key == key:
                seen.setdefault(param.text.value, param)
        pieces: list[Piece] = []
        for n, param in enumerate(seen.values()):
            pieces += [Literal(",")] if n else []
            pieces += self._pieces(param.text, PLAIN)
        return pieces

    def _single(self, key: str, default: str | None, span: Span, scope: Scope) -> list[Piece]:
        if scope.params is None:
            self._no_params(span, scope)
            return []
        own = [s for s in scope.own_params if s.key == key]
        if own:
            return self._pieces(own[0].text, PLAIN)
        values: dict[str, Param] = {}
        for param in scope.params:
            if param.key == key:
                values.setdefault(param.text.value, param)
        if len(values) > 1:
            first, second = list(values.values())[:2]
            self.out.add(
                "HSM304",
                f"`{key}` has two values for ${{HSM_PARAMS.{key}}}: "
                f"`{first.text.value}` ({first.origin}) and `{second.text.value}` "
                f"({second.origin})",
                span,
                f"give one value, or use ${{HSM_MERGED_PARAMS.{key}}} for all of them",
                (Related(first.origin, first.text.span), Related(second.origin, second.text.span)),
            )
            return []
        if values:
            return self._pieces(next(iter(values.values())).text, PLAIN)
        if default is not None:
            return self._pieces(Text(default, span), PLAIN)
        self.out.add(
            "HSM305",
            f"no value for ${{HSM_PARAMS.{key}}} in {scope.where}",
            span,
            f"pass `{key}` in the implication's or the group's `params:`, or write "
            f"${{HSM_PARAMS.{key}:-default}}",
        )
        return []

    def _endpoint(self, field: str, span: Span, scope: Scope) -> list[Piece]:
        endpoint = scope.endpoint
        if endpoint is None:
            self.out.add(
                "HSM303",
                f"`${{HSM.{field}}}` outside `connection:`",
                span,
                "${HSM.host}, ${HSM.port} and ${HSM.FIELD} describe a connection; use them "
                "only in a container's `connection:` map",
            )
            return []
        found: Text | None = None
        if field == "host":
            found = endpoint.host
        elif field == "port":
            found = endpoint.port
        else:
            found = next((s.text for s in endpoint.fields if s.key == field), None)
        if found is None:
            fields = (
                ["host"] + (["port"] if endpoint.port else []) + [s.key for s in endpoint.fields]
            )
            self.out.add(
                "HSM309",
                f"`${{HSM.{field}}}` is not known in {scope.where}",
                span,
                "known here: " + ", ".join(f"`{f}`" for f in fields),
            )
            return []
        return self._pieces(found, PLAIN)

    def _no_params(self, span: Span, scope: Scope) -> None:
        self.out.add(
            "HSM310",
            f"params are not available in {scope.where}",
            span,
            "${HSM_PARAMS…} and ${HSM_MERGED_PARAMS…} stand in container entries and group "
            "overrides, where implications pass params",
        )

    @staticmethod
    def _span(text: Text, fragment: str) -> Span:
        span = text.span
        at = span.source_line.find(fragment, max(0, span.col - 1))
        if at < 0:
            return span
        return Span(span.file, span.line, at + 1, max(1, len(fragment)), span.source_line)


def _closing_brace(s: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(s)):
        if s[i] == "{":
            depth += 1
        elif s[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _merge_literals(pieces: list[Piece]) -> list[Piece]:
    merged: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, Literal):
            if not piece.text:
                continue
            if merged and isinstance(merged[-1], Literal):
                merged[-1] = Literal(merged[-1].text + piece.text)
                continue
        merged.append(piece)
    return merged


def literal(text: str) -> Value:
    return Value((Literal(text),) if text else ())
