"""A container's environment on a cluster: exactly the variables compose gives it.

Compose fills every `${NAME}` from `.env` before the container starts; Kubernetes expands
`$(NAME)` in env values, `command` and `args` from variables defined in the container itself.
So a run-time input that a value reads is defined under a reserved name, `HSMC_NAME` (the
`HSMC_` namespace: no image reads it, docs/artifacts.md), from the workload's own Secret, and
the value reads `$(HSMC_NAME)`; a variable that is one reference and nothing else (`PGPASSWORD:
${POSTGRES_PASSWORD}`) is the Secret's key itself, under its own name. Every other name is one
of the service's own variables, defined once, after the reserved ones, so every `$(…)` sees
the Secret's value (a `$(…)` only sees variables defined before it). A probe's shell expands
`${HSMC_NAME…}` from the same container.
"""

from __future__ import annotations

from hsmc import refs
from hsmc.model import Literal, RuntimeRef, Span, Value
from hsmc.record import Record, setfield
from hsmc.workload import Healthcheck, Workload

Obj = dict[str, object]
RESERVED = "HSMC_"  # the reserved namespace of the variables hsmc defines in a container


def reserved(name: str) -> str:
    return RESERVED + name


class Environment(Record):
    """The container's `env:` and the keys its Secret holds."""

    entries: tuple[Obj, ...]
    keys: tuple[str, ...]  # sorted

    def __init__(self, entries: tuple[Obj, ...], keys: tuple[str, ...]) -> None:
        setfield(self, "entries", entries)
        setfield(self, "keys", keys)


def passed_on(value: Value) -> RuntimeRef | None:
    """The reference a value is made of alone (`${NAME}`, with or without a default)."""
    only = value.pieces[0] if len(value.pieces) == 1 else None
    return only if isinstance(only, RuntimeRef) else None


def reserved_inputs(workload: Workload) -> set[str]:
    """The inputs read inside a longer value, a command or a probe: each needs `HSMC_NAME`."""
    values = [e.value for e in workload.environment if passed_on(e.value) is None]
    for command in (workload.command, workload.entrypoint):
        values += list(command.words) if command is not None else []
    for check in (workload.healthcheck, workload.liveness):
        values += list(check.test or ()) if check is not None and check.probes else []
    return {p.name for value in values for p in value.pieces if isinstance(p, RuntimeRef)}


def environment(workload: Workload, secret: str) -> Environment:
    indirect = sorted(reserved_inputs(workload))
    entries: list[Obj] = [_from_secret(reserved(name), secret, name) for name in indirect]
    keys = set(indirect)
    for var in workload.environment:
        ref = passed_on(var.value)
        if ref is not None:
            entries.append(_from_secret(var.key, secret, ref.name))
            keys.add(ref.name)
        else:
            entries.append({"name": var.key, "value": k8s_text(var.value)})
    return Environment(tuple(entries), tuple(sorted(keys)))


def _from_secret(name: str, secret: str, key: str) -> Obj:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def k8s_text(value: Value) -> str:
    """Text where Kubernetes expands `$(VAR)` (env values, command, args): a run-time
    reference reads its reserved variable, and every literal `$` is doubled (`$$` reads as
    `$`). The Secret always holds the key (a missing one fails the render), so a default
    never applies: an empty value where compose would take the default is HSM711."""
    return "".join(
        p.text.replace("$", "$$") if isinstance(p, Literal) else f"$({reserved(p.name)})"
        for p in value.pieces
    )


def shell_text(value: Value) -> str:
    """Text a probe's shell reads: a reference becomes `${HSMC_NAME…}` with the author's
    operator and its default (`$$` in it read as compose reads it, `$`); the shell expands
    it from the container's environment, where HSMC_NAME is defined."""
    return "".join(p.text if isinstance(p, Literal) else shell_ref(p) for p in value.pieces)


def shell_ref(ref: RuntimeRef) -> str:
    inner = ref.raw[2:-1] if ref.raw.startswith("${") else ref.raw[1:]
    parts = refs.runtime(inner)
    operator, rest = (parts[1], parts[2]) if parts is not None else (None, None)
    tail = f"{operator}{compose_text(rest or '')}" if operator else ""
    return "${" + reserved(ref.name) + tail + "}"


def compose_text(text: str) -> str:
    """Literal text as compose reads it inside a default: `$$` is one `$`. (A reference in a
    default is refused on this target, HSM709.)"""
    return "".join("$" if t.kind is refs.Kind.DOLLAR else t.text for t in refs.tokens(text))


def probe(check: Healthcheck | None) -> Obj:
    """A compose healthcheck as a probe's action and timing: `CMD` → exec, `CMD-SHELL` →
    `sh -c`; a missing timeout is compose's default, 30 s (Kubernetes' 1 s would fail a
    check that compose passes)."""
    if check is None or not check.probes or check.test is None:
        return {}
    words = [shell_text(v) for v in check.test]
    command = words[1:] if words[0] == "CMD" else ["sh", "-c", " ".join(words[1:])]
    found: Obj = {"exec": {"command": command}}
    found |= {number.field: number.value for number in probe_numbers(check)}
    found.setdefault("timeoutSeconds", COMPOSE_TIMEOUT)
    return found


COMPOSE_TIMEOUT = 30  # seconds: compose's healthcheck timeout when none is given


class ProbeNumber(Record):
    """A number a probe writes, the field it writes and what gave it (for checks.py's limits:
    the numbers it judges are the numbers written)."""

    field: str
    value: int
    key: str  # the healthcheck's key that gives it
    written: str  # as the author wrote it
    span: Span

    def __init__(self, field: str, value: int, key: str, written: str, span: Span) -> None:
        setfield(self, "field", field)
        setfield(self, "value", value)
        setfield(self, "key", key)
        setfield(self, "written", written)
        setfield(self, "span", span)


def probe_numbers(check: Healthcheck | None) -> list[ProbeNumber]:
    """The timing and threshold of the probe `probe` writes for `check`, in its order."""
    if check is None or not check.probes or check.test is None:
        return []
    found = []
    for duration, key, field in (
        (check.start_period, "start_period", "initialDelaySeconds"),
        (check.interval, "interval", "periodSeconds"),
        (check.timeout, "timeout", "timeoutSeconds"),
    ):
        if duration is not None and duration.seconds is not None:
            seconds = whole_seconds(duration.seconds)
            written = duration.written.plain()
            found.append(ProbeNumber(field, seconds, key, written, duration.span))
    retries = check.retries
    if retries is not None and retries.value > 0:
        written = str(retries.value)
        found.append(
            ProbeNumber("failureThreshold", retries.value, "retries", written, retries.span)
        )
    return found


def whole_seconds(seconds: float) -> int:
    """Rounded up, at least 1 (a probe's fields are whole seconds)."""
    whole = int(seconds)
    return max(1, whole if whole == seconds else whole + 1)
