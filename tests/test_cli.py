"""The command line: exit statuses, readable errors, nothing written on failure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hsmc import __version__
from hsmc.cli import main
from tests.conftest import copy_case, run_hsmc, write_project


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output == f"hsmc {__version__}\n"


def test_build_writes_the_artifacts_and_says_where(tmp_path: Path) -> None:
    project = copy_case("01-shared-container", tmp_path)
    result = run_hsmc("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "hsmc: wrote 8 files to generated\n"
    assert (project / "generated" / "docker-compose.yml").is_file()
    assert (project / "generated" / "install.sh").stat().st_mode & 0o111
    script = project / "generated" / "files" / "postgres" / "create-databases.sh"
    assert script.stat().st_mode & 0o100


def test_the_summary_counts_written_unchanged_and_removed_files(tmp_path: Path) -> None:
    """Issue 13, point 8: a rebuild that changes nothing does not claim to have written 9."""
    project = copy_case("01-shared-container", tmp_path)
    assert run_hsmc("build", cwd=project).returncode == 0
    again = run_hsmc("build", cwd=project)
    assert again.stderr == "hsmc: generated is up to date (8 files unchanged)\n"
    entry = project / "registry" / "packages" / "billing-service.yaml"
    entry.write_text(entry.read_text().replace('"billing_db"', '"invoices_db"'))
    changed = run_hsmc("build", cwd=project)
    assert changed.stderr == "hsmc: wrote 1 file to generated (7 unchanged)\n"
    entry = project / "registry" / "containers" / "postgres.yaml"
    text = entry.read_text()
    entry.write_text(text.replace("files:\n", "# files:\n").replace("  /docker-entry", "#  /d"))
    removed = run_hsmc("build", cwd=project)
    assert removed.returncode == 0 and removed.stderr.endswith(", 1 removed)\n"), removed.stderr


def test_output_option_and_manifest_file_path(tmp_path: Path) -> None:
    project = copy_case("02-shared-external-db", tmp_path)
    result = run_hsmc("build", project / "hsm.yaml", "-o", "elsewhere", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "elsewhere" / "packages.env").is_file()
    assert not (project / "generated").exists()


def test_invalid_input_exits_1_with_a_located_error_and_writes_nothing(tmp_path: Path) -> None:
    project = copy_case("01-shared-container", tmp_path)
    assert run_hsmc("build", cwd=project).returncode == 0
    (project / "generated" / ".env").write_text("POSTGRES_PASSWORD=mine\n", encoding="utf-8")
    before = _tree(project)
    entry = project / "registry" / "packages" / "auth-service.yaml"
    entry.write_text(entry.read_text().replace("container:postgres", "container:postgress"))
    before["registry/packages/auth-service.yaml"] = entry.read_bytes()

    result = run_hsmc("build", cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "error[HSM104]: unknown container `postgress`" in result.stderr
    assert " --> registry/packages/auth-service.yaml:7:3" in result.stderr
    assert "= help: did you mean `postgres`?" in result.stderr
    assert _tree(project) == before


def test_missing_manifest(tmp_path: Path) -> None:
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 1 and "no such file: hsm.yaml" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "generated").exists()
    assert "`hsmc init`" in result.stderr  # issue 13, point 8: say how to start


def test_without_a_path_hsm_yaml_is_found_in_a_parent_directory(tmp_path: Path) -> None:
    """Issue 13, point 8: as git finds its repository; an explicit PATH is not searched up."""
    project = copy_case("01-shared-container", tmp_path)
    below = project / "src" / "app"
    below.mkdir(parents=True)
    result = run_hsmc("build", cwd=below)
    assert result.returncode == 0, result.stderr
    assert (project / "generated" / "docker-compose.yml").is_file()
    assert not (below / "generated").exists()
    for command in (
        ["check"],
        ["graph"],
        ["explain", "postgres"],
        ["registry", "show", "auth-service"],
    ):
        assert run_hsmc(*command, cwd=below).returncode == 0, command
    explicit = run_hsmc("build", ".", cwd=below)
    assert explicit.returncode == 1 and "no such file: hsm.yaml" in explicit.stderr


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result = run_hsmc("build", "--no-such-flag", cwd=tmp_path)
    assert result.returncode == 2


def test_an_internal_error_says_it_is_a_bug_and_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, {"hsm.yaml": "packages:\n  - a\n"})

    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("hsmc.pipeline.load_project", explode)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 3
    assert "internal error" in result.stderr and "bug" in result.stderr and "boom" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_colour_unless_a_terminal(tmp_path: Path) -> None:
    write_project(tmp_path, {"hsm.yaml": "packages:\n  - nope\n"})
    result = run_hsmc("build", cwd=tmp_path)
    assert result.returncode == 1 and "\x1b[" not in result.stderr


def test_check_validates_without_writing(tmp_path: Path) -> None:
    project = copy_case("06-zero-leak-secrets", tmp_path)
    result = run_hsmc("check", cwd=project)
    assert result.returncode == 0 and "no problems found" in result.stderr
    assert not (project / "generated").exists()


def test_check_json_lists_diagnostics(tmp_path: Path) -> None:
    write_project(tmp_path, {"hsm.yaml": "packages:\n  - psycopgg\n"})
    result = run_hsmc("check", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    (row,) = json.loads(result.stdout)
    assert row["code"] == "HSM103" and row["file"] == "hsm.yaml"
    assert (row["line"], row["col"]) == (2, 5)
    assert row["hint"].startswith("did you mean `psycopg`? To add a package of your own")


def test_check_env_file_reports_missing_inputs_by_name_only(tmp_path: Path) -> None:
    project = copy_case("06-zero-leak-secrets", tmp_path)
    secret = "t0p-s3cret-value"
    (project / "my.env").write_text(
        f"NEO4J_PROD_PASSWORD='{secret}'\n# NEO4J_PROD_PORT=7474\n", encoding="utf-8"
    )
    result = run_hsmc("check", "--env-file", "my.env", cwd=project)
    assert result.returncode == 1
    assert "required input `NEO4J_PROD_PORT` is not set in my.env" in result.stderr
    assert "NEO4J_PROD_PASSWORD`" not in result.stderr
    assert secret not in result.stderr + result.stdout
    (project / "my.env").write_text("NEO4J_PROD_PASSWORD=x\nexport NEO4J_PROD_PORT=1\n")
    assert run_hsmc("check", "--env-file", "my.env", cwd=project).returncode == 0


def test_init_then_build_in_an_empty_directory(tmp_path: Path) -> None:
    result = run_hsmc("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hsmc", "hsm.yaml"]  # the schema copy
    text = (tmp_path / "hsm.yaml").read_text()
    assert "\n  - psycopg " in text and "\n#  - qdrant-client " in text
    built = run_hsmc("build", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    compose = (tmp_path / "generated" / "docker-compose.yml").read_text()
    assert "\n  postgres:\n" in compose and "\n  redis:\n" in compose
    uncommented = text.replace("#  - ", "  - ")
    (tmp_path / "hsm.yaml").write_text(uncommented)
    assert run_hsmc("build", cwd=tmp_path).returncode == 0


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "hsm.yaml").write_text("packages:\n  - mine\n")
    result = run_hsmc("init", cwd=tmp_path)
    assert result.returncode == 1 and "HSM602" in result.stderr
    assert (tmp_path / "hsm.yaml").read_text() == "packages:\n  - mine\n"
    other = tmp_path / "sub"
    assert run_hsmc("init", other, cwd=tmp_path).returncode == 0
    assert (other / "hsm.yaml").is_file()


def test_the_target_choices_are_the_registrys_targets() -> None:
    """`--target` offers the registry's names (hsmc/targets/), which loads no target."""
    from hsmc import cli, targets

    assert cli.TARGETS == targets.NAMES == ("compose", "kubernetes")


def test_an_unknown_target_on_the_command_line_is_a_usage_error(tmp_path: Path) -> None:
    write_project(tmp_path, {"hsm.yaml": "packages:\n  - redis\n"})
    result = CliRunner().invoke(main, ["build", str(tmp_path), "--target", "nomad"])
    assert result.exit_code == 2 and "nomad" in result.output
    assert not (tmp_path / "generated").exists()


# Imported only by the commands that need them: a compose build (design case 1.1) loads none.
NOT_FOR_A_BUILD = (
    "difflib",  # `build --check`'s diff and "did you mean" hints
    "hsmc.parse.catalog",  # `registry` commands and `init`
    "hsmc.targets.kubernetes",
    "hsmc.explain",
    "hsmc.sync",
    "hsmc.parse.eject",
)


def test_a_build_imports_only_what_it_uses(tmp_path: Path) -> None:
    project = copy_case("01-shared-container", tmp_path)
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['hsmc', 'build', '--no-cache']\n"
        "try:\n"
        "    runpy.run_module('hsmc', run_name='__main__')\n"
        "finally:\n"
        f"    print(sorted(m for m in {NOT_FOR_A_BUILD!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"
    assert (project / "generated" / "docker-compose.yml").is_file()
