"""Run-time inputs: every ${VAR} a target's artifacts keep, with where it is used. Each target
lists the values its own artifacts write (hsmc/targets/), so that its .env.template and
`hsmc check --env-file` ask for exactly the inputs its consumer reads. Shared, no stage."""

from __future__ import annotations

from collections.abc import Iterable

from hsmc.model import EnvVar, RuntimeInput, Span, Value
from hsmc.record import Record, setfield
from hsmc.secret_names import looks_secret


class Use(Record):
    """A value an artifact writes: where (`service NAME`, `packages.env`), under which key
    (a variable's name, for the secret rule), the value."""

    where: str
    key: str | None
    value: Value

    def __init__(self, where: str, key: str | None, value: Value) -> None:
        setfield(self, "where", where)
        setfield(self, "key", key)
        setfield(self, "value", value)


class _Seen:
    """A variable's references so far (collect_inputs fills it in)."""

    __slots__ = ("defaults", "required", "secret", "span", "used_in")

    def __init__(self) -> None:
        self.defaults: list[str] = []
        self.required = False
        self.secret = False
        self.used_in: set[str] = set()
        self.span: Span | None = None


def collect_inputs(uses: Iterable[Use]) -> tuple[RuntimeInput, ...]:
    """Every reference the uses hold, once, sorted by name: required when any reference
    requires it, the first default otherwise, secret when its name or a key it fills looks
    like a secret."""
    seen: dict[str, _Seen] = {}
    for use in uses:
        for ref in use.value.refs:
            item = seen.setdefault(ref.name, _Seen())
            if ref.default is not None:
                item.defaults.append(ref.default)
            item.required |= ref.required
            key_secret = use.key is not None and looks_secret(use.key)
            item.secret |= looks_secret(ref.name) or key_secret
            item.used_in.add(use.where)
            item.span = item.span or ref.span
    return tuple(
        RuntimeInput(
            name,
            item.defaults[0] if item.defaults and not item.required else None,
            item.required,
            item.secret,
            tuple(sorted(item.used_in)),
            item.span,
        )
        for name, item in sorted(seen.items())
    )


def package_uses(env: Iterable[EnvVar]) -> list[Use]:
    """packages.env's variables as uses (every target writes packages.env)."""
    return [Use("packages.env", var.key, var.value) for var in env]
