"""The editable stack (design case 4, golden/05-editable-stack): `up --build` builds the dev
context and the service turns healthy; an edit in the context followed by
`up -d --build --wait` is served; install.sh with real uv installs the editable client, which
reaches the service through packages.env, and an edit of its source is visible without
reinstalling."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

from tests.conftest import copy_case, uv_binary
from tests.e2e.conftest import StackFactory
from tests.e2e.test_golden_cases import assert_all_healthy

CASE = "05-editable-stack"
HEALTH = """
    import neo4j_client
    print(neo4j_client.health())
"""


def install(stack_out: Path, tmp: Path) -> Path:
    venv = tmp / "venv"
    env = {
        "PATH": f"{uv_binary().parent}:/usr/bin:/bin",
        "HOME": str(tmp),
        "VIRTUAL_ENV": str(venv),
        "UV_CACHE_DIR": str(tmp / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_CONFIG": "1",
    }
    run = subprocess.run(
        ["sh", str(stack_out / "install.sh"), "--offline"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return venv


def venv_python(venv: Path, out: Path, code: str) -> str:
    """`code` in the installed venv, with packages.env loaded into the environment."""
    from dotenv import dotenv_values

    env = {
        "PATH": "/usr/bin:/bin",
        **{k: v or "" for k, v in dotenv_values(out / "packages.env").items()},
    }
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_editable_stack_builds_serves_edits_and_installs(
    stacks: StackFactory, tmp_path: Path
) -> None:
    project = copy_case(CASE, tmp_path)
    stack = stacks(project)
    stack.build()
    stack.up("--build")
    assert_all_healthy(stack)

    venv = install(stack.out, tmp_path)
    assert venv_python(venv, stack.out, HEALTH) == "{'status': 'ok'}"

    # An edit in the build context, then `up -d --build --wait`: the new code is served.
    app = project / "services" / "graph-builder" / "app.py"
    text = app.read_text(encoding="utf-8")
    app.write_text(text.replace('{"status": "ok"}', '{"status": "ok", "edited": True}'))
    stack.up("--build")
    assert venv_python(venv, stack.out, HEALTH) == "{'status': 'ok', 'edited': True}"

    # An edit of the editable client is visible without reinstalling.
    client = project / "packages" / "neo4j-client" / "src" / "neo4j_client" / "__init__.py"
    with client.open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef status() -> str:\n    return health()['status'] + ' (edited)'\n")
    code = "import neo4j_client; print(neo4j_client.status())"
    assert venv_python(venv, stack.out, code) == "ok (edited)"
