"""The test suite's own switches: the derandomised Hypothesis profile for CI, the slow marker."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("env", "derandomised"),
    [({"HYPOTHESIS_PROFILE": "ci"}, True), ({"CI": "true"}, True), ({}, False)],
)
def test_ci_runs_hypothesis_derandomised(env: dict[str, str], derandomised: bool) -> None:
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    code = "import tests.conftest, hypothesis\nprint(hypothesis.settings.default.derandomize)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == str(derandomised)


def test_the_slow_tests_are_marked_and_the_default_run_keeps_them() -> None:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    paths = ["tests/test_mutations.py", "tests/test_mutations_consumers.py", "tests/test_write.py"]
    everything = subprocess.run([*command, *paths], cwd=ROOT, capture_output=True, text=True)
    quick = subprocess.run(
        [*command, "-m", "not slow", *paths], cwd=ROOT, capture_output=True, text=True
    )
    slow = {
        "test_a_mutated_project_compiles",
        "test_a_mutated_project_that_builds_is_accepted",
        "test_builds_killed_at_random_moments",
    }
    for name in slow:
        assert name in everything.stdout
        assert name not in quick.stdout
