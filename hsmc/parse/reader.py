"""Helpers bound to one registry or manifest file: typed, located values out of its nodes (the
reader that nodes.py, environments.py and watch.py share)."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from hsmc import observe
from hsmc.errors import Collector
from hsmc.model import (
    Healthcheck,
    Implication,
    Number,
    ResourceSpec,
    Setting,
    Span,
    TargetKind,
    Text,
)
from hsmc.parse import paths
from hsmc.parse.source import SourceFile
from hsmc.parse.tree import Node

NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")  # use fullmatch: `$` matches before a final \n
_SURROGATE = re.compile("[\ud800-\udfff]")


class Reader:
    """Helpers bound to one file: typed, located values out of nodes."""

    def __init__(self, source: SourceFile, out: Collector) -> None:
        self.src = source
        self.out = out

    def text(self, node: Node) -> Text:
        return Text(self._unicode(node), self.src.node_span(node))

    def number(self, node: Node) -> Number:
        return Number(node.integer(), self.src.node_span(node))

    def key(self, key: Node) -> str:
        """A mapping key, checked like a value: keys reach artifacts too."""
        return self._unicode(key)

    def _unicode(self, node: Node) -> str:
        """The node's text, checked. Its span is only made for a diagnostic: every key and
        value of a build passes here, and most callers make the span they keep themselves."""
        value = node.text()
        if _SURROGATE.search(value):
            # "\ud83d\udc0d" escapes arrive as two surrogates: join them into one character.
            joined = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            if joined.count("\ufffd") > value.count("\ufffd"):
                self.out.add(
                    "HSM007", "a lone UTF-16 surrogate escape is not text", self.src.node_span(node)
                )
            value = joined
        if "\x00" in value:
            self.out.add(
                "HSM007",
                "a NUL character is not text",
                self.src.node_span(node),
                "no environment variable, path or argument can hold `\\0`: remove it",
            )
        return value

    def opt_text(self, node: Node, key: str) -> Text | None:
        return self.text(node[key]) if key in node else None

    def opt_str(self, node: Node, key: str) -> str | None:
        return self.text(node[key]).value if key in node else None

    def key_span(self, key: Node) -> Span:
        return self.src.node_span(key)

    def key_of(self, node: Node, key: str) -> Span:
        """The span of `key` in the mapping `node`."""
        child = node[key]
        return self.src.node_span(Node(key, child.key_line, child.key_col))

    def settings(self, node: Node, key: str) -> tuple[Setting, ...]:
        if key not in node or not node[key].is_mapping():
            return ()
        return tuple(
            Setting(self.key(k), self.text(v), self.key_span(k)) for k, v in node[key].items()
        )

    def texts(self, node: Node, key: str) -> tuple[Text, ...]:
        if key not in node or not node[key].is_sequence():
            return ()
        return tuple(self.text(item) for item in node[key])

    def command(self, node: Node) -> Text | tuple[Text, ...] | None:
        if "command" not in node:
            return None
        value = node["command"]
        return tuple(self.text(i) for i in value) if value.is_sequence() else self.text(value)

    def healthcheck(self, node: Node, key: str = "healthcheck") -> Healthcheck | None:
        """`healthcheck:`, or `liveness:` (its subset of the same fields)."""
        if key not in node:
            return None
        hc = node[key]
        test = None
        if "test" in hc:
            t = hc["test"]
            test = tuple(self.text(i) for i in t) if t.is_sequence() else self.text(t)
        return Healthcheck(
            span=self.src.line_span(hc.key_line),
            test=test,
            interval=self.opt_text(hc, "interval"),
            timeout=self.opt_text(hc, "timeout"),
            start_period=self.opt_text(hc, "start_period"),
            start_interval=self.opt_text(hc, "start_interval"),
            retries=self.number(hc["retries"]) if "retries" in hc else None,
            disable=bool(hc["disable"].value) if "disable" in hc else None,
        )

    def resources(self, node: Node) -> ResourceSpec | None:
        if "resources" not in node:
            return None
        given = node["resources"]
        requests, limits = given.get("requests"), given.get("limits")
        return ResourceSpec(
            requests_cpu=self.opt_text(requests, "cpu") if requests is not None else None,
            requests_memory=self.opt_text(requests, "memory") if requests is not None else None,
            limits_cpu=self.opt_text(limits, "cpu") if limits is not None else None,
            limits_memory=self.opt_text(limits, "memory") if limits is not None else None,
        )

    def implies(self, node: Node) -> tuple[Implication, ...]:
        if "implies" not in node or not node["implies"].is_mapping():
            return ()
        result = []
        for key, value in node["implies"].items():
            span = self.key_span(key)
            kind, _, target = self.key(key).partition(":")
            if kind not in ("package", "container") or not NAME_RE.fullmatch(target):
                self.out.add(
                    "HSM105",
                    f"implication target `{key.value}` is not `package:NAME` or `container:NAME`",
                    span,
                    "write e.g. `container:postgres:` or `package:redis:`",
                )
                continue
            params = self.settings(value, "params") if value.is_mapping() else ()
            result.append(Implication(TargetKind(kind), target, params, span))
        return tuple(result)

    def relative_path(self, text: Text, base: Path) -> Path | None:
        if PurePosixPath(text.value).is_absolute() or re.match(r"^[A-Za-z]:[\\/]", text.value):
            self.out.add(
                "HSM401",
                f"absolute path `{text.value}`",
                text.span,
                "paths must be relative to the file that names them, so that committed "
                "artifacts work on every checkout",
            )
            return None
        if "\x00" in text.value:
            return None  # HSM007 already said it (one cause, one diagnostic)
        unusable = paths.problem(text.value) or paths.problem(str(base / text.value))
        if unusable is not None:
            self.out.add(
                "HSM414", f"path `{paths.shown(text.value)}` {unusable}", text.span, paths.HINT
            )
            return None
        return observe.resolve(base / text.value)
