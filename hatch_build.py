"""Wheel build hook: the jinja2 templates compiled to Python modules, shipped in the wheel as
hsmc/_compiled_templates/jinja2-VERSION/, so that a build with that jinja2 loads them instead
of compiling every template from source (docs/decisions.md, "Compiled templates"). A checkout
or an editable install has none and compiles the sources as before; nothing generated is
committed."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompiledTemplates(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":  # runs the sources of the checkout: nothing to ship
            return
        self._scratch = tempfile.mkdtemp(prefix="hsmc-templates-")
        # the function and environment the run time uses, from the tree being built
        sys.path.insert(0, self.root)
        try:
            from hsmc.builtin import COMPILED_TEMPLATES
            from hsmc.emit import compile_templates
        finally:
            sys.path.remove(self.root)
        compile_templates(Path(self.root) / "templates", Path(self._scratch))
        build_data["force_include"][self._scratch] = f"hsmc/{COMPILED_TEMPLATES}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if version != "editable":
            shutil.rmtree(self._scratch, ignore_errors=True)
