"""A healthcheck's `test:` and `retries:` as compose reads them: a list test starts with
`CMD`, `CMD-SHELL` or `NONE` (compose refuses any other first word, `cmd` included), and
`retries` is an unsigned 64-bit number."""

from __future__ import annotations

from hsmc.syntax import Problem

TEST_KINDS = ("CMD", "CMD-SHELL", "NONE")
MAX_RETRIES = 2**64 - 1


def test_problem(first: str) -> Problem | None:
    if first in TEST_KINDS:
        return None
    return Problem(
        f"a healthcheck test list starts with `{first}`",
        'start it with "CMD" (the command and its arguments follow), "CMD-SHELL" (one shell '
        'command follows) or "NONE", or write the test as one string (run by a shell)',
    )


def retries_problem(retries: int) -> Problem | None:
    if 0 <= retries <= MAX_RETRIES:
        return None
    return Problem(
        f"healthcheck retries `{retries}` is out of range",
        "give a number of retries from 0 to 2^64-1",
    )
