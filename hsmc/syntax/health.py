"""A healthcheck's `test:` and `retries:` as compose reads them: a list test starts with
`CMD`, `CMD-SHELL` or `NONE` (compose refuses any other first word, `cmd` included), and
`retries` a number from 0 to 2^63-1. Compose reads `retries` as an unsigned 64-bit number
(`config -q` takes 2^64-1), but hands it to Docker as a signed one, which refuses the negative
number 2^63 and above become when the container is created."""

from __future__ import annotations

from hsmc.syntax import Problem

TEST_KINDS = ("CMD", "CMD-SHELL", "NONE")
MAX_RETRIES = 2**63 - 1


def test_problem(first: str) -> Problem | None:
    if first in TEST_KINDS:
        return None
    return Problem(
        f"a healthcheck test list starts with `{first}`",
        'start it with "CMD" (the command and its arguments follow), "CMD-SHELL" (one shell '
        'command follows) or "NONE", or write the test as one string (run by a shell)',
    )


def retries(whole: str) -> int | Problem:
    """A whole number as written (`-?[0-9]+`), or why it is out of range. One of more than
    twenty digits is out of range unconverted (int() refuses 4,300 digits)."""
    number = int(whole) if len(whole.lstrip("-")) <= 20 else None
    if number is not None and 0 <= number <= MAX_RETRIES:
        return number
    return _out_of_range(whole)


def retries_problem(retries: int) -> Problem | None:
    return None if 0 <= retries <= MAX_RETRIES else _out_of_range(str(retries))


def _out_of_range(written: str) -> Problem:
    return Problem(
        f"healthcheck retries `{written}` is out of range",
        f"give a number of retries from 0 to {MAX_RETRIES} (2^63-1, what Docker takes)",
    )
