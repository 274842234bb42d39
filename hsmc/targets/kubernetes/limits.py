"""The numbers a cluster's objects can hold (HSM713).

The API server keeps a probe's timing and thresholds as int32 and refuses the object on apply
when one is past 2^31-1; compose takes far more (a duration up to 2^63-1 nanoseconds, retries
up to 2^63-1), so a healthcheck compose runs can still be one a cluster refuses. The numbers
judged are the ones env.py writes (`probe_numbers`), seconds rounded up as written. Every other
number the objects hold is a port (1 to 65535: HSM320 for `ports:`, HSM316 for the main
`port:`); replicas and grace periods are not
written, and resources are quantities (strings).
"""

from __future__ import annotations

from hsmc.errors import Collector
from hsmc.targets.kubernetes.env import probe_numbers
from hsmc.workload import CompiledStack

INT32_MAX = 2**31 - 1


def check_numbers(compiled: CompiledStack, out: Collector) -> None:
    for workload in compiled.workloads:
        probes = (
            ("healthcheck", "readiness probe", workload.healthcheck),
            ("liveness", "liveness probe", workload.liveness),
        )
        for key, probe, check in probes:
            for number in probe_numbers(check):
                if number.value <= INT32_MAX:
                    continue
                out.add(
                    "HSM713",
                    f"service `{workload.name}`: {key} `{number.key}: {number.written}` is "
                    f"`{number.field}: {number.value}` in its {probe}, past the {INT32_MAX} "
                    "Kubernetes takes",
                    number.span,
                    _HINTS[number.field],
                )


_SECONDS = f"write a duration of at most {INT32_MAX} seconds (`596523h`, about 68 years)"
_HINTS = {
    "initialDelaySeconds": _SECONDS,
    "periodSeconds": _SECONDS,
    "timeoutSeconds": _SECONDS,
    "failureThreshold": f"give at most {INT32_MAX} retries (compose takes more, a cluster's "
    "probe does not)",
}
