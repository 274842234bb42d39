"""Python packages: the run-time environment (packages.env), and what it cannot express."""

from __future__ import annotations

import re

from hsmc.errors import Collector
from hsmc.interpolate.env import EnvMap, add_connection
from hsmc.interpolate.refs import Interpolator, Scope
from hsmc.model import (
    EnvVar,
    RuntimeRef,
    Stack,
)


def package_env(stack: Stack, interp: Interpolator, out: Collector) -> tuple[EnvVar, ...]:
    env = EnvMap("packages.env", out)
    by_name = {s.name: s for s in stack.services}
    for package in stack.packages:
        name = package.entry.name
        scope = Scope(f"package `{name}`")
        for setting in package.entry.env:
            env.add(setting.key, interp.value(setting.text, scope), f"`{name}`", setting.text.span)
        for dep in stack.package_needs.get(name, ()):
            add_connection(env, dep, by_name[dep.service], interp)
    variables = env.sorted()
    by_key = {var.key: var for var in variables}
    for var in variables:
        _check_dotenv(var, out)
        _check_sibling_references(var, by_key, out)
    return variables


def _check_sibling_references(var: EnvVar, by_key: dict[str, EnvVar], out: Collector) -> None:
    """`${AMQP_URL}` in a package's env is the run-time input AMQP_URL, read from .env; when
    packages.env sets AMQP_URL itself (a connection, another package's env) to something else,
    the two can't both hold: a value in .env replaces the connection for host code (variables
    already set win in python-dotenv and `hsmc run`), and without one the reference is either
    required and unset, or read from the same file by some readers and not by others (HSM311).
    A reference to a variable that packages.env passes through unchanged (`X: ${X}`) is fine."""
    for piece in var.value.pieces:
        if not isinstance(piece, RuntimeRef) or piece.name not in by_key:
            continue
        sibling = by_key[piece.name]
        through = _passes_through(sibling)
        if through is not None and _reading(through) == _reading(piece):
            continue
        if sibling is var:
            out.add(
                "HSM311",
                f"`{var.key}` reads `{piece.raw}` from .env inside its own value: packages.env "
                f"sets `{var.key}` to `{var.value.plain()}`, which host code reads, and a value in "
                ".env replaces it",
                piece.span or var.span,
                f"write `{var.key}: ${{{var.key}}}` to pass .env's value through, or read "
                "another name from .env (e.g. `" + var.key + "_BASE`) in this value",
            )
            continue
        out.add(
            "HSM311",
            f"`{var.key}` reads `{piece.raw}` from .env, but packages.env sets `{piece.name}` "
            f"itself ({sibling.origin}): a value in .env would replace it for host code",
            piece.span or var.span,
            f"read `{piece.name}` in the package's code instead, or give `{var.key}` its value "
            "where the other one comes from (a container's `connection:`: `hsmc registry "
            "eject` copies an entry to edit)",
        )


def _passes_through(var: EnvVar) -> RuntimeRef | None:
    """The reference when `var` is its own .env value (`X: ${X}`, `X: ${X:-a}`)."""
    pieces = var.value.pieces
    if len(pieces) == 1 and isinstance(pieces[0], RuntimeRef) and pieces[0].name == var.key:
        return pieces[0]
    return None


def _reading(ref: RuntimeRef) -> tuple[str, str | None]:
    """What a reference gives when its variable is unset or empty: its operator (`:-`, `-`,
    `:?`, `?`, or none) and its default. Two references of one name with the same reading give
    the same value everywhere (a `?` message is not a value)."""
    rest = ref.raw[2 + len(ref.name) : -1]
    operator = rest[:2] if rest.startswith(":") else rest[:1]
    return operator, ref.default


_DOTENV_UNSAFE = re.compile(r"\$(?=[{A-Za-z_])")


def _check_dotenv(var: EnvVar, out: Collector) -> None:
    """packages.env is read by python-dotenv too: it expands ${VAR} and ${VAR:-default} only,
    with no nesting and no escape for a literal `$` before a name (HSM311)."""
    for piece in var.value.pieces:
        if isinstance(piece, RuntimeRef):
            if piece.default is not None and "${HSM" in piece.default:
                continue  # reported as HSM302 already
            if piece.nested or (piece.default is not None and "}" in piece.default):
                out.add(
                    "HSM311",
                    f"`{var.key}` has a nested reference `{piece.raw}` that python-dotenv "
                    "cannot read in packages.env",
                    var.span,
                    f"use a plain default in {var.origin}, e.g. ${{{piece.name}:-value}}",
                )
            elif piece.default is not None and "$" in piece.default:
                # `${X:-a$$b}`: python-dotenv reads `a$$b`, compose `a$b` (measured).
                out.add(
                    "HSM311",
                    f"`{var.key}` has a `$` in the default of `{piece.raw}`, which python-dotenv "
                    "and compose read differently in packages.env",
                    var.span,
                    f"give a default without `$` in {var.origin}",
                )
        elif _DOTENV_UNSAFE.search(piece.text):
            out.add(
                "HSM311",
                f"`{var.key}` has a literal `$` that packages.env cannot keep literal",
                var.span,
                "python-dotenv expands `$NAME` and `${…}` in every value; avoid a literal "
                f"`$` before a name in {var.origin}",
            )
