"""A command string is split into words once, as Docker Compose splits it: checked against the
real compose binary on many generated strings (quotes, backslashes, backquotes, blanks)."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

from hsmc.model import Literal, Value
from hsmc.syntax import Problem
from hsmc.syntax.words import split
from tests.conftest import compose_binary

ALPHABET = ["a", "b", " ", "'", '"', "\\", "\t", "#", "x", "`", "\n", "é"]


def _strings(count: int) -> list[str]:
    rng = random.Random(20261205)
    found = ['echo "a\\b" "c\\"d" "" w\\ v "e\\\\f"', "a''b", 'a""b', "'a\\b'", "echo `a b` c"]
    found += [
        "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 10))) for _ in range(count)
    ]
    return found


def _compose(directory: Path, commands: list[str]) -> subprocess.CompletedProcess[str]:
    services = {f"s{i}": {"image": "x", "command": c} for i, c in enumerate(commands)}
    (directory / "docker-compose.yml").write_text(json.dumps({"services": services}))
    return subprocess.run(
        [str(compose_binary()), "config", "--format", "json"],
        cwd=directory,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(directory)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_words_are_the_words_compose_reads(tmp_path: Path) -> None:
    accepted: list[tuple[str, list[str]]] = []
    refused: list[str] = []
    for text in _strings(150):
        found = split(Value((Literal(text),)))
        if isinstance(found, Problem):
            refused.append(text)
        else:
            accepted.append((text, [w.plain() for w in found[0]]))
    assert len(accepted) > 40 and len(refused) > 20  # both sides are exercised
    result = _compose(tmp_path, [text for text, _ in accepted])
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    for i, (text, words) in enumerate(accepted):
        assert services[f"s{i}"].get("command") == words, repr(text)
    for text in refused:
        assert _compose(tmp_path, [text]).returncode != 0, repr(text)


def test_a_reference_is_a_piece_of_its_word_and_may_split_later() -> None:
    from hsmc.model import RuntimeRef

    ref = RuntimeRef("${GREETING}", "GREETING", None, True)
    found = split(Value((Literal("echo pre-"), ref, Literal(" 'x'"))))
    assert not isinstance(found, Problem)
    words, later = found
    assert [w.plain() for w in words] == ["echo", "pre-${GREETING}", "x"]
    assert later  # outside quotes: compose splits its value at run time
    quoted = split(Value((Literal('echo "'), ref, Literal('"'))))
    assert not isinstance(quoted, Problem) and not quoted[1]
