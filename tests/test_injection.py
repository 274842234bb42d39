"""Issue 14: values and keys that would add lines or change meaning in an artifact.

Each test reproduces an attack and checks the refusal (a located diagnostic), or checks with the
artifact's real consumer (Docker Compose v2, python-dotenv, uv) that the value reads back as
written.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from dotenv import dotenv_values

from hsmc.emit.graph import _mermaid_label
from hsmc.emit.text import md_cell
from tests.conftest import compile_errors, compile_files, compose_config, uv_binary

GROUP = "services:\n  container_groups:\n    app:\n      selection: app\n"


# --- item 2: environment variable names ------------------------------------------------------

BAD_KEYS = [
    "DB_PASSWORD=x\\nPGHOST=evil\\nX",
    "A=B",
    "A B",
    "A\\tB",
    "A#B",
    "A\\u2028B",
    "",
    "1ST",
    "A-B",
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_an_env_key_that_is_no_variable_name_is_refused(tmp_path: Path, key: str) -> None:
    files = {
        "hsm.yaml": "packages:\n  - app\n",
        "registry/packages/app.yaml": f'name: app\nenv:\n  OK: "1"\n  "{key}": "${{V}}"\n',
    }
    diagnostics = compile_errors(tmp_path, files)
    assert [(d.code, d.span.line, d.span.col) for d in diagnostics if d.span] == [("HSM114", 4, 3)]
    assert "\n" not in diagnostics[0].message


@pytest.mark.parametrize(
    ("where", "line"),
    [
        ('  overrides:\n        environment:\n          "A=B": x\n', 7),
        ('  overrides:\n        environment:\n          - "A B=x"\n', 7),
    ],
)
def test_env_keys_of_overrides_are_checked(tmp_path: Path, where: str, line: int) -> None:
    files = {
        "hsm.yaml": GROUP + "    " + where,
        "registry/containers/app.yaml": "name: app\nimage: alpine:3.20\n",
    }
    diagnostics = compile_errors(tmp_path, files)
    assert [(d.code, d.span.line) for d in diagnostics if d.span] == [("HSM114", line)]


def test_connection_and_build_arg_keys_are_checked(tmp_path: Path) -> None:
    (tmp_path / "ctx").mkdir()
    files = {
        "hsm.yaml": "packages:\n  - app\n",
        "registry/packages/app.yaml": "name: app\nimplies:\n  container:db:\n",
        "registry/containers/db.yaml": (
            'name: db\nimage: postgres:16\nport: 5432\nports:\n  - "5432:5432"\n'
            'connection:\n  "PGHOST\\nEVIL": x\nsources:\n  dev:\n    type: build\n'
            '    path: ../../ctx\n    args:\n      "A=B": c\n'
        ),
    }
    diagnostics = compile_errors(tmp_path, files)
    assert [(d.code, d.span.line) for d in diagnostics if d.span] == [
        ("HSM114", 7),
        ("HSM114", 13),
    ]


def test_a_container_named_with_a_leading_digit_needs_a_connection(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "packages:\n  - app\n",
        "registry/packages/app.yaml": "name: app\nimplies:\n  container:1db:\n",
        "registry/containers/1db.yaml": 'name: 1db\nimage: x:1\nport: 1\nports:\n  - "1:1"\n',
    }
    (diag,) = compile_errors(tmp_path, files)
    assert diag.code == "HSM114" and diag.span and diag.span.line == 3


def test_valid_names_read_back_alike_in_dotenv_and_compose(tmp_path: Path) -> None:
    names = ["A", "_x", "lower_case", "A1_B2", "X" * 300]
    env = "".join(f'  {n}: "v{i}"\n' for i, n in enumerate(names))
    files = {
        "hsm.yaml": "packages:\n  - app\n",
        "registry/packages/app.yaml": "name: app\nenv:\n" + env,
    }
    out = compile_files(tmp_path, files)
    (tmp_path / "packages.env").write_text(out["packages.env"], encoding="utf-8")
    expected = {n: f"v{i}" for i, n in enumerate(names)}
    assert dotenv_values(tmp_path / "packages.env") == expected
    compose = "services:\n  s:\n    image: alpine\n    env_file: packages.env\n"
    (tmp_path / "docker-compose.yml").write_text(compose, encoding="utf-8")
    services = compose_config(tmp_path)["services"]
    assert isinstance(services, dict) and services["s"]["environment"] == expected


# --- item 8: surrogate escapes in mapping keys -------------------------------------------------


@pytest.mark.parametrize(
    ("file", "text", "line"),
    [
        ("hsm.yaml", GROUP + '      overrides:\n        labels:\n          "a\\ud800": x\n', 7),
        ("registry/containers/app.yaml", 'name: app\nimage: x:1\nenv:\n  "B\\udc0d": x\n', 4),
    ],
)
def test_a_lone_surrogate_in_a_key_is_located(
    tmp_path: Path, file: str, text: str, line: int
) -> None:
    files = {"hsm.yaml": GROUP, "registry/containers/app.yaml": "name: app\nimage: x:1\n"}
    files[file] = text
    diagnostics = compile_errors(tmp_path, files)
    found = [(d.code, d.span.file, d.span.line) for d in diagnostics if d.span]
    assert found[0] == ("HSM007", file, line)
    assert {f[1:] for f in found} == {(file, line)}  # an env key is no variable name too


def test_a_surrogate_pair_in_a_key_is_one_character(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": GROUP
        + '      overrides:\n        labels:\n          "snake\\ud83d\\udc0d": x\n',
        "registry/containers/app.yaml": "name: app\nimage: x:1\n",
    }
    out = compile_files(tmp_path, files)
    (tmp_path / "docker-compose.yml").write_text(out["docker-compose.yml"], encoding="utf-8")
    services = compose_config(tmp_path)["services"]
    assert isinstance(services, dict) and services["app"]["labels"] == {"snake\U0001f40d": "x"}


# --- item 12: compose files that break while hsmc exits 0 -------------------------------------


def test_a_group_name_with_a_trailing_line_break_is_refused(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": 'services:\n  container_groups:\n    "db\\n":\n      selection: app\n',
        "registry/containers/app.yaml": "name: app\nimage: x:1\n",
    }
    diagnostics = compile_errors(tmp_path, files)
    assert [(d.code, d.span.line) for d in diagnostics if d.span] == [("HSM102", 3)]
    assert diagnostics[0].message == "invalid group name `db\\n`"


@pytest.mark.parametrize(
    ("target", "name", "line", "col"),
    [("/etc/app/x.conf", "a:b", 4, 22), ("/etc/app:x/y.conf", "x.conf", 4, 3)],
)
def test_a_colon_in_a_shipped_file_is_refused(
    tmp_path: Path, target: str, name: str, line: int, col: int
) -> None:
    (tmp_path / "registry" / "containers").mkdir(parents=True)
    (tmp_path / "registry" / "containers" / name).write_text("x", encoding="utf-8")
    files = {
        "hsm.yaml": GROUP,
        "registry/containers/app.yaml": f'name: app\nimage: x:1\nfiles:\n  "{target}": "{name}"\n',
    }
    diagnostics = compile_errors(tmp_path, files)
    assert [(d.code, d.span.line, d.span.col) for d in diagnostics if d.span] == [
        ("HSM420", line, col)
    ]


def test_a_volume_name_longer_than_a_yaml_key_still_reads_in_compose(tmp_path: Path) -> None:
    """Input keys are limited like output keys (strictyaml), but a named volume comes from a
    value: `"NAME:/data"` with a NAME of 1,100 characters."""
    volume, var = "v" * 1100, "E" * 1023
    files = {
        "hsm.yaml": GROUP,
        "registry/containers/app.yaml": (
            f'name: app\nimage: x:1\nvolumes:\n  - "{volume}:/data"\nenv:\n  {var}: y\n'
            f"  {var}E: z\n"
        ),
    }
    out = compile_files(tmp_path, files)
    assert f"? {volume}\n" in out["docker-compose.yml"]
    (tmp_path / "docker-compose.yml").write_text(out["docker-compose.yml"], encoding="utf-8")
    config = compose_config(tmp_path)
    services, volumes = config["services"], config["volumes"]
    assert isinstance(services, dict) and isinstance(volumes, dict)
    assert list(volumes) == [volume]
    assert services["app"]["environment"] == {var: "y", f"{var}E": "z"}


# --- item 10: packages.env defaults ---------------------------------------------------------------

DEFAULTS = ['a"b', '\\"q\\"', "a\\b", "a\\nb", "a\\'b", "x\\", "tab\there", "a #b", "é€"]


def test_defaults_in_packages_env_read_alike_in_dotenv_and_compose(tmp_path: Path) -> None:
    env = "".join(
        f"  V{i}: {json.dumps('${U' + str(i) + ':-' + d + '}')}\n" for i, d in enumerate(DEFAULTS)
    )
    files = {
        "hsm.yaml": "packages:\n  - app\n",
        "registry/packages/app.yaml": "name: app\nenv:\n" + env,
    }
    out = compile_files(tmp_path, files)
    env_file = tmp_path / "packages.env"
    env_file.write_text(out["packages.env"], encoding="utf-8")
    expected = {f"V{i}": d for i, d in enumerate(DEFAULTS)}
    assert dotenv_values(env_file, interpolate=True) == expected
    compose = "services:\n  s:\n    image: alpine\n    env_file: packages.env\n"
    (tmp_path / "docker-compose.yml").write_text(compose, encoding="utf-8")
    services = compose_config(tmp_path)["services"]
    assert isinstance(services, dict)
    assert {k: v.replace("$$", "$") for k, v in services["s"]["environment"].items()} == expected


@pytest.mark.parametrize("default", ["a$$b", "$5", "a$"])
def test_a_dollar_in_a_packages_env_default_is_refused(tmp_path: Path, default: str) -> None:
    files = {
        "hsm.yaml": "packages:\n  - app\n",
        "registry/packages/app.yaml": f'name: app\nenv:\n  V: "${{U:-{default}}}"\n',
    }
    diagnostics = compile_errors(tmp_path, files)
    assert [(d.code, d.span.line) for d in diagnostics if d.span] == [("HSM311", 3)]


# --- item 14: STACK.md ---------------------------------------------------------------------------


def test_control_characters_cannot_add_a_row_to_stack_md(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": GROUP,
        "registry/containers/app.yaml": (
            'name: app\nimage: "alpine:3.20\\r| evil | row |\\nx\\u2028y"\n'
        ),
    }
    out = compile_files(tmp_path, files)
    stack = out["STACK.md"]
    assert "\r" not in stack and "\u2028" not in stack
    (row,) = [line for line in stack.split("\n") if line.startswith("| `app` |")]
    assert "image alpine:3.20\\r\\| evil \\| row \\|\\nx\\u2028y" in row
    assert all("\r" not in text for text in out.values())


def test_every_control_character_is_escaped_in_cells_and_labels() -> None:
    for code in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]:
        char = chr(code)
        assert char not in md_cell(f"a{char}b")
        assert char not in _mermaid_label(f"a{char}b")
    assert _mermaid_label('a"b#c') == '"a#34;b#35;c"'


# --- item 3: requirements.txt ------------------------------------------------------------------

UV_PROJECT = (
    '[project]\nname = "{name}"\nversion = "0.1.0"\n'
    '[build-system]\nrequires = ["uv_build>=0.8,<0.14"]\nbuild-backend = "uv_build"\n'
)


def _package(tmp_path: Path, body: str) -> dict[str, str]:
    return {"hsm.yaml": "packages:\n  - app: dev\n", "registry/packages/app.yaml": body}


REFUSED = {
    "distribution with a line": ('distribution: "app\\nevilpkg==6.6.6"\n', "HSM115", 2),
    "distribution with a space": ('distribution: "app x"\n', "HSM115", 2),
    "version with an option": ('version: ">=1\\n--find-links http://evil"\n', "HSM115", 2),
    "version with a marker": ("version: \">=1 ; python_version < '3'\"\n", "HSM115", 2),
    "version with a comment": ('version: ">=1 #c"\n', "HSM115", 2),
    "version with an empty clause": ('version: ">=1,,<2"\n', "HSM115", 2),
    "version ending in a comma": ('version: ">=1, "\n', "HSM115", 2),
    "git url with a line": ('url: "https://h/r.git\\nevilpkg==6.6.6"\n', "HSM115", 5),
    "git url with a fragment": ('url: "https://h/r.git#egg=evil"\n', "HSM115", 5),
    "git url with a variable": ('url: "https://h/${HOME}/r.git"\n', "HSM115", 5),
    "git ref with a line": ('url: "https://h/r.git"\n    ref: "main\\nevil"\n', "HSM115", 6),
    "git subdirectory with a line": (
        'url: "https://h/r.git"\n    subdirectory: "sub\\n--index-url http://evil"\n',
        "HSM115",
        6,
    ),
    "git subdirectory with a fragment": (
        'url: "https://h/r.git"\n    subdirectory: "a&egg=evil"\n',
        "HSM115",
        6,
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_requirement_field_uv_would_misread_is_refused(tmp_path: Path, case: str) -> None:
    text, code, line = REFUSED[case]
    if text.startswith("url"):
        body = "name: app\nsources:\n  dev:\n    type: git\n    " + text
    elif text.startswith("version"):
        body = "name: app\n" + text + "sources:\n  dev:\n    type: pypi\n"
    else:
        body = "name: app\n" + text + "sources:\n  dev:\n    type: pypi\n"
    diagnostics = compile_errors(tmp_path, _package(tmp_path, body))
    assert [(d.code, d.span.line) for d in diagnostics if d.span] == [(code, line)]
    assert "\n" not in diagnostics[0].message


def _uv_install_dry_run(project: Path, requirements: str) -> subprocess.CompletedProcess[str]:
    """What uv would install from `requirements` (run from the project directory, as
    install.sh does), offline, into a fresh virtual environment."""
    env = {
        "PATH": f"{uv_binary().parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(project),
        "UV_CACHE_DIR": str(project / ".uv-cache"),
        "UV_NO_CONFIG": "1",
        "UV_PYTHON_DOWNLOADS": "never",
    }
    venv = project / ".venv"
    if not venv.exists():
        subprocess.run([str(uv_binary()), "venv", "-q", str(venv)], env=env, check=True)
    (project / "req.txt").write_text(requirements, encoding="utf-8")
    command = [str(uv_binary()), "pip", "install", "--dry-run", "--offline"]
    command += ["--python", str(venv / "bin" / "python"), "-r", "req.txt"]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)


def _uv_package(directory: Path, name: str) -> None:
    (directory / "src" / name.replace("-", "_")).mkdir(parents=True)
    (directory / "src" / name.replace("-", "_") / "__init__.py").write_text("", encoding="utf-8")
    (directory / "pyproject.toml").write_text(UV_PROJECT.format(name=name), encoding="utf-8")


PATHS_UV_MISREADS = [
    ("src/b ; python_version < '3'", "HSM409"),
    ("src/t\t#c", "HSM409"),
    ("src/x#egg=evil", "HSM409"),
    ("src/a${HOME}b", "HSM409"),
    ("src/a[b]", "HSM409"),
]


@pytest.mark.parametrize(("path", "code"), PATHS_UV_MISREADS)
def test_a_local_path_uv_misreads_is_refused(tmp_path: Path, path: str, code: str) -> None:
    _uv_package(tmp_path / path, "pkg")
    # uv itself does not install the package at that path from that line:
    run = _uv_install_dry_run(tmp_path, f"./{path}\n")
    assert run.returncode != 0 or "+ pkg @ file://" not in run.stderr, run.stderr
    body = (
        f"name: app\nsources:\n  dev:\n    type: local\n    path: {json.dumps('../../' + path)}\n"
    )
    diagnostics = compile_errors(tmp_path, _package(tmp_path, body))
    assert [(d.code, d.span.line) for d in diagnostics if d.span] == [(code, 5)]


@pytest.mark.parametrize("directory", ["my pkg", "a;b", "a@b", "a'b", "a,b=c", "a+b~c", "ünï"])
def test_local_paths_hsmc_accepts_install_the_right_package(tmp_path: Path, directory: str) -> None:
    _uv_package(tmp_path / "src" / directory, "pkg")
    body = (
        "name: app\ndistribution: pkg\nsources:\n  dev:\n    type: local\n"
        f"    path: {json.dumps('../../src/' + directory)}\n    editable: true\n"
    )
    out = compile_files(tmp_path, _package(tmp_path, body))
    run = _uv_install_dry_run(tmp_path, out["requirements.txt"])
    assert run.returncode == 0, run.stderr
    (installed,) = [x for x in run.stderr.splitlines() if x.startswith(" + pkg @ file://")]
    location = Path(unquote(installed.removeprefix(" + pkg @ file://")))
    assert location == tmp_path / "src" / directory


SPECIFIERS = [">=5.2,<6", "==1.11.3", "~=2.2", "!=1.0.*", "5.2.0", "1!2.0.post1.dev3", "===x.y"]
SPECIFIERS += ["==1.0+local.7", ">1.0a1", "<= 3.0rc2", "5.*", " >=1.0 , <2,!=1.5 "]


def test_accepted_versions_are_versions_for_packaging_and_uv(tmp_path: Path) -> None:
    from packaging.specifiers import SpecifierSet

    _uv_package(tmp_path / "pkg", "pkg")
    for spec in SPECIFIERS:
        body = f"name: app\ndistribution: pkg\nversion: {json.dumps(spec)}\n"
        body += "sources:\n  dev:\n    type: pypi\n"
        out = compile_files(tmp_path / "p", _package(tmp_path, body))
        (line,) = [x for x in out["requirements.txt"].splitlines() if not x.startswith("#")]
        SpecifierSet(line.removeprefix("pkg"))  # raises on an invalid specifier
        run = _uv_install_dry_run(tmp_path, f"{line}\n")
        assert "error: Failed to parse" not in run.stderr and "Expected" not in run.stderr, (
            spec,
            run.stderr,
        )


# --- found by the mutation fuzz: NUL characters and names too long for the file system --------


def test_a_nul_character_is_not_text(tmp_path: Path) -> None:
    files = {
        "hsm.yaml": "packages:\n  - app\n",
        "registry/packages/app.yaml": 'name: app\nenv:\n  A: "x\\0y"\n',
    }
    diagnostics = compile_errors(tmp_path, files)
    assert [(d.code, d.span.line) for d in diagnostics if d.span] == [("HSM007", 3)]


def test_names_too_long_for_the_file_system_are_located_errors(tmp_path: Path) -> None:
    long = "a" * 300  # over NAME_MAX (255): pathlib raises ENAMETOOLONG
    files = {
        "hsm.yaml": f"packages:\n  - {long}\n" + GROUP,
        "registry/containers/app.yaml": f"name: app\nimage: x:1\nfiles:\n  /etc/x: {long}\n",
    }
    diagnostics = compile_errors(tmp_path / "1", files)
    assert sorted((d.code, d.span.file) for d in diagnostics if d.span) == [
        ("HSM103", "hsm.yaml"),
        ("HSM414", "registry/containers/app.yaml"),
    ]
    body = f"name: app\nsources:\n  dev:\n    type: local\n    path: {long}\n"
    files = {"hsm.yaml": "packages:\n  - app: dev\n", "registry/packages/app.yaml": body}
    diagnostics = compile_errors(tmp_path / "2", files)
    assert [(d.code, d.span.line) for d in diagnostics if d.span] == [("HSM414", 5)]
