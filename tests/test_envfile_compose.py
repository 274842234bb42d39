""".env read as Docker Compose v2.40.3 reads it (hsmc/parse/dotenv_compose.py), each difference
from a naive reader proven with the real binary, then judged by `hsmc check --env-file`
(HSM501, HSM502, HSM503) on the values compose will use."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsmc.parse.dotenv_compose import ComposeEnvError, read_compose
from tests.conftest import compose_binary, run_hsmc, write_project

NAMES = ("A", "B", "X", "POSTGRES_PASSWORD", "REDIS_PASSWORD")
UNSET = "__hsmc_unset__"


def compose_reads(
    directory: Path, text: bytes, env: dict[str, str] | None = None, names: tuple[str, ...] = NAMES
) -> dict[str, str] | None:
    """What real compose interpolates `${NAME}` to with `--env-file` holding `text`, for each
    name it sets (None: compose refuses the file). The environment is controlled."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "t.env").write_bytes(text)
    lines = "".join(f'      {n}: "${{{n}-{UNSET}}}"\n' for n in names)
    compose_file = f"services:\n  s:\n    image: alpine\n    environment:\n{lines}"
    (directory / "docker-compose.yml").write_text(compose_file, encoding="utf-8")
    result = subprocess.run(
        [compose_binary(), "--env-file", "t.env", "config", "--format", "json"],
        cwd=directory,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(directory), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return None
    environment = json.loads(result.stdout)["services"]["s"]["environment"]
    # `config` writes a literal `$` as `$$`, so that its output interpolates back to the value
    return {n: v.replace("$$", "$") for n, v in environment.items() if v != UNSET}


def hsmc_reads(text: bytes, env: dict[str, str] | None = None) -> dict[str, str] | None:
    """The values hsmc judges: the file read as compose reads it, the environment winning."""
    environ = env or {}
    try:
        reading = read_compose(text.decode("utf-8").removeprefix("\ufeff"), environ)
    except ComposeEnvError:
        return None
    merged = {**reading.values, **environ}
    return {n: merged[n] for n in NAMES if n in merged}


# Each one a way compose reads .env that a line-by-line `KEY=value` reader gets wrong.
DIFFERENCES = {
    "a reference to an earlier line": (b"X=p@evil.example:1/\nA=$X\nB=${X}y\n", {}),
    "a reference to the environment, which wins": (b"X=file\nA=$X\n", {"X": "env"}),
    "the environment wins over the file": (b"A=file\n", {"A": "env"}),
    "a UTF-8 BOM before the first key": (b"\xef\xbb\xbfA=1\n", {}),
    "KEY: value": (b"A: two\nB:three\n", {}),
    "a double-quoted value over lines": (b'A="line1\nline2"\nB=2\n', {}),
    "an unset reference is empty": (b"A=$NOPE\nB=x${NOPE}y\n", {}),
    "single quotes are raw": (b"X=1\nA='$X \\n'\n", {}),
    "double quotes take escapes": (b'A="\\0101\\t\\$X\\c"\n', {}),
    "a comment needs a blank before it": (b"A=x # c\nB=x#c\n", {}),
    "export, and blanks around =": (b"export A=1\n  B  =  2  \n", {}),
    "defaults and alternatives": (b"A=${X:-d}${X-e}\nB=${A:+set}\n", {}),
    "a bare KEY takes the environment": (b"A\nB\n", {"A": "from-env"}),
    "a later line wins": (b"A=1\nA=2\n", {}),
    "a key without a newline at the end is a value": (b"A=1\nB", {}),
    "text after a closing quote starts a statement": (b'A="x" B=2\n', {}),
    "$$ is a literal dollar": (b"A=a$$b\n", {}),
    "blanks are Go's, not Python's": (b"A=x\x1c\nB=y\xc2\xa0\n", {}),
    "many references on a line": (b"X=1\nA=" + b"${X:-a}${B:-b}$X{}" * 150 + b"\n", {}),
    "references nested 30 deep": (b"A=" + b"${B:-" * 30 + b"d" + b"}" * 30 + b"\n", {}),
}


@pytest.mark.parametrize("case", sorted(DIFFERENCES))
def test_hsmc_reads_what_compose_reads(case: str, tmp_path: Path) -> None:
    text, env = DIFFERENCES[case]
    expected = compose_reads(tmp_path, text, env)
    assert expected is not None, case
    assert hsmc_reads(text, env) == expected


REFUSED = {
    "a blank inside a key": b"A B=1\n",
    "a character compose does not take in a key": b"A$=1\n",
    "an unclosed quote": b'A="open\nB=2\n',
    "a required reference that is unset": b"A=${NOPE:?set it}\n",
    "a `${` that is not a reference": b"A=${1}\n",
    "an unclosed reference": b"A=${X\n",
    "an error in a default compose does not use": b"A=${HOME:-${}}\n",
    "export at the end of the file": b"A=1\nexport ",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_hsmc_refuses_what_compose_refuses(case: str, tmp_path: Path) -> None:
    env = {"HOME": "/home/x"}
    assert compose_reads(tmp_path, REFUSED[case], env) is None, case
    assert hsmc_reads(REFUSED[case], env) is None


# Fragments that reach every branch of compose's parser and substitution.
_FIXTURE = HealthCheck.function_scoped_fixture  # one scratch directory for every example
_FRAGMENTS = st.sampled_from(
    [
        *["A", "B", "X", "=", ":", '"', "'", "\\", "$", "{", "}", "#", " ", "\n", "x", "-", "?"],
        *["+", "export ", "\t", "\r", "0", "${A}", "$B", "${X:-", "${B:?", "é", ".", "\\n"],
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[_FIXTURE])
@given(
    text=st.lists(_FRAGMENTS, min_size=1, max_size=14).map("".join),
    prefix=st.booleans(),
    env=st.sampled_from([{}, {"X": "env-x"}, {"B": ""}]),
)
def test_any_text_reads_as_compose_reads_it(
    text: str, prefix: bool, env: dict[str, str], tmp_path: Path
) -> None:
    data = (("A=" if prefix else "") + text).encode("utf-8")
    assert hsmc_reads(data, env) == compose_reads(tmp_path / "fuzz", data, env), data


# --- `hsmc check --env-file` judges the values compose will use ------------------------------

BUILTINS = {"hsm.yaml": "packages:\n  - psycopg\n  - redis\n"}
HOSTILE = "p@evil.example:1/"


def _check(project: Path, text: bytes, env: dict[str, str] | None = None) -> list[dict[str, str]]:
    (project / "filled.env").write_bytes(text)
    extra = {"NO_COLOR": "1", **(env or {})}
    result = run_hsmc(
        "check", "--env-file", "filled.env", "--format", "json", cwd=project, env=extra
    )
    assert result.returncode in (0, 1), result.stderr
    assert HOSTILE not in result.stdout + result.stderr
    found: list[dict[str, str]] = json.loads(result.stdout)
    return found


def _codes(found: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(d["code"], d["message"].split("`")[1]) for d in found]


@pytest.mark.parametrize(
    "text",
    [
        f"X={HOSTILE}\nPOSTGRES_PASSWORD=pw\nREDIS_PASSWORD=$X\n".encode(),
        f"\ufeffREDIS_PASSWORD={HOSTILE}\nPOSTGRES_PASSWORD=pw\n".encode(),
        f"REDIS_PASSWORD: {HOSTILE}\nPOSTGRES_PASSWORD=pw\n".encode(),
        f'REDIS_PASSWORD="safe\n{HOSTILE}"\nPOSTGRES_PASSWORD=pw\n'.encode(),
    ],
    ids=["reference", "bom", "colon", "multi-line"],
)
def test_check_refuses_the_url_unsafe_value_compose_will_use(text: bytes, tmp_path: Path) -> None:
    project = write_project(tmp_path, BUILTINS)
    used = compose_reads(tmp_path / "compose", text)
    assert used is not None and HOSTILE in used["REDIS_PASSWORD"]
    assert _codes(_check(project, text)) == [("HSM502", "REDIS_PASSWORD")]


def test_check_takes_a_reference_to_the_environment_as_compose_does(tmp_path: Path) -> None:
    project = write_project(tmp_path, BUILTINS)
    text = b"POSTGRES_PASSWORD=pw\nREDIS_PASSWORD=${HSMC_TEST_X}\n"
    assert _check(project, text) == []
    found = _check(project, text, {"HSMC_TEST_X": HOSTILE})
    assert _codes(found) == [("HSM502", "REDIS_PASSWORD")]


def test_an_unset_reference_is_an_empty_required_input(tmp_path: Path) -> None:
    project = write_project(tmp_path, BUILTINS)
    text = b"POSTGRES_PASSWORD=$HSMC_TEST_NOPE\n"
    assert compose_reads(tmp_path / "compose", text) == {"POSTGRES_PASSWORD": ""}
    found = _check(project, text)
    assert _codes(found) == [("HSM501", "POSTGRES_PASSWORD")]
    assert "is empty in filled.env" in found[0]["message"]
    # compose lays the file under the environment: a password set there is the one it uses
    assert _check(project, text, {"POSTGRES_PASSWORD": "from-the-shell"}) == []


def test_a_line_compose_refuses_is_located_and_its_value_not_shown(tmp_path: Path) -> None:
    project = write_project(tmp_path, BUILTINS)
    text = b"POSTGRES_PASSWORD=pw\nREDIS_PASSWORD='p@evil.example:1/\n"
    assert compose_reads(tmp_path / "compose", text) is None
    (found,) = _check(project, text)
    assert (found["code"], found["file"], found["line"], found["col"]) == (
        "HSM503",
        "filled.env",
        2,
        16,
    )
    assert "a quoted value is not closed" in found["message"]
    shown = run_hsmc("check", "--env-file", "filled.env", cwd=project, env={"NO_COLOR": "1"})
    assert "--> filled.env:2:16" in shown.stderr and "p@evil" not in shown.stderr
