"""The `hsmc` console script. `hsmc --version` answers without importing anything else (it
runs in scripts and prompts); a `hsmc build` whose build stamp still holds (stamp.py) answers
before click and the compiler are imported; a plain `hsmc build` (console.py) is run without
click; every other command goes to the click CLI."""

from __future__ import annotations

import sys

from hsmc import __version__


def main() -> None:
    argv = sys.argv[1:]
    if argv == ["--version"]:
        sys.stdout.write(f"hsmc {__version__}\n")
        return
    import gc

    # A command is a short process whose garbage is nearly all freed by reference counting:
    # the cycle collector's passes over every object the imports and the model created are
    # pure cost (about 14 ms of a synthetic edit+build, peak memory within 1%; decisions.md).
    gc.disable()
    from hsmc import stamp

    summary = stamp.check(argv)
    if summary is not None:
        sys.stderr.write(f"{summary}\n")
        return
    session = stamp.begin(argv)
    import os

    from hsmc import console

    options = console.parse_build(argv, os.environ)
    try:
        if options is not None:
            console.standalone(options)  # exits, as click does
        from hsmc.cli import main as cli

        cli()
    except SystemExit as exc:
        if session is not None and exc.code in (0, None):
            stamp.finish(argv, session)
        raise
