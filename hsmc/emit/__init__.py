"""What every target's emitter shares: the jinja2 environment (compiled templates when the wheel
holds them), the quoting filters of the text formats (hsmc/emit/text.py), requirements.txt
lines, STACK.md's rows, the graph and the starter hsm.yaml of `hsmc init`.

Not a stage of its own: the emit half of each target (hsmc/targets/*/) and the pipeline import
it; it imports no stage and no target. Templates only loop over view models that Python has
already sorted, merged and quoted.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from hsmc import builtin
from hsmc.emit import text


def environment() -> jinja2.Environment:
    """The templates compiled to Python when the wheel holds them for this jinja2
    (hatch_build.py), else the sources (a checkout, an editable install, another jinja2); the
    same environment for both."""
    compiled = builtin.compiled_templates_dir(jinja2.__version__)
    if compiled is not None:
        return _environment(jinja2.ModuleLoader(str(compiled)))
    return _environment(jinja2.FileSystemLoader(str(builtin.templates_dir())))


def compile_templates(source: Path, root: Path) -> Path:
    """Compiles every template below `source` into one Python module each, in the directory
    below `root` for this jinja2 (returned), with the environment of the run time: the
    generated code depends on its filters and finalize."""
    target = root / builtin.compiled_for(jinja2.__version__)
    env = _environment(jinja2.FileSystemLoader(str(source)))
    env.compile_templates(str(target), zip=None, ignore_errors=False)
    # written last: without it (an interrupted build, a half-removed install) nothing is used
    (target / builtin.SOURCES_DIGEST).write_text(builtin.templates_digest(source), "ascii")
    return target


def _environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    # No bytecode cache: jinja2's unpickles files from a directory that may be shared (a CI
    # cache), so a planted file would run code. Compiled templates are modules inside the
    # installed package, as trusted as hsmc's own code (docs/decisions.md).
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_refuse_none,
    )
    env.filters.update(text.FILTERS)
    return env


def _refuse_none(value: object) -> object:
    if value is None:
        raise ValueError("a template printed None")
    return value
