"""The defaults of the cluster's `.env.template`: the values compose would give.

Kubernetes has no defaults: the template carries each optional input with the value compose
takes when `.env` does not set it, and Kustomize puts the line into the Secret verbatim. That
value is the default as compose reads it (`cost$$5` is `cost$5`); it is refused (HSM709) where
one line cannot carry it: a default that reads another input (compose takes that input's value
from .env, a template line holds text), two different defaults of one input (compose gives each
use its own, the Secret holds one value), and text that Kustomize and compose would read
differently as `NAME=value` (quotes, blanks at either end, ` #`, a `$` compose expands, a line
break or another control character: the cluster's .env is checked against compose's reading,
HSM505).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hsmc.errors import Collector, printable
from hsmc.inputs import Use
from hsmc.model import RuntimeRef, Span
from hsmc.record import Record, setfield
from hsmc.targets.kubernetes.env import compose_text

# what Kustomize and compose read alike after `NAME=` (measured over every string of up to four
# characters among the troublesome ones: tests/test_kubernetes_env.py)
_EXPANDED = re.compile(r"\$(\$|\{|[A-Za-z_])")
_COMMENT = re.compile(r"\s#")
# a control character or a line separator: a template line shows none (and a reader may split)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class _Default(Record):
    value: str | None  # None: it reads another input
    span: Span | None

    def __init__(self, value: str | None, span: Span | None) -> None:
        setfield(self, "value", value)
        setfield(self, "span", span)


def carried(value: str) -> bool:
    """Whether the line `NAME=value` gives `value` to Kustomize and to compose alike."""
    return not (
        value != value.strip()
        or value[:1] in ("'", '"')
        or _CONTROL.search(value)
        or _COMMENT.search(value)
        or _EXPANDED.search(value)
    )


def _defaults(uses: Iterable[Use]) -> dict[str, list[_Default]]:
    found: dict[str, list[_Default]] = {}
    for use in uses:
        for ref in use.value.refs:
            if ref.default is not None:
                value = None if ref.nested or _bare(ref) else compose_text(ref.default)
                found.setdefault(ref.name, []).append(_Default(value, ref.span))
    return found


def _bare(ref: RuntimeRef) -> bool:
    """A `$NAME` in the default: compose expands it, although no reference was kept."""
    return _EXPANDED.search(ref.default.replace("$$", "") if ref.default else "") is not None


def template_defaults(uses: Iterable[Use]) -> dict[str, str]:
    """Each input's default as compose reads it (after check_defaults passed)."""
    return {
        name: given[0].value
        for name, given in _defaults(uses).items()
        if given[0].value is not None
    }


def check_defaults(uses: Iterable[Use], required: set[str], out: Collector) -> None:
    """HSM709 for every default the template cannot carry (an input that some use requires
    has no default: the template leaves it empty)."""
    for name, given in sorted(_defaults(uses).items()):
        if name in required:
            continue
        nested = next((d for d in given if d.value is None), None)
        if nested is not None:
            _refuse(name, "reads another input", nested.span, out, _NESTED)
            continue
        values = {d.value for d in given}
        if len(values) > 1:
            shown = ", ".join(f"`{printable(v or '')}`" for v in sorted(v or "" for v in values))
            other = next(d for d in given if d.value != given[0].value)
            _refuse(name, f"has different defaults ({shown})", other.span, out, _DIFFERENT)
        elif not carried(given[0].value or ""):
            _refuse(name, "is text a `.env` line cannot carry", given[0].span, out, _TEXT)


_NESTED = (
    "Kubernetes has no defaults and the cluster's .env.template holds text: give the default "
    "literally, or make the input required (`${NAME:?…}`)"
)
_DIFFERENT = (
    "one value in .env serves every use on a cluster: give every reference to it the same default"
)
_TEXT = (
    "Kustomize and compose would read the .env.template line differently (quotes, blanks at "
    "either end, ` #`, a `$` before a name or a brace, a control character): choose another "
    "default, or make the input required"
)


def _refuse(name: str, why: str, span: Span | None, out: Collector, hint: str) -> None:
    out.add(
        "HSM709",
        f"the default of input `{printable(name)}` {why}, which a cluster's .env cannot carry",
        span,
        hint,
    )
