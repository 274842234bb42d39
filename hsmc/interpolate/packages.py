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
    for var in variables:
        _check_dotenv(var, out)
    return variables


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
