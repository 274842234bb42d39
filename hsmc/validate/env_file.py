"""Validate stage, the checks of a `.env` file against the compiled stack (`hsmc check
--env-file`): the inputs a value inserts into a URL as they are, which the file sets to a value
that would change the URL's meaning (HSM502). The values are a target's own (its uses:
hsmc/inputs.py); the required inputs it does not set (HSM501); and, where the target's
consumer has no defaults, the inputs it sets empty where compose would give a default
(HSM711)."""

from __future__ import annotations

from collections.abc import Iterable

from hsmc.errors import Collector, Diagnostic
from hsmc.inputs import Use
from hsmc.model import Literal, RuntimeInput, RuntimeRef, Span
from hsmc.refs import runtime


def url_inputs(uses: Iterable[Use]) -> dict[str, tuple[str, Span | None]]:
    """Run-time inputs that a value of a target's artifacts inserts after a `://`, i.e. into a
    URL, as they are: {input: (the first variable that does, where the reference is written)}."""
    values = [(_where(use), use.value) for use in uses]
    found: dict[str, tuple[str, Span | None]] = {}
    for where, value in values:
        in_url = False
        for piece in value.pieces:
            if isinstance(piece, Literal):
                in_url = in_url or "://" in piece.text
                continue
            todo: list[RuntimeRef] = [piece] if in_url else []
            while todo:  # a reference in a default lands in the URL too
                ref = todo.pop()
                found.setdefault(ref.name, (where, ref.span))
                todo += ref.nested
    return found


def _where(use: Use) -> str:
    if use.where == "packages.env":
        return f"{use.key} in packages.env"
    return f"{use.key or 'a value'} of {use.where}"


def url_unsafe_inputs(
    urls: dict[str, tuple[str, Span | None]], unsafe: set[str], env_file: str
) -> tuple[Diagnostic, ...]:
    """Inputs whose value in a .env file would change the meaning of the URL they go into
    (names only, never values): no client could tell the password from the host."""
    out = Collector()
    for name in sorted(urls.keys() & unsafe):
        where, span = urls[name]
        out.add(
            "HSM502",
            f"the value of `{name}` in {env_file} cannot go into a URL as it is",
            span,
            f"{where} inserts `{name}` unencoded, and @ / : # % ? [ ] or a space would "
            f"change where the URL points: use letters, digits and - . _ ~ in {name} "
            "(e.g. `openssl rand -hex 24`)",
        )
    return tuple(out.diagnostics)


def missing_inputs(
    inputs: Iterable[RuntimeInput],
    defined: dict[str, bool],
    env_file: str,
    no_defaults: bool = False,
) -> tuple[Diagnostic, ...]:
    """Required run-time inputs that a .env file does not set (names only, never values).
    `no_defaults` (Kubernetes): an optional input must be in the file too, empty or not."""
    out = Collector()
    for item in inputs:
        if not item.required and no_defaults and item.name not in defined:
            out.add(
                "HSM501",
                f"input `{item.name}` is not set in {env_file}",
                item.span,
                f"Kubernetes has no defaults: add `{item.name}=…` to {env_file} (its "
                "default is in .env.template)",
            )
        if not item.required or defined.get(item.name):
            continue
        state = "is empty" if item.name in defined else "is not set"
        out.add(
            "HSM501",
            f"required input `{item.name}` {state} in {env_file}",
            item.span,
            f"add `{item.name}=…` to {env_file} (see .env.template); used by "
            + ", ".join(item.used_in),
        )
    return tuple(sorted(out.diagnostics, key=Diagnostic.sort_key))


def empty_with_default(
    uses: Iterable[Use], defined: dict[str, bool], env_file: str
) -> tuple[Diagnostic, ...]:
    """Where the target's consumer has no defaults (Kubernetes): an input the file sets to
    an empty value that a value reads as `${NAME:-default}` with a default. Compose gives the
    default there, the cluster the empty value (names only, never values)."""
    out = Collector()
    seen: set[str] = set()
    for use in uses:
        for ref in use.value.refs:
            if ref.name in seen or defined.get(ref.name, True) or not _colon_default(ref):
                continue
            seen.add(ref.name)
            out.add(
                "HSM711",
                f"input `{ref.name}` is empty in {env_file}, where compose would give its default",
                ref.span,
                f"Kubernetes has no defaults: write the value itself in {env_file} (the "
                ".env.template line has the default)",
            )
    return tuple(sorted(out.diagnostics, key=Diagnostic.sort_key))


def _colon_default(ref: RuntimeRef) -> bool:
    """`${NAME:-default}` with a default that is not empty (`${NAME-…}` keeps an empty
    value)."""
    inner = ref.raw[2:-1] if ref.raw.startswith("${") else ""
    parts = runtime(inner)
    return parts is not None and parts[1] == ":-" and bool(parts[2])
