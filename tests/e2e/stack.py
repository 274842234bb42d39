"""A generated stack driven the way a user drives it: `hsmc build`, a `.env` beside the generated
files, plain `docker compose` (the real v2 binary) on the generated compose file, and host
processes that load `.env` and `packages.env` with python-dotenv."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from tests.conftest import compose_binary, run_hsmc
from tests.e2e.engine import Engine
from tests.e2e.images import StandIns, standin_kind

WAIT_SECONDS = 240


class NotRunnable(Exception):
    """The stack pins an image that has no stand-in (the message names it)."""


class Stack:
    def __init__(
        self, engine: Engine, standins: StandIns, project: Path, name: str, out: Path
    ) -> None:
        self.engine = engine
        self.standins = standins
        self.project = project
        self.name = name
        self.out = out
        self.started = False

    # --- hsmc ---------------------------------------------------------------------------------

    def build(self, *extra: str, env: dict[str, str] | None = None) -> None:
        result = run_hsmc("build", self.project, "-o", self.out, *extra, cwd=self.project, env=env)
        assert result.returncode == 0, result.stderr

    def write_env(self, values: dict[str, str]) -> None:
        """`.env` as a user writes it: single-quoted values (literal for Compose and dotenv)."""
        for value in values.values():
            assert "'" not in value and "\n" not in value, value
        text = "".join(f"{name}='{value}'\n" for name, value in sorted(values.items()))
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / ".env").write_text(text, encoding="utf-8")

    def generated_text(self) -> dict[str, str]:
        return {
            str(p.relative_to(self.out)): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(self.out.rglob("*"))
            if p.is_file() and p.name != ".env"
        }

    # --- docker compose -----------------------------------------------------------------------

    def compose_command(self, *args: str) -> list[str]:
        """`docker compose ARGS` on this stack's generated file, under its project name."""
        return [
            str(compose_binary()),
            "--project-directory",
            str(self.out),
            "-f",
            str(self.out / "docker-compose.yml"),
            "-p",
            self.name,
            *args,
        ]

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.compose_command(*args),
            env=self.engine.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"docker compose {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n{self.logs()}"
            )
        return result

    def config(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.compose("config", "--format", "json").stdout)
        return loaded

    def references(self) -> list[str]:
        """Every image the stack needs: pinned images, and the FROM lines of build contexts."""
        found: list[str] = []
        for service in self.config().get("services", {}).values():
            build = service.get("build")
            if build is None:
                found.append(service["image"])
                continue
            dockerfile = Path(build["context"]) / build.get("dockerfile", "Dockerfile")
            text = dockerfile.read_text(encoding="utf-8")
            found += re.findall(r"^FROM\s+(?:--\S+\s+)*(\S+)", text, re.M | re.I)
        return sorted(set(found))

    def check_runnable(self) -> None:
        missing = [ref for ref in self.references() if standin_kind(ref) is None]
        if missing:
            raise NotRunnable(f"no stand-in image for {', '.join(missing)}")

    def ensure_images(self) -> None:
        for reference in self.references():
            self.standins.ensure(reference)
        self.started = True  # from now on, `down -v` at the end

    def up(self, *extra: str) -> None:
        self.ensure_images()
        timeout = str(WAIT_SECONDS)
        self.compose("up", "-d", "--wait", "--wait-timeout", timeout, "--quiet-pull", *extra)

    def down(self) -> None:
        # No grace period: the volumes go too, and a PID-1 app that ignores SIGTERM (the golden
        # graph-builder's app.py) would cost the whole timeout.
        self.compose("down", "-v", "--remove-orphans", "--timeout", "0", check=False)

    def logs(self) -> str:
        result = self.compose("logs", "--no-color", "--tail", "80", check=False)
        return f"--- logs of {self.name}:\n{result.stdout}{result.stderr}"

    def ps(self) -> list[dict[str, Any]]:
        text = self.compose("ps", "--all", "--format", "json").stdout
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def exec(self, service: str, *command: str) -> subprocess.CompletedProcess[str]:
        return self.compose("exec", "-T", service, *command)

    # --- the host side ------------------------------------------------------------------------

    def host_python(self, code: str) -> str:
        """Runs `code` in a host process that loads `.env`, then `packages.env`, with
        python-dotenv (as a package reads its settings), in a clean environment."""
        prelude = textwrap.dedent(
            """
            import os
            from dotenv import load_dotenv
            load_dotenv(".env")
            load_dotenv("packages.env")
            """
        )
        env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
        result = subprocess.run(
            [sys.executable, "-c", prelude + textwrap.dedent(code)],
            cwd=self.out,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{result.stdout}{result.stderr}"
        return result.stdout
