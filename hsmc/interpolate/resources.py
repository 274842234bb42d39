"""What a workload declares for its place rather than its program: `resources:` read into
amounts (HSM327), the liveness probe's test (HSM328), and the variables its image reads only
when it initialises its data, checked against the environment it gets (HSM329)."""

from __future__ import annotations

from collections.abc import Callable

from hsmc.errors import Collector, printable
from hsmc.model import EnvVar, HealthcheckSpec, ResourceSpec, Text, Value
from hsmc.syntax import Problem, quantities
from hsmc.workload import Resources

_Fill = Callable[[Text], Value]


def resources(spec: ResourceSpec, v: _Fill, out: Collector) -> Resources | None:
    """Each quantity read (a compile-time reference filled first; a run-time one is refused:
    neither consumer would fill it); a request above its limit is refused, as Kubernetes
    refuses it."""
    if not spec.texts:
        return None
    cpu = quantities.millicores
    memory = quantities.memory_bytes
    found = Resources(
        requests_cpu=_amount(spec.requests_cpu, cpu, v, out),
        requests_memory=_amount(spec.requests_memory, memory, v, out),
        limits_cpu=_amount(spec.limits_cpu, cpu, v, out),
        limits_memory=_amount(spec.limits_memory, memory, v, out),
    )
    pairs = (
        ("cpu", found.requests_cpu, found.limits_cpu, spec.requests_cpu),
        ("memory", found.requests_memory, found.limits_memory, spec.requests_memory),
    )
    for what, request, limit, text in pairs:
        if request is not None and limit is not None and request > limit and text is not None:
            out.add(
                "HSM327",
                f"the {what} request `{printable(text.value)}` is above its limit",
                text.span,
                "Kubernetes refuses a request above the limit: lower the request or raise "
                "the limit (a profile's quantities replace the entry's one by one)",
            )
    return found


def _amount(
    text: Text | None, read: Callable[[str], int | Problem], v: _Fill, out: Collector
) -> int | None:
    if text is None:
        return None
    found = read(v(text).plain())
    if isinstance(found, Problem):
        out.add("HSM327", found.message, text.span, found.hint)
        return None
    return found


def check_liveness(spec: HealthcheckSpec, service: str, out: Collector) -> None:
    """A liveness probe needs a test once the profile's fields are over the entry's: an image's
    own healthcheck is not a probe a cluster runs."""
    if spec.empty or spec.test is not None:
        return
    given = (spec.interval, spec.timeout, spec.start_period)
    span = next((t.span for t in given if t is not None), None)
    out.add(
        "HSM328",
        f"the liveness probe of service `{service}` has no `test:`",
        span,
        "give `liveness:` a `test:` (as a healthcheck's: `CMD`, `CMD-SHELL` or a string), or "
        "remove it",
    )


def init_only(names: tuple[Text, ...], env: tuple[EnvVar, ...], out: Collector) -> tuple[str, ...]:
    """The names of `init_only_env:`, each one a variable the container gets."""
    defined = {var.key for var in env}
    found: list[str] = []
    for name in names:
        if name.value not in defined:
            out.add(
                "HSM329",
                f"`init_only_env:` names `{printable(name.value)}`, which the container does "
                "not get",
                name.span,
                "list variables of the entry's `env:` (or its profile's) that the image reads "
                "only when it initialises its data",
            )
        elif name.value not in found:
            found.append(name.value)
    return tuple(found)
