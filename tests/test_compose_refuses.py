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
