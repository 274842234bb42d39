"""The starter hsm.yaml that `hsmc init` writes (templates/init-hsm.yaml.j2)."""

from __future__ import annotations

from collections.abc import Sequence

from hsmc import builtin
from hsmc.emit import environment
from hsmc.record import Record, setfield

STARTER_SELECTED = ("psycopg", "redis")  # the two a newcomer most likely needs; the rest commented


class StarterRow(Record):
    name: str
    selected: bool
    pad: int
    comment: str

    def __init__(self, name: str, selected: bool, pad: int, comment: str) -> None:
        setfield(self, "name", name)
        setfield(self, "selected", selected)
        setfield(self, "pad", pad)
        setfield(self, "comment", comment)


def starter_text(packages: Sequence[tuple[str, str | None]]) -> str:
    """A commented starter hsm.yaml naming `packages` (name, description), two of them on."""
    width = max((len(name) for name, _ in packages), default=0) + 2
    rows = [
        StarterRow(name, name in STARTER_SELECTED, width - len(name), _starter_comment(name, text))
        for name, text in packages
    ]
    # the project's copy of the schema (init writes it, build keeps it current), relative to
    # hsm.yaml: editors validate and complete at once, offline, on any machine
    schema = builtin.SCHEMA_COPY
    return environment().get_template("init-hsm.yaml.j2").render(packages=rows, schema=schema)


def _starter_comment(name: str, description: str | None) -> str:
    first = (description or "").split(";")[0].strip()
    return " ".join(first.split()) or f"built-in package {name}"
