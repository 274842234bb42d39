"""Bad input, one mistake per project: golden/errors/HSMnnn-slug/ → expected/diagnostics.txt.

Each directory under golden/errors/ that holds hsm.yaml is a broken project with exactly one
mistake (its README.md says which). `hsmc build` runs in-process in that directory, so paths
render relative to it, and must exit 1 with the diagnostics of expected/diagnostics.txt, name the
code of the directory, and leave the directory exactly as it was. `pytest --snapshot-update`
rewrites the expected files; read every changed one before committing it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from syrupy.assertion import SnapshotAssertion

from hsmc.cli import main
from tests.conftest import GOLDEN
from tests.golden_snapshot import GoldenFile

ERRORS = GOLDEN / "errors"
SLUGS = sorted(p.parent.name for p in ERRORS.glob("*/hsm.yaml"))
_SLUG = re.compile(r"^(HSM\d{3})-[a-z0-9]+(?:-[a-z0-9]+)*$")


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every path below root: file bytes, or None for a directory."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def test_there_are_error_cases_and_their_names_hold_a_code() -> None:
    assert len(SLUGS) >= 40
    for slug in SLUGS:
        assert _SLUG.match(slug), f"{slug}: name it HSMnnn-short-slug"
        assert (ERRORS / slug / "README.md").is_file(), f"{slug}: say what the mistake is"


@pytest.mark.parametrize("artifact", ["diagnostics.txt"])
@pytest.mark.parametrize("case", [f"errors/{s}" for s in SLUGS], ids=SLUGS)
def test_error_case(
    case: str,
    artifact: str,
    snapshot: SnapshotAssertion,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = GOLDEN / case
    match = _SLUG.match(project.name)
    assert match is not None
    code = match.group(1)
    monkeypatch.chdir(project)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("HSMC_DEBUG", raising=False)
    before = _tree(project)

    result = CliRunner().invoke(main, ["build"])

    stderr = result.stderr
    assert "Traceback" not in stderr and "Traceback" not in result.stdout
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, stderr
    assert f"error[{code}]" in stderr, stderr
    assert _tree(project) == before, "the build changed the case directory"
    assert not (project / "generated").exists()
    assert stderr.encode("utf-8") == snapshot.use_extension(GoldenFile)
