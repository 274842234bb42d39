"""`${…}` references inside strings (SPEC §2.4).

Compile-time forms (`${HSM_MERGED_PARAMS.k}`, `${HSM_PARAMS.k[:-d]}`, `${HSM.host|port|FIELD}`)
are replaced here; run-time forms (`${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?m}`, `${VAR?m}`)
are kept verbatim as RuntimeRef pieces; `$$` becomes a literal `$`. The result is a Value whose
pieces tell each artifact what to escape.
"""

from __future__ import annotations

from typing import NamedTuple

from hsmc import refs
from hsmc.errors import Collector, Related
from hsmc.model import Endpoint, Literal, Param, Piece, RuntimeRef, Setting, Span, Text, Value
from hsmc.refs import Kind


class Scope(NamedTuple):  # not a dataclass: see refs.Token
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
        if "$" not in text.value:  # no reference: the string is its own literal
            return literal(text.value)
        return Value(tuple(_merge_literals(self._pieces(text, scope))))

    def _pieces(self, text: Text, scope: Scope) -> list[Piece]:
        pieces: list[Piece] = []
        for token in refs.tokens(text.value):
            if token.kind in (Kind.TEXT, Kind.LONE):
                pieces.append(Literal(token.text))  # `$5`, a trailing `$`: a literal dollar
            elif token.kind is Kind.DOLLAR:
                pieces.append(Literal("$"))
            elif token.kind is Kind.BRACED and token.inner.startswith("HSM"):
                pieces.extend(self._compile_time(text, token.text, token.inner, scope))
            elif token.kind is Kind.BRACED:
                pieces.append(self._runtime(text, token.text, token.inner))
            else:
                self._malformed(text, token)
        return pieces

    def _malformed(self, text: Text, token: refs.Token) -> None:
        if token.kind is Kind.BARE:
            name = token.text[1:]
            self.out.add(
                "HSM306",
                f"`{token.text}` is not a reference hsmc keeps",
                self._span(text, token.text),
                f"write `${{{name}}}` for a run-time input, or `$${name}` for a literal `$`",
            )
        elif token.kind is Kind.UNTERMINATED:
            self.out.add(
                "HSM301",
                "unterminated `${` reference",
                self._span(text, token.text),
                "close it with `}`, or write `$$` for a literal `$`",
            )
        else:
            self.out.add(
                "HSM315",
                f"a reference nested more than {refs.MAX_DEPTH} levels deep",
                self._span(text, token.text),
                f"nest defaults at most {refs.MAX_DEPTH} levels deep (`${{A:-${{B:-x}}}}` is "
                "two); give a plain default instead",
            )

    def _runtime(self, text: Text, raw: str, inner: str) -> Piece:
        parsed = refs.runtime(inner)
        if parsed is None:
            self.out.add(
                "HSM301",
                f"malformed reference `{raw}`",
                self._span(text, raw),
                "run-time references are ${VAR}, ${VAR:-default}, ${VAR-default}, "
                "${VAR:?message} or ${VAR?message}",
            )
            return Literal("")
        name, op, rest = parsed
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
            # Only the references directly inside: each keeps its own nested ones, so a
            # reference nested n deep is read once, not 2^n times (Value.refs walks the tree).
            inside = self.value(Text(rest, text.span), PLAIN).pieces
            nested = tuple(p for p in inside if isinstance(p, RuntimeRef))
        default = rest if op in (":-", "-") else None
        required = op in (None, ":?", "?")
        return RuntimeRef(raw, name, default, required, nested, self._span(text, raw))

    def _compile_time(self, text: Text, raw: str, inner: str, scope: Scope) -> list[Piece]:
        match = refs.COMPILE_TIME.fullmatch(inner)
        if match is None:
            self.out.add(
                "HSM302",
                f"unknown compile-time reference `{raw}`",
                self._span(text, raw),
                "hsmc knows ${HSM_MERGED_PARAMS.key}, ${HSM_PARAMS.key}, "
                "${HSM_PARAMS.key:-default} and, in `connection:`, ${HSM.host}, ${HSM.port}, "
                "${HSM.FIELD}",
            )
            return []
        # Each helper looks the reference's span up only for a diagnostic or a default: most
        # references are the `${HSM.host}` of a connection, read once per package that needs it.
        if match.group(1):
            return self._merged(match.group(2), text, raw, scope)
        if match.group(3):
            return self._single(match.group(4), match.group(5), text, raw, scope)
        return self._endpoint(match.group(7), text, raw, scope)

    def _merged(self, key: str, text: Text, raw: str, scope: Scope) -> list[Piece]:
        if scope.params is None:
            self._no_params(self._span(text, raw), scope)
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

    def _single(
        self, key: str, default: str | None, text: Text, raw: str, scope: Scope
    ) -> list[Piece]:
        if scope.params is None:
            self._no_params(self._span(text, raw), scope)
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
                self._span(text, raw),
                f"give one value, or use ${{HSM_MERGED_PARAMS.{key}}} for all of them",
                (Related(first.origin, first.text.span), Related(second.origin, second.text.span)),
            )
            return []
        if values:
            return self._pieces(next(iter(values.values())).text, PLAIN)
        if default is not None:
            return self._pieces(Text(default, self._span(text, raw)), PLAIN)
        self.out.add(
            "HSM305",
            f"no value for ${{HSM_PARAMS.{key}}} in {scope.where}",
            self._span(text, raw),
            f"pass `{key}` in the implication's or the group's `params:`, or write "
            f"${{HSM_PARAMS.{key}:-default}}",
        )
        return []

    def _endpoint(self, field: str, text: Text, raw: str, scope: Scope) -> list[Piece]:
        endpoint = scope.endpoint
        if endpoint is None:
            self.out.add(
                "HSM303",
                f"`${{HSM.{field}}}` outside `connection:`",
                self._span(text, raw),
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
                self._span(text, raw),
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
