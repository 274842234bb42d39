"""hsmc's records (hsmc/record.py) behave as the frozen dataclasses they replaced: immutable,
equal and hashed by their fields, shown as `Span(file='x', line=1, …)`, copied and pickled;
every record's __init__ takes its declared fields, in order, with their declared types."""

from __future__ import annotations

import ast
import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import hsmc
from hsmc.codes import CODES
from hsmc.model import Literal, RuntimeRef, Span, Text, Value
from hsmc.record import FrozenError, Record, replace

PACKAGE = Path(hsmc.__file__).parent
# Fields an __init__ computes rather than takes (record: field → what it is made from)
COMPUTED = {"SourceFile": {"lines"}}


def _records() -> list[type[Record]]:
    for info in pkgutil.walk_packages([str(PACKAGE)], "hsmc."):
        if info.name != "hsmc.__main__":  # runs the command line
            importlib.import_module(info.name)
    found: dict[str, type[Record]] = {}
    todo = list(Record.__subclasses__())
    while todo:
        cls = todo.pop()
        found[f"{cls.__module__}.{cls.__qualname__}"] = cls
        todo += cls.__subclasses__()
    return [found[name] for name in sorted(found)]


RECORDS = _records()


def _arguments(cls: type[Record]) -> dict[str, object]:
    """A distinct value for every parameter of its __init__ (a known code for a Diagnostic)."""
    names = list(inspect.signature(cls).parameters)
    values: dict[str, object] = {name: f"<{name}>" for name in names}
    if cls.__name__ == "Diagnostic":
        values["code"] = next(iter(CODES))
    return values


def test_the_records_are_every_class_that_was_a_dataclass() -> None:
    """The 54 of hsmc/model/ and workload.py and the build's others: about 90 in all."""
    names = {cls.__name__ for cls in RECORDS}
    assert {"Span", "Text", "RuntimeRef", "Workload", "Diagnostic", "SourceFile"} <= names
    assert len(RECORDS) > 85


def test_hsmc_never_imports_dataclasses() -> None:
    """A dataclass costs about 0.5 ms to define at every start (docs/decisions.md, "Model
    records"); hsmc/record.py names dataclasses.replace for mypy only."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert "dataclasses" not in [a.name for a in node.names], path
            if isinstance(node, ast.ImportFrom) and node.module == "dataclasses":
                assert path.name == "record.py" and [a.name for a in node.names] == ["replace"]


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_the_init_takes_the_declared_fields_in_order(cls: type[Record]) -> None:
    fields = cls.__annotations__
    assert cls.__slots__ == tuple(fields)
    assert cls.__bases__ == (Record,)
    parameters = list(inspect.signature(cls).parameters.values())
    taken = [f for f in fields if f not in COMPUTED.get(cls.__name__, ())]
    assert [p.name for p in parameters] == taken
    for p in parameters:
        assert p.annotation == fields[p.name], f"{cls.__name__}.{p.name}"
        assert p.kind is p.POSITIONAL_OR_KEYWORD


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_the_init_sets_every_field_and_nothing_else(cls: type[Record]) -> None:
    arguments = _arguments(cls)
    record = cls(**arguments)
    for name in cls.__slots__:
        if name in arguments:
            assert getattr(record, name) is arguments[name]
        else:
            getattr(record, name)  # a computed field is set too
    assert not hasattr(record, "__dict__")


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_a_record_is_what_its_frozen_dataclass_was(cls: type[Record]) -> None:
    """The same fields declared as a frozen dataclass give the same repr, equality and hash."""
    unequal = cls._unequal
    twin: Any = dataclasses.make_dataclass(
        cls.__name__,
        [(f, object, dataclasses.field(compare=f not in unequal)) for f in cls.__slots__],
        frozen=True,
    )
    twin.__qualname__ = cls.__qualname__
    record = cls(**_arguments(cls))
    values = {name: getattr(record, name) for name in cls.__slots__}
    assert repr(record) == repr(twin(**values))
    assert hash(record) == hash(twin(**values))
    same = cls(**_arguments(cls))
    assert record == same and hash(record) == hash(same) and record is not same
    assert record != twin(**values)  # another class's record, with the same fields
    assert record != tuple(values.values())
    assert record != object()


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_a_record_is_immutable(cls: type[Record]) -> None:
    record = cls(**_arguments(cls))
    field = cls.__slots__[0]
    with pytest.raises(FrozenError, match=f"cannot assign to field '{field}'"):
        setattr(record, field, "changed")
    with pytest.raises(AttributeError):  # as dataclasses.FrozenInstanceError was
        record.added = 1  # type: ignore[attr-defined]
    with pytest.raises(FrozenError):
        delattr(record, field)
    assert getattr(record, field) == _arguments(cls).get(field, getattr(record, field))


def test_equality_leaves_out_what_unequal_names() -> None:
    """A run-time reference is equal wherever the author wrote it (as `field(compare=False)`)."""
    here, there = Span("a.yaml", 1), Span("b.yaml", 9)
    ref = RuntimeRef("${A}", "A", None, True, (), here)
    moved = RuntimeRef("${A}", "A", None, True, (), there)
    assert ref == moved and hash(ref) == hash(moved)
    assert ref.span == here and "span=Span(file='a.yaml'" in repr(ref)
    assert ref != RuntimeRef("${A:-x}", "A", "x", False, (), here)
    assert Text("x", here) != Text("x", there)
    assert {Value((Literal("a"), ref)), Value((Literal("a"), moved))} == {
        Value((Literal("a"), ref))
    }


def test_copies_and_pickles_are_equal_records() -> None:
    value = Value((Literal("a"), RuntimeRef("${A}", "A", None, True, (), Span("f", 2))))
    for made in (copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
        assert made == value and type(made) is Value
        assert repr(made) == repr(value)
    deep = copy.deepcopy(value)
    assert deep.pieces is not value.pieces
    with pytest.raises(FrozenError):
        deep.pieces = ()  # type: ignore[misc]


def test_replace_makes_a_new_record_through_its_init() -> None:
    span = Span("f", 1, 2, 3, "line")
    moved = replace(span, line=7)
    assert moved == Span("f", 7, 2, 3, "line") and span.line == 1
    with pytest.raises(TypeError):
        replace(span, nope=1)  # type: ignore[call-arg]


def test_a_record_derives_from_record_alone() -> None:
    with pytest.raises(TypeError, match="derives from Record alone"):
        type("Sub", (Span,), {"__annotations__": {"extra": "int"}})
