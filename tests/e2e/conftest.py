"""Fixtures of the e2e tests: one engine and one set of stand-in images per session, and stacks
that are always brought down (`down -v`) afterwards, with the logs of a failing stack printed."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.engine import Engine, NoEngine, get_engine
from tests.e2e.images import StandIns
from tests.e2e.stack import Stack

HERE = Path(__file__).resolve().parent
_numbers = itertools.count(1)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    started = time.monotonic()
    try:
        found = get_engine()
    except NoEngine as reason:
        if os.environ.get("HSMC_E2E_REQUIRED") == "1":  # CI: no engine is a failure
            pytest.fail(f"e2e: {reason} (HSMC_E2E_REQUIRED=1)")
        pytest.skip(f"e2e: {reason}")
    print(f"\ne2e: engine {found.host} ready in {time.monotonic() - started:.1f}s")
    try:
        yield found
    finally:
        found.stop()


@pytest.fixture(scope="session")
def standins(engine: Engine) -> StandIns:
    return StandIns(engine)


StackFactory = Callable[[Path], Stack]


@pytest.fixture
def stacks(
    engine: Engine, standins: StandIns, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[StackFactory]:
    """make(project_dir) -> a Stack with a unique compose project name, built into
    tmp_path/out-N; every stack made is brought down with its volumes at the end."""
    made: list[Stack] = []

    def make(project: Path) -> Stack:
        number = next(_numbers)
        name = f"hsmce2e-{os.getpid()}-{number}"
        stack = Stack(engine, standins, project, name, tmp_path / f"out-{number}")
        made.append(stack)
        return stack

    yield make
    failed = request.node.stash.get(_FAILED, False)
    for stack in made:
        if stack.started and failed:
            print(stack.logs())
        if stack.started:
            stack.down()


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    if call.when == "call" and getattr(report, "failed", False):
        item.stash[_FAILED] = True
    return report
