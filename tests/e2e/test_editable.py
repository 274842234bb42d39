"""The editable stack (design case 4, golden/05-editable-stack): `up --build` builds the dev
image and the service turns healthy; install.sh with real uv installs the editable client, which
reaches the service through packages.env, and an edit of its source is visible without
reinstalling. With `docker compose watch` running (issue 20), an edit reaches the running
service with no command typed: the entry's `sync+restart` rules copy the service's code and the
client package it imports into the container, its `rebuild` rule rebuilds the image when the
Dockerfile changes, and without declared rules the default `rebuild` rule over the build
context serves an edit of the service's code."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import copy_case, uv_binary
from tests.e2e.conftest import StackFactory
from tests.e2e.stack import Stack
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


def test_editable_stack_builds_serves_and_installs(stacks: StackFactory, tmp_path: Path) -> None:
    project = copy_case(CASE, tmp_path)
    stack = stacks(project)
    stack.build()
    stack.up("--build")
    assert_all_healthy(stack)

    venv = install(stack.out, tmp_path)
    assert venv_python(venv, stack.out, HEALTH) == "{'status': 'ok'}"

    # An edit of the editable client is visible without reinstalling.
    client = project / "packages" / "neo4j-client" / "src" / "neo4j_client" / "__init__.py"
    with client.open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef status() -> str:\n    return health()['status'] + ' (edited)'\n")
    code = "import neo4j_client; print(neo4j_client.status())"
    assert venv_python(venv, stack.out, code) == "ok (edited)"


# --- Compose Watch ---------------------------------------------------------------------------

URL = "http://127.0.0.1:7474"  # the port golden 05 publishes
SERVED_WITHIN = 180.0  # seconds: a rebuild measured about 15 s on this engine


def served(path: str) -> object:
    """The JSON the service answers at `path`, or None while it is down or restarting."""
    try:
        with urllib.request.urlopen(URL + path, timeout=2) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def within(seconds: float, done: Callable[[], bool], what: str, stack: Stack) -> float:
    """Polls `done` until it holds; the seconds it took. Fails after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if done():
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {seconds:.0f} s\n{stack.logs()}")


@contextmanager
def watching(stack: Stack, log: Path) -> Iterator[None]:
    """`docker compose watch` in the background, as a developer leaves it running; yields once
    Compose says it watches."""
    with log.open("w", encoding="utf-8") as handle:
        process = subprocess.Popen(
            stack.compose_command("watch"),
            env=stack.engine.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        within(120, lambda: "Watch enabled" in log.read_text(encoding="utf-8"), "watch", stack)
        yield
    except BaseException:
        print(f"--- docker compose watch:\n{log.read_text(encoding='utf-8')}")
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, path
    path.write_text(text.replace(old, new), encoding="utf-8")


GRAPH = '{"nodes": [], "edges": []}'
GRAPH_EDITED = '{"nodes": [], "edges": [], "edited": True}'
EDITED_GRAPH = {"nodes": [], "edges": [], "edited": True}  # what /graph answers then


def test_watch_syncs_and_restarts_and_rebuilds_on_an_edit(
    stacks: StackFactory, tmp_path: Path
) -> None:
    project = copy_case(CASE, tmp_path)
    stack = stacks(project)
    stack.build()
    stack.up("--build")
    app = project / "services" / "graph-builder" / "app.py"
    api = project / "packages" / "neo4j-client" / "src" / "neo4j_client" / "api.py"
    dockerfile = project / "services" / "graph-builder" / "Dockerfile.dev"
    log = tmp_path / "watch.log"
    with watching(stack, log):
        # sync+restart: the service's own code
        edit(app, GRAPH, GRAPH_EDITED)
        took = within(
            SERVED_WITHIN,
            lambda: served("/graph") == EDITED_GRAPH,
            "app.py",
            stack,
        )
        print(f"\ne2e: an edit of app.py served after {took:.1f} s (sync+restart)")
        assert 'Syncing service "graph-services"' in log.read_text(encoding="utf-8")

        # sync+restart: the editable package the service imports; the host's client sees it too
        edit(api, 'return {"status": "ok"}', 'return {"status": "ok", "contract": "edited"}')
        edited = {"status": "ok", "contract": "edited"}
        took = within(SERVED_WITHIN, lambda: served("/health") == edited, "api.py", stack)
        print(f"e2e: an edit of the client package served after {took:.1f} s (sync+restart)")
        venv = install(stack.out, tmp_path)
        assert venv_python(venv, stack.out, HEALTH) == str(edited)

        # rebuild: the image's recipe
        with dockerfile.open("a", encoding="utf-8") as handle:
            handle.write("ENV WATCH_MARK=rebuilt\n")

        def rebuilt() -> bool:
            found = stack.compose(
                "exec", "-T", "graph-services", "printenv", "WATCH_MARK", check=False
            )
            return found.stdout.strip() == "rebuilt" and served("/health") == edited

        took = within(SERVED_WITHIN, rebuilt, "Dockerfile.dev", stack)
        print(f"e2e: an edit of Dockerfile.dev served after {took:.1f} s (rebuild)")


def test_watch_rebuilds_on_an_edit_by_default(stacks: StackFactory, tmp_path: Path) -> None:
    """Without `watch:` rules the build context is watched with one `rebuild` rule."""
    project = copy_case(CASE, tmp_path)
    entry = project / "registry" / "containers" / "graph-builder-service.yaml"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(re.sub(r"    # Compose Watch.*?(?=  prod:)", "", text, flags=re.S))
    stack = stacks(project)
    stack.build()
    watch = stack.config()["services"]["graph-services"]["develop"]["watch"]
    assert [(r["action"], r["path"]) for r in watch] == [("rebuild", str(project.resolve()))]
    stack.up("--build")
    with watching(stack, tmp_path / "watch.log"):
        edit(project / "services" / "graph-builder" / "app.py", GRAPH, GRAPH_EDITED)
        took = within(SERVED_WITHIN, lambda: served("/graph") == EDITED_GRAPH, "app.py", stack)
        print(f"\ne2e: an edit of app.py served after {took:.1f} s (the default rebuild rule)")
