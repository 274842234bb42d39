"""Durations as compose reads them (Go's time.ParseDuration): `1m30s`, `500ms`, `1.5h`, `0`;
units ns, us (µs), ms, s, m, h; at most 2^63-1 nanoseconds (about 292 years), which is where
compose refuses `2562048h` (measured)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from hsmc.syntax import Problem

_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
_NANOS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9}
_NANOS |= {"m": 60 * 10**9, "h": 3600 * 10**9}
MAX_NANOS = 2**63 - 1
_HINT = "write a duration as compose does: a number and a unit (ns, us, ms, s, m, h), e.g. `30s`"


def seconds(text: str) -> float | Problem:
    """`text` in seconds, or why compose would refuse it (a sign is refused too: a negative
    interval or timeout is never meant)."""
    if text == "0":
        return 0.0
    body = text.removeprefix("+")
    total = Decimal(0)
    at = 0
    while at < len(body):
        match = _PART.match(body, at)
        if match is None or match.group(1) in ("", "."):
            return Problem(f"`{text}` is not a duration", _HINT)
        try:
            total += Decimal(match.group(1)) * _NANOS[match.group(2)]
        except InvalidOperation:
            return Problem(f"`{text}` is not a duration", _HINT)
        if total > MAX_NANOS:
            return Problem(f"duration `{text}` is too long", "compose takes at most 2562047h")
        at = match.end()
    if not body:
        return Problem("an empty duration", _HINT)
    return float(total / 10**9)
