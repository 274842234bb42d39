"""`hsmc init`: the text of a commented starter hsm.yaml that names built-in packages."""

from __future__ import annotations

from pathlib import Path

import jinja2

from hsmc import builtin
from hsmc.parse.cache import Cache
from hsmc.parse.catalog import CatalogEntry, catalog

SELECTED = ("psycopg", "redis")  # the two a newcomer most likely needs; the rest commented


def starter_text(cache: Cache) -> str:
    entries = catalog((builtin.registry_root(),), builtin.registry_root(), cache)
    packages = [e for e in entries if e.kind == "package" and e.problem is None]
    width = max((len(p.name) for p in packages), default=0) + 2
    rows = [
        {
            "name": p.name,
            "selected": p.name in SELECTED,
            "pad": width - len(p.name),
            "comment": _comment(p),
        }
        for p in packages
    ]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(builtin.templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # the installed hsmc's copy: editors validate and complete at once, no network needed
    schema = builtin.schema_file("manifest").as_uri()
    return environment.get_template("init-hsm.yaml.j2").render(packages=rows, schema=schema)


def _comment(entry: CatalogEntry) -> str:
    description = (entry.description or "").split(";")[0].strip()
    return " ".join(description.split()) or f"built-in package {entry.name}"


def starter_path(directory: Path) -> Path:
    return directory / "hsm.yaml"
