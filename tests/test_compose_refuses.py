"""Exit 0 means the consumer accepts the output (issue 22, items 3 and 6): every value Docker
Compose refuses, or a cluster's objects could not hold, is a located exit-1 error on every
target, never a traceback (exit 3) and never a file compose then refuses.

Each case was exit 3 or exit 0 with a file `docker compose config -q` refuses on main; the
control beside it proves the same project with a good value builds and compose reads it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import compose_config, run_hsmc, write_project

MANIFEST = "name: refuses\nservices:\n  container_groups:\n    api:\n      selection: api\n"


def _entry(field: str) -> dict[str, str]:
    return {
        "hsm.yaml": MANIFEST,
        "registry/containers/api.yaml": "name: api\nimage: ghcr.io/example/api:1\n" + field,
    }


_CHECK = "healthcheck:\n  test:\n    - CMD\n    - 'true'\n"

CASES = [
    # (id, registry field, code, target)
    ("superscript-in-range", 'ports:\n  - "8000-8001:²-81"\n', "HSM320", "compose"),
    ("superscript-container-port", 'ports:\n  - "8080:²"\n', "HSM320", "kubernetes"),
    ("arabic-indic-digits", 'ports:\n  - "8080:٨٠"\n', "HSM320", "kubernetes"),
    ("port-out-of-range", 'ports:\n  - "99999:80"\n', "HSM320", "compose"),
    ("range-of-other-length", 'ports:\n  - "8000:80-81"\n', "HSM320", "compose"),
    ("unbalanced-quote", 'command: "sh -c \'echo hi"\n', "HSM321", "kubernetes"),
    ("unbalanced-quote-compose", 'command: "sh -c \'echo hi"\n', "HSM321", "compose"),
    ("semicolon", 'command: "echo a; echo b"\n', "HSM321", "compose"),
    (
        "400-digit-interval",
        "healthcheck:\n  test:\n    - CMD\n    - 'true'\n  interval: " + "9" * 400 + "s\n",
        "HSM322",
        "kubernetes",
    ),
    (
        "interval-too-long",
        "healthcheck:\n  test:\n    - CMD\n    - 'true'\n  interval: 99999999999h\n",
        "HSM322",
        "compose",
    ),
    ("volume-empty-section", 'volumes:\n  - "data:/x:"\n', "HSM323", "compose"),
    ("retries-past-docker-int", _CHECK + "  retries: 9223372036854775808\n", "HSM326", "compose"),
    # a probe's numbers are int32 on a cluster (issue: user trial of the kubernetes target)
    ("retries-past-int32", _CHECK + "  retries: 4294967296\n", "HSM713", "kubernetes"),
    ("interval-past-int32-seconds", _CHECK + "  interval: 1000000h\n", "HSM713", "kubernetes"),
    ("start-past-int32-seconds", _CHECK + "  start_period: 596524h\n", "HSM713", "kubernetes"),
    (
        "liveness-timeout-past-int32-seconds",
        _CHECK.replace("healthcheck", "liveness") + "  timeout: 596524h\n",
        "HSM713",
        "kubernetes",
    ),
]


@pytest.mark.parametrize(
    ("field", "code", "target"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_value_compose_refuses_is_a_located_error(
    field: str, code: str, target: str, tmp_path: Path
) -> None:
    write_project(tmp_path, _entry(field))
    for command in ("build", "check"):
        result = run_hsmc(command, "--target", target, cwd=tmp_path)
        assert result.returncode == 1, (command, result.stderr)
        assert f"error[{code}]" in result.stderr, result.stderr
        assert "registry/containers/api.yaml:" in result.stderr
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not (tmp_path / "generated").exists()


CONTROLS = [
    'ports:\n  - "8000-8001:80-81"\n',
    'ports:\n  - "[::1]:8080:80/udp"\n',
    "command: \"sh -c 'echo hi'\"\n",
    "healthcheck:\n  test:\n    - CMD\n    - 'true'\n  interval: 1m30s\n",
    'volumes:\n  - "data:/x:ro"\n',
]


@pytest.mark.parametrize("field", CONTROLS)
def test_the_good_value_builds_and_compose_reads_it(field: str, tmp_path: Path) -> None:
    write_project(tmp_path, _entry(field))
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert compose_config(tmp_path / "generated")["services"]


# the largest each consumer takes: Docker's retries (a signed 64-bit int) on compose, int32 and
# the whole hours of int32 seconds in a cluster's probe
LARGEST = {
    "compose": _CHECK + "  retries: 9223372036854775807\n",
    "kubernetes": _CHECK + "  retries: 2147483647\n  interval: 596523h\n  timeout: 596523h\n",
}


@pytest.mark.parametrize("target", sorted(LARGEST))
def test_the_largest_numbers_a_consumer_takes_build(target: str, tmp_path: Path) -> None:
    write_project(tmp_path, _entry(LARGEST[target]))
    result = run_hsmc("build", "--target", target, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    if target == "compose":
        service = compose_config(tmp_path / "generated")["services"]
        assert service["api"]["healthcheck"]["retries"] == 2**63 - 1  # type: ignore[index]
    else:
        written = (tmp_path / "generated" / "kubernetes" / "api.yaml").read_text("utf-8")
        assert "failureThreshold: 2147483647" in written
        assert "periodSeconds: 2147482800" in written


OVERRIDDEN = [
    # (id, `overrides: healthcheck: retries:`, code, target, what the message says)
    ("past-any-integer", "99999999999999999999999999999", "HSM326", "compose", "out of range"),
    ("past-int-digit-limit", "9" * 5000, "HSM326", "compose", "out of range"),
    ("negative", "-1", "HSM326", "compose", "out of range"),
    ("past-docker-int", "9223372036854775808", "HSM326", "compose", "out of range"),
    ("past-int32", "4294967296", "HSM713", "kubernetes", "failureThreshold: 4294967296"),
    ("not-a-number", "many", "HSM325", "compose", "is not a number"),
]


@pytest.mark.parametrize(
    ("retries", "code", "target", "says"),
    [c[1:] for c in OVERRIDDEN],
    ids=[c[0] for c in OVERRIDDEN],
)
def test_overridden_retries_are_judged_as_numbers(
    retries: str, code: str, target: str, says: str, tmp_path: Path
) -> None:
    overrides = f"      overrides:\n        healthcheck:\n          retries: {retries}\n"
    files = _entry(_CHECK + "  retries: 3\n")
    write_project(tmp_path, {**files, "hsm.yaml": MANIFEST + overrides})
    result = run_hsmc("build", "--target", target, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"error[{code}]" in result.stderr and says in result.stderr, result.stderr
    assert "--> hsm.yaml:8:20" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
