"""The base of hsmc's records: immutable typed values that are cheap to define and to create.

A record declares its fields (annotations, which mypy reads and which become its `__slots__`,
in that order) and sets each in a plain `__init__` through `setfield`:

    class Span(Record):
        file: str
        line: int

        def __init__(self, file: str, line: int = 1) -> None:
            setfield(self, "file", file)
            setfield(self, "line", line)

Record gives it what a frozen dataclass had: assignment raises, `==` compares the fields of two
records of one class (a field named in `_unequal` left out; never equal to a tuple or to another
class's record), hash and repr from the fields, copy and pickle. Frozen dataclasses generated
these methods and their __init__ with `exec` for every class at every start of hsmc: 27 ms of a
build for the model alone (docs/decisions.md, "Model records"). tests/test_record.py checks
that every record's annotations and `__init__` agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import TYPE_CHECKING, ClassVar, TypeVar, dataclass_transform

# How an __init__ sets a field: the assignment Record.__setattr__ refuses to everyone else.
setfield = object.__setattr__

R = TypeVar("R", bound="Record")


class FrozenError(AttributeError):
    """An assignment to a record's field (a frozen dataclass raised FrozenInstanceError, also
    an AttributeError)."""


def _getter(names: Iterable[str]) -> Callable[[object], tuple[object, ...]]:
    """The fields as a tuple, as a dataclass compares and hashes them (attrgetter is C code)."""
    names = tuple(names)
    if len(names) > 1:
        return attrgetter(*names)
    if not names:
        return lambda record: ()
    one = attrgetter(names[0])  # gives the value itself, not a tuple
    return lambda record: (one(record),)


class _Fields(type):
    """A record's annotations are its fields: its __slots__, and what == and hash compare."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, object]) -> _Fields:
        if bases:  # a record (Record itself has none)
            if bases != (Record,):
                raise TypeError(f"record {name} derives from Record alone")
            annotations = namespace.get("__annotations__", {})
            unequal = namespace.get("_unequal", ())
            assert isinstance(annotations, dict) and isinstance(unequal, tuple)
            namespace["__slots__"] = fields = tuple(annotations)
            namespace["_compared"] = staticmethod(_getter(n for n in fields if n not in unequal))
        return super().__new__(mcs, name, bases, namespace)


# For mypy, a record is a frozen dataclass: its fields are read-only, and `replace` below is
# checked like dataclasses.replace. Its own __init__ is the one calls are checked against.
@dataclass_transform(frozen_default=True)
class Record(metaclass=_Fields):
    __slots__: tuple[str, ...] = ()
    _unequal: ClassVar[tuple[str, ...]] = ()  # fields left out of == and hash (a span, say)
    _compared: ClassVar[staticmethod[[object], tuple[object, ...]]]  # what == and hash compare

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._compared(self) == self._compared(other)

    def __hash__(self) -> int:
        return hash(self._compared(self))

    def __repr__(self) -> str:  # a dataclass's: failures in tests stay readable
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[object, ...]:
        """copy, deepcopy and pickle: the fields, set again without __setattr__."""
        return (_rebuild, (type(self), tuple(getattr(self, n) for n in self.__slots__)))


def _rebuild(cls: type[R], values: tuple[object, ...]) -> R:
    record = object.__new__(cls)
    for name, value in zip(cls.__slots__, values, strict=True):
        setfield(record, name, value)
    return record


if TYPE_CHECKING:
    # mypy checks every call's field names and types as it checks dataclasses.replace's
    from dataclasses import replace as replace
else:

    def replace(record, /, **changes):
        """A copy of `record` with `changes` (field=value) made, through its __init__ (which
        must take every field: SourceFile, whose __init__ computes `lines`, cannot be)."""
        fields = {name: getattr(record, name) for name in record.__slots__}
        return type(record)(**{**fields, **changes})
