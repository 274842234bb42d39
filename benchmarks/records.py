"""What the model's record classes cost, by the kind of record (issue 21): a prototype.

    python benchmarks/records.py PROJECT [--runs 15]

Takes every record of hsmc/model/ and hsmc/workload.py as it is (its fields, which have
defaults, a field left out of equality), writes the same records as each candidate kind would
declare them, and measures, interleaved round by round:

- `define`: creating all the classes (what importing the module costs on top of its bytecode,
  which is cached): the module's code, compiled beforehand, run in a fresh namespace;
- `construct`: creating as many records of each class as one `hsmc build` of PROJECT creates
  (counted by running that build in this process with every record's __init__ counted), with
  keyword arguments, as the stages write them.

The kinds: frozen dataclasses (hsmc until issue 21), `dataclass(frozen=True, slots=True)`,
typing.NamedTuple, and `__slots__` classes written out by hand (here: generated) — one frozen
like a dataclass (__setattr__ raises; __init__ sets through object.__setattr__), one whose
fields mypy keeps read-only (`Final`) and that assigns plainly, the same on a shared base class
(generic __eq__, __hash__, __repr__), and hsmc's own hsmc.record.Record (fields from the
annotations, __init__ through `setfield`, assignment raises). Each has __init__, __eq__ (fields
compared as a tuple, the excluded field left out), __hash__ and __repr__ like the dataclass.
Nothing of hsmc is changed; decisions.md ("Model records") has the numbers and what they led to.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import sys
import tempfile
import time
import types
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import hsmc.model
import hsmc.workload
from hsmc.record import Record

MODULES = (hsmc.model, hsmc.workload)


class Field(NamedTuple):
    name: str
    default: bool  # has one
    compare: bool


def record_classes() -> list[type[Record]]:
    return [
        value
        for module in MODULES
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Record)
        and value.__module__.startswith(module.__name__)  # hsmc.model re-exports its modules'
    ]


def fields(cls: type[Record]) -> list[Field]:
    parameters = inspect.signature(cls).parameters
    return [
        Field(n, parameters[n].default is not inspect.Parameter.empty, n not in cls._unequal)
        for n in cls.__slots__
    ]


def _default(f: Field) -> str | None:
    """Every default as None: what it is does not change what a class costs."""
    return "None" if f.default else None


def _signature(fields: list[Field]) -> str:
    parts = []
    for f in fields:
        default = _default(f)
        parts.append(f"{f.name}=_D_{f.name}" if default is not None else f.name)
    return ", ".join(parts)


def _defaults(fields: list[Field]) -> list[str]:
    return [f"_D_{f.name} = {_default(f)}" for f in fields if _default(f) is not None]


def source(kind: str, classes: list[type]) -> str:
    """A module declaring `classes` as records of `kind` (annotations as strings, as hsmc's
    modules have them with `from __future__ import annotations`)."""
    lines = [
        "from __future__ import annotations",
        "from dataclasses import dataclass, field",
        "from typing import NamedTuple, Final",
        "from hsmc.record import Record as HsmcRecord, setfield",
    ]
    if kind == "slots + Record":
        lines.append(RECORD_BASE)
    for cls in classes:
        declared = fields(cls)
        lines += _defaults(declared)
        lines += _declare(kind, _unique(cls), declared)
    return "\n".join(lines) + "\n"


def _unique(cls: type) -> str:
    """model.Healthcheck and workload.Healthcheck live in one namespace here."""
    return f"{cls.__module__.rsplit('.', 1)[-1]}_{cls.__name__}"


def _declare(kind: str, name: str, fields: list[Field]) -> list[str]:
    if kind in ("dataclass", "dataclass slots"):
        slots = ", slots=True" if kind == "dataclass slots" else ""
        out = [f"@dataclass(frozen=True{slots})", f"class {name}:", '    """A record."""']
        for f in fields:
            default = _default(f)
            spec = "" if default is None else f" = {default}"
            if not f.compare:
                spec = f" = field(default={default}, compare=False)"
            out.append(f"    {f.name}: object{spec}")
        return out or ["    pass"]
    if kind == "slots + Record":
        return _record_subclass(name, fields)
    if kind == "hsmc Record":
        return _hsmc_record(name, fields)
    if kind == "NamedTuple":
        out = [f"class {name}(NamedTuple):", '    """A record."""']
        out += [
            f"    {f.name}: object" + ("" if _default(f) is None else f" = {_default(f)}")
            for f in fields
        ]
        return out
    return _slots_class(kind, name, fields)


def _record_subclass(name: str, fields: list[Field]) -> list[str]:
    names = [f.name for f in fields]
    slots = ", ".join(repr(n) for n in names)
    out = [f"class {name}(Record):", '    """A record."""', f"    __slots__ = ({slots},)"]
    unequal = [f.name for f in fields if not f.compare]
    if unequal:
        out.append(f"    _unequal = {tuple(unequal)!r}")
    out += [f"    {n}: Final[object]" for n in names]
    out.append(f"    def __init__(self, {_signature(fields)}) -> None:")
    out += [f"        self.{n} = {n}" for n in names]
    return out


def _hsmc_record(name: str, fields: list[Field]) -> list[str]:
    out = [f"class {name}(HsmcRecord):", '    """A record."""']
    unequal = [f.name for f in fields if not f.compare]
    if unequal:
        out.append(f"    _unequal = {tuple(unequal)!r}")
    out += [f"    {f.name}: object" for f in fields]
    out.append(f"    def __init__(self, {_signature(fields)}) -> None:")
    out += [f"        setfield(self, {f.name!r}, {f.name})" for f in fields]
    return out


def _slots_class(kind: str, name: str, fields: list[Field]) -> list[str]:
    names = [f.name for f in fields]
    compared = [f"self.{f.name}" for f in fields if f.compare]
    other = [f"other.{f.name}" for f in fields if f.compare]
    slots = ", ".join(repr(n) for n in names)
    out = [
        f"class {name}:",
        '    """A record."""',
        f"    __slots__ = ({slots}{',' if names else ''})",
    ]
    if kind == "slots final":
        out += [f"    {n}: Final[object]" for n in names]
    out.append(f"    def __init__(self, {_signature(fields)}) -> None:" if names else "")
    for n in names:
        if kind == "slots frozen":
            out.append(f"        object.__setattr__(self, {n!r}, {n})")
        else:
            out.append(f"        self.{n} = {n}")
    key = f"({', '.join(compared)}{',' if len(compared) == 1 else ''})"
    okey = f"({', '.join(other)}{',' if len(other) == 1 else ''})"
    out += [
        "    def __eq__(self, other: object) -> bool:",
        "        if other.__class__ is not self.__class__:",
        "            return NotImplemented",
        f"        return {key} == {okey}",
        "    def __hash__(self) -> int:",
        f"        return hash({key})",
        "    def __repr__(self) -> str:",
        f'        return f"{name}({", ".join(f"{n}={{self.{n}!r}}" for n in names)})"',
    ]
    if kind == "slots frozen":
        out += [
            "    def __setattr__(self, name: str, value: object) -> None:",
            "        raise AttributeError(f'cannot assign to field {name!r}')",
            "    def __delattr__(self, name: str) -> None:",
            "        raise AttributeError(f'cannot delete field {name!r}')",
        ]
    return [line for line in out if line]


KINDS = (
    "dataclass",
    "dataclass slots",
    "NamedTuple",
    "slots frozen",
    "slots final",
    "slots + Record",
    "hsmc Record",
)

# The recommended form: each record writes its __slots__, Final fields and a plain __init__;
# one base class gives every record __eq__, __hash__ and __repr__ from __slots__ (a build
# compares about 400 records and hashes none, so generic methods cost nothing measurable).
RECORD_BASE = """
class Record:
    __slots__ = ()
    _unequal: tuple[str, ...] = ()  # fields left out of == and hash (a span, say)

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, n) for n in self.__slots__ if n not in self._unequal)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({shown})"
"""


def counted_build(project: Path) -> Counter[str]:
    """How many records of each class one build of `project` creates (in this process)."""
    from hsmc import pipeline
    from hsmc.parse import Inputs

    counts: Counter[str] = Counter()
    originals = {cls: cls.__init__ for cls in record_classes()}
    for cls, real in originals.items():

        def counting(
            self: object, *a: object, _real: Callable[..., None] = real, **k: object
        ) -> None:
            counts[_unique(type(self))] += 1
            _real(self, *a, **k)

        cls.__init__ = counting  # type: ignore[misc]
    with tempfile.TemporaryDirectory() as out:
        os.environ["HSMC_CACHE_DIR"] = str(Path(out) / "cache")
        inputs = Inputs(project, (), Path(out) / "out", cache=True, search_up=False)
        pipeline.build(inputs)  # fills the cache
        counts.clear()
        pipeline.build(inputs)  # a warm build's records
    for cls, real in originals.items():
        cls.__init__ = real  # type: ignore[misc]
    return counts


def _arguments(cls: type[Record]) -> dict[str, object]:
    return {f.name: f"v-{f.name}" for f in fields(cls)}


def measure(runs: int, counts: Counter[str]) -> dict[str, tuple[list[float], list[float]]]:
    classes = record_classes()
    codes = {kind: compile(source(kind, classes), f"<{kind}>", "exec") for kind in KINDS}
    plans = [(_unique(cls), counts[_unique(cls)], _arguments(cls)) for cls in classes]
    timing: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in KINDS}
    for _ in range(runs):
        for kind in KINDS:
            module = types.ModuleType(f"records_{kind.replace(' ', '_')}")
            sys.modules[module.__name__] = module  # dataclass looks its module up
            namespace = module.__dict__
            began = time.perf_counter()
            exec(codes[kind], namespace)
            defined = time.perf_counter() - began
            began = time.perf_counter()
            for name, count, arguments in plans:
                make = namespace[name]
                for _ in range(count):
                    make(**arguments)  # type: ignore[operator]
            timing[kind][0].append(defined)
            timing[kind][1].append(time.perf_counter() - began)
    return timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    counts = counted_build(args.project)
    classes = record_classes()
    print(f"{len(classes)} record classes; one build of {args.project} creates", end=" ")
    print(f"{sum(counts.values())} records; the most:")
    for name, count in counts.most_common(8):
        print(f"  {count:6d} {name}")
    timing = measure(args.runs, counts)
    print(f"\nmedians of {args.runs} interleaved rounds (python {sys.version.split()[0]})")
    print(f"{'kind':16} {'define':>9} {'construct':>10} {'both':>9}")
    for kind, (defined, built) in timing.items():
        d, b = statistics.median(defined) * 1000, statistics.median(built) * 1000
        print(f"{kind:16} {d:6.2f} ms {b:7.2f} ms {d + b:6.2f} ms")


if __name__ == "__main__":
    main()
