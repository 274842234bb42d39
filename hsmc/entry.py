"""The `hsmc` console script. `hsmc --version` answers without importing anything else (it
runs in scripts and prompts); every other command goes to the click CLI."""

from __future__ import annotations

import sys

from hsmc import __version__


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"hsmc {__version__}\n")
        return
    from hsmc.cli import main as cli

    cli()
