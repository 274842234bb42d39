""".env as Kustomize's secretGenerator reads it (kubectl 1.37, Kustomize v5.8.1): each way it
differs from compose is proven with the real `kubectl kustomize` and refused by
`hsmc check --target kubernetes --env-file` (HSM505: located at the line, names only); a file
it accepts gives the Secret the values compose would give."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hsmc.parse.dotenv_compose import ComposeEnvError, line_of, read_compose
from hsmc.parse.dotenv_kustomize import SCANNER_LIMIT, differences
from tests.conftest import run_hsmc, write_project
from tests.test_kubernetes import kubectl

KUSTOMIZATION = """\
secretGenerator:
  - name: inputs
    envs:
      - .env
generatorOptions:
  disableNameSuffixHash: true
"""
SECRET = "s3cr3t-value"


def secret_data(directory: Path, text: bytes) -> dict[str, str] | None:
    """The Secret `kubectl kustomize` makes from `text` (None: it refuses the file)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kustomization.yaml").write_text(KUSTOMIZATION, encoding="utf-8")
    (directory / ".env").write_bytes(text)
    result = subprocess.run(
        [kubectl(), "kustomize", directory], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return None
    (secret,) = [d for d in yaml.safe_load_all(result.stdout) if d]
    data = secret.get("data") or {}
    return {str(k): base64.b64decode(v).decode("utf-8") for k, v in data.items()}


def compose_values(text: bytes) -> dict[str, str] | None:
    """What compose reads (with no environment: a cluster has none), None when it refuses."""
    try:
        return read_compose(text.decode("utf-8").removeprefix("\ufeff"), {}).values
    except ComposeEnvError:
        return None


def refused_names(text: bytes) -> list[tuple[int, str]]:
    decoded = text.decode("utf-8").removeprefix("\ufeff")
    reading = read_compose(decoded, {})
    where = line_of(decoded)
    return [(where(d.offset), d.name) for d in differences(decoded, reading, where)]


# name: (.env text, the line and name refused, part of the reason)
DIFFERENCES = {
    "quotes": (f'A="{SECRET}"\n'.encode(), (1, "A"), "keeps the quotes"),
    "single quotes": (f"B=ok\nA='{SECRET}'\n".encode(), (2, "A"), "keeps the quotes"),
    "a trailing comment": (f"A={SECRET} # note\n".encode(), (1, "A"), "keeps ` #…`"),
    "export": (f"export A={SECRET}\n".encode(), (1, "A"), "`export` as part of the name"),
    "KEY: value": (f"A: {SECRET}\n".encode(), (1, "A"), "only `NAME=value`"),
    "a blank before =": (f"A ={SECRET}\n".encode(), (1, "A"), "blanks around `=`"),
    "a blank after =": (f"A= {SECRET}\n".encode(), (1, "A"), "blanks around `=`"),
    "a trailing blank": (f"A={SECRET} \n".encode(), (1, "A"), "trailing blanks"),
    "a reference": (f"X={SECRET}\nA=$X\n".encode(), (2, "A"), "does not expand `$`"),
    "a literal $$": (b"A=a$$b\n", (1, "A"), "does not expand `$`"),
    "a value over lines": (f'A="{SECRET}\nmore"\n'.encode(), (1, "A"), "spans lines"),
    "a bare name": (b"A\n", (1, "A"), "no `=`"),
    "a name set twice": (f"A=1\nA={SECRET}\n".encode(), (2, "A"), "set twice"),
    "a name YAML reads as a boolean": (b"True=1\n", (1, "True"), "not a string"),
    "a name YAML reads as a number": (b"0x1F=1\n", (1, "0x1F"), "not a string"),
    "a line of 64 KiB": (b"A=" + b"x" * SCANNER_LIMIT + b"\nB=2\n", (1, ""), "64 KiB"),
}


@pytest.mark.parametrize("case", sorted(DIFFERENCES))
def test_kustomize_reads_it_otherwise_and_hsmc_refuses_it(case: str, tmp_path: Path) -> None:
    text, where, _ = DIFFERENCES[case]
    secret = secret_data(tmp_path, text)
    assert secret != compose_values(text), case  # the difference, by the real consumers
    assert where in refused_names(text)


@pytest.mark.parametrize("case", sorted(DIFFERENCES))
def test_check_refuses_it_at_its_line_by_name_only(case: str, tmp_path: Path) -> None:
    text, (line, name), reason = DIFFERENCES[case]
    project = write_project(tmp_path, {"hsm.yaml": "name: demo\npackages:\n  - psycopg\n"})
    (project / "filled.env").write_bytes(text)
    args = ("check", "--target", "kubernetes", "--env-file", "filled.env")
    result = run_hsmc(*args, "--format", "json", cwd=project)
    assert result.returncode == 1
    found = [d for d in json.loads(result.stdout) if d["code"] == "HSM505"]
    assert [(d["file"], d["line"]) for d in found][:1] == [("filled.env", line)], found
    assert reason in found[0]["message"]
    assert (f"`{name}`" if name else "this line") in found[0]["message"]
    shown = run_hsmc(*args, cwd=project, env={"NO_COLOR": "1"})
    assert SECRET not in result.stdout + shown.stderr and "xxxx" not in shown.stderr


def test_compose_takes_what_kustomize_refuses(tmp_path: Path) -> None:
    """The same file on the compose target: compose reads every line as intended."""
    project = write_project(tmp_path, {"hsm.yaml": "name: demo\npackages:\n  - psycopg\n"})
    (project / "filled.env").write_text(
        'export POSTGRES_PASSWORD="pw" # the password\nPOSTGRES_USER: app\n', encoding="utf-8"
    )
    assert run_hsmc("check", "--env-file", "filled.env", cwd=project).returncode == 0
    cluster = run_hsmc("check", "--target", "kubernetes", "--env-file", "filled.env", cwd=project)
    assert cluster.returncode == 1
    assert "Kustomize reads `POSTGRES_PASSWORD`" in cluster.stderr
    assert "1 | export POSTGRES_PASSWORD=…" in cluster.stderr
    assert "Kustomize reads `POSTGRES_USER`" in cluster.stderr
    # one cause, one error: a refused line is not also an input that is unset or URL-unsafe
    assert "input `POSTGRES_PASSWORD`" not in cluster.stderr
    assert "input `POSTGRES_USER`" not in cluster.stderr


def test_a_plain_file_passes_and_gives_compose_values(tmp_path: Path) -> None:
    text = b"\xef\xbb\xbf# inputs\n\nPOSTGRES_PASSWORD=p@ss:w/rd#1\r\n  POSTGRES_USER=app\n"
    assert refused_names(text) == []
    assert secret_data(tmp_path / "k", text) == compose_values(text)
    project = write_project(tmp_path, {"hsm.yaml": "name: demo\npackages:\n  - psycopg\n"})
    (project / "filled.env").write_bytes(text + b"POSTGRES_HOST_PORT=5432\n")
    result = run_hsmc("check", "--target", "kubernetes", "--env-file", "filled.env", cwd=project)
    assert result.returncode == 0, result.stderr


_FIXTURE = HealthCheck.function_scoped_fixture  # one scratch directory for every example
_FRAGMENTS = st.sampled_from(
    [
        *["A", "B", "X", "=", ":", '"', "'", "\\", "$", "{", "}", "#", " ", "\n", "x", "-", "?"],
        *["export ", "\t", "\r", "0", "${A}", "$B", "é", ".", " #", "True"],
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[_FIXTURE])
@given(text=st.lists(_FRAGMENTS, min_size=1, max_size=12).map("".join), prefix=st.booleans())
def test_a_file_hsmc_accepts_gives_the_secret_compose_values(
    text: str, prefix: bool, tmp_path: Path
) -> None:
    data = (("A=" if prefix else "") + text).encode("utf-8")
    values = compose_values(data)
    assume(values is not None and not refused_names(data))  # else HSM503 or HSM505
    assert secret_data(tmp_path / "fuzz", data) == values, data


def test_a_refused_line_is_not_judged_again_as_a_url_value(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"hsm.yaml": "name: demo\npackages:\n  - redis\n"})
    (project / "filled.env").write_text('REDIS_PASSWORD="abc"\nREDIS_HOST_PORT=6379\n')
    args = ("check", "--target", "kubernetes", "--env-file", "filled.env", "--format", "json")
    found = json.loads(run_hsmc(*args, cwd=project).stdout)
    # Kustomize's value `"abc"` holds quotes, which a URL would not take: HSM505 says why once
    assert [(d["code"], d["line"]) for d in found] == [("HSM505", 1)], found
