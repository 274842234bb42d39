"""`resources:` quantities, written so that Kubernetes and Docker Compose read the same amount.

CPU: cores as a decimal with at most three decimals (`0.25`, `2`) or millicores (`250m`);
Kubernetes reads both, compose's `cpus` reads the decimal. At least 10m: Docker refuses a
`cpus` below 0.01 when it starts the container. Memory: a whole number of bytes, or of Ki, Mi,
Gi, Ti (powers of 1024).
Kubernetes also reads SI suffixes (`M` = 10^6 bytes), but compose reads `M` as 2^20 bytes and
refuses `Mi` (measured with compose v2.40.3: `256m` is 268435456 bytes, `256Mi` "invalid
suffix"), so only the binary ones are taken, and compose is given its own spelling (`256m`).
"""

from __future__ import annotations

import re

from hsmc.syntax import Problem

_CPU = re.compile(r"([0-9]{1,6})(?:\.([0-9]{1,3}))?|([0-9]{1,9})m")
_MEMORY = re.compile(r"([0-9]{1,15})(Ki|Mi|Gi|Ti)?")
_SHIFT = {None: 0, "Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40}
MIN_MILLICORES = 10
_CPU_HINT = "write cores (`0.5`, `2`, at most three decimals) or millicores (`500m`)"
_MEMORY_HINT = (
    "write bytes, or a whole number of Ki, Mi, Gi or Ti (`256Mi`, `1Gi`); compose reads "
    "`M` and `G` as powers of 1024, Kubernetes as powers of 1000: hsmc takes neither"
)


def millicores(text: str) -> int | Problem:
    """The CPU quantity `text` in thousandths of a core, or why it is refused."""
    match = _CPU.fullmatch(text)
    if match is None:
        return Problem(f"`{text}` is not a CPU quantity", _CPU_HINT)
    if match.group(3) is not None:
        amount = int(match.group(3))
    else:
        amount = int(match.group(1)) * 1000 + int((match.group(2) or "").ljust(3, "0"))
    if amount < MIN_MILLICORES:
        return Problem(
            f"CPU quantity `{text}` is below 10m", "Docker takes at least 0.01 cores (`10m`)"
        )
    return amount


def memory_bytes(text: str) -> int | Problem:
    """The memory quantity `text` in bytes, or why it is refused."""
    match = _MEMORY.fullmatch(text)
    if match is None:
        return Problem(f"`{text}` is not a memory quantity hsmc writes", _MEMORY_HINT)
    amount = int(match.group(1)) << _SHIFT[match.group(2)]
    if amount <= 0:
        return Problem(f"memory quantity `{text}` is zero", "give a size, e.g. `256Mi`")
    return amount


def kubernetes_cpu(amount: int) -> str:
    """Whole cores as a number of cores, else millicores (Kubernetes' canonical forms)."""
    return str(amount // 1000) if amount % 1000 == 0 else f"{amount}m"


def compose_cpus(amount: int) -> str:
    """Cores as a decimal, as compose's `cpus` reads them (`0.25`, `2`)."""
    whole, part = divmod(amount, 1000)
    return f"{whole}.{part:03d}".rstrip("0").rstrip(".") if part else str(whole)


def kubernetes_memory(amount: int) -> str:
    """Bytes in the largest binary unit that divides them (`256Mi`)."""
    for unit, shift in (("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)):
        if amount % (1 << shift) == 0:
            return f"{amount >> shift}{unit}"
    return str(amount)


def compose_memory(amount: int) -> str:
    """Bytes in the largest unit that divides them, in compose's spelling (`256m`: 2^20)."""
    for unit, shift in (("t", 40), ("g", 30), ("m", 20), ("k", 10)):
        if amount % (1 << shift) == 0:
            return f"{amount >> shift}{unit}"
    return str(amount)
