"""Issue 24, point 6: HSM103 says how to add an entry, and following it works; docs/format.md
says where plain dependencies go."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import ROOT, run_hsmc, write_project


def test_hsm103_says_how_to_add_the_package_and_following_it_works(tmp_path: Path) -> None:
    project = write_project(
        tmp_path, {"hsm.yaml": "registry:\n  - regs\npackages:\n  - celery-tasks\n", "regs/x": ""}
    )
    failed = run_hsmc("build", cwd=project)
    assert failed.returncode == 1 and "error[HSM103]" in failed.stderr
    hint = failed.stderr.split("= help: ", 1)[1]
    assert "create `regs/packages/celery-tasks.yaml` holding `name: celery-tasks`" in hint
    assert "pyproject.toml" in hint  # where a plain dependency goes instead

    path, content = re.findall(r"create `([^`]+)` holding `([^`]+)`", hint)[0]
    (project / path).parent.mkdir(parents=True)
    (project / path).write_text(content + "\n", encoding="utf-8")  # exactly what it says
    built = run_hsmc("build", cwd=project)
    assert built.returncode == 0, built.stderr
    assert "celery-tasks\n" in (project / "generated" / "requirements.txt").read_text()


def test_the_format_says_where_plain_dependencies_go() -> None:
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    section = text.split("### 1.1 Packages", 1)[1].split("\n### ", 1)[0]
    assert "pyproject.toml" in section and "httpx" in section


def test_graph_shows_package_to_package_edges_in_every_format(tmp_path: Path) -> None:
    project = write_project(
        tmp_path,
        {
            "hsm.yaml": "packages:\n  - app\n",
            "registry/packages/app.yaml": "name: app\nimplies:\n  package:worker:\n",
            "registry/packages/worker.yaml": "name: worker\nimplies:\n  container:cache:\n",
            "registry/containers/cache.yaml": "name: cache\nimage: redis:7\n",
        },
    )

    def graph(fmt: str) -> str:
        result = run_hsmc("graph", "--format", fmt, cwd=project)
        assert result.returncode == 0, result.stderr
        return result.stdout

    mermaid = graph("mermaid")
    assert "  pkg_app --> pkg_worker\n" in mermaid and "  pkg_worker --> svc_cache\n" in mermaid
    assert '  "package:app" -> "package:worker";\n' in graph("dot")
    document = json.loads(graph("json"))
    assert document["schema"] == "hsmc-graph/2"
    assert document["edges"] == [
        {"from": "package:app", "to": "package:worker"},
        {"from": "package:worker", "to": "service:cache"},
    ]
    assert [p["implies"] for p in document["packages"]] == [["worker"], []]
    assert run_hsmc("build", cwd=project).returncode == 0
    stack_md = (project / "generated" / "STACK.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{mermaid}```" in stack_md  # STACK.md draws the same graph
