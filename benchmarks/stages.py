"""Where one `hsmc build` spends its time, by stage, measured inside the process.

    python benchmarks/stages.py BUILD_ARGS...      # e.g. build PROJECT -o OUT

Runs `hsmc build` as the console script does (hsmc.entry.main, the argv given) with a timer
around each stage, and prints one JSON object of seconds on stdout (what hsmc prints goes to
stderr, as always). Run it with the environment of the hsmc being measured (benchmarks/run.py
runs it with the installed wheel's PYTHONPATH, right after an entry was edited, and prints the
medians as a table). The stages:

- `imports`: every module imported while hsmc runs (hsmc's own, jinja2, click, PyYAML, …),
  counted once where the import happens, at whatever stage it happens, and subtracted from that
  stage: a module imported lazily inside a stage is an import, not work of the stage;
- `stamp`: the build stamp (stamp.check replaying the last build's answers, stamp.begin and
  stamp.finish taking the context and writing the new stamp);
- `parse` (reading hsm.yaml and every entry, from the parse cache or the parser), `validate`
  (and each target's checks), `resolve`, `interpolate` (and each target's uses and run-time
  inputs), `emit` (rendering the artifacts), `write` (the output directory);
- `other`: everything else inside the process (the command line, messages, the schema copy);
- the caller adds `start-up`: the process's wall time minus `total`, the time the interpreter
  takes to start before this script's first line (site, encodings, the path).

A stage is found by the name pipeline.py calls it by; when one is renamed this script fails
rather than report a zero.
"""

from __future__ import annotations

import builtins
import json
import sys
import time

_clock = time.perf_counter
_START = _clock()
_spent: dict[str, float] = {}
_imports = [0.0, 0]  # seconds in outermost imports, depth of the current import


def _add(stage: str, seconds: float) -> None:
    _spent[stage] = _spent.get(stage, 0.0) + seconds


_real_import = builtins.__import__


def _timed_import(name, globals=None, locals=None, fromlist=(), level=0):  # type: ignore[no-untyped-def]
    if name in sys.modules and not fromlist:
        return _real_import(name, globals, locals, fromlist, level)
    _imports[1] += 1
    began = _clock()
    try:
        return _real_import(name, globals, locals, fromlist, level)
    finally:
        _imports[1] -= 1
        if _imports[1] == 0:
            _imports[0] += _clock() - began


def _timed(stage: str, function):  # type: ignore[no-untyped-def]
    """`function` with its time (less the imports it made) added to `stage`; a stage that
    calls another (validate inside a target check) is counted once, by the outermost."""

    def run(*args, **kwargs):  # type: ignore[no-untyped-def]
        if _active:
            return function(*args, **kwargs)
        _active.append(stage)
        imported, began = _imports[0], _clock()
        try:
            return function(*args, **kwargs)
        finally:
            _add(stage, _clock() - began - (_imports[0] - imported))
            _active.pop()

    return run


_active: list[str] = []


def _patch(module: object, name: str, stage: str) -> None:
    if not hasattr(module, name):
        raise SystemExit(f"stages.py: {module!r} has no {name}: the stage was renamed")
    setattr(module, name, _timed(stage, getattr(module, name)))


_TARGET_STAGES = {
    "check": "validate",
    "check_workloads": "validate",
    "uses": "interpolate",
    "emit": "emit",
}


class _TimedTarget:
    """A target whose checks, uses and emitter are timed (the rest passes through)."""

    def __init__(self, target: object) -> None:
        self._target = target

    def __getattr__(self, name: str) -> object:
        value = getattr(self._target, name)
        stage = _TARGET_STAGES.get(name)
        return _timed(stage, value) if stage else value


def _instrument() -> None:
    import hsmc.pipeline as pipeline
    import hsmc.stamp as stamp
    import hsmc.targets as targets
    import hsmc.write as write

    for name in ("check", "begin", "finish"):
        _patch(stamp, name, "stamp")
    _patch(pipeline, "load_project", "parse")
    _patch(pipeline, "validate", "validate")
    _patch(pipeline, "resolve", "resolve")
    _patch(pipeline, "interpolate", "interpolate")
    _patch(pipeline, "collect_inputs", "interpolate")
    _patch(write, "write", "write")
    real_get = targets.get
    targets.get = lambda name: _TimedTarget(real_get(name))  # type: ignore[assignment,return-value]


def main() -> None:
    builtins.__import__ = _timed_import
    _instrument()
    from hsmc.entry import main as hsmc_main

    sys.argv = ["hsmc", *sys.argv[1:]]
    code: object = 0
    try:
        hsmc_main()
    except SystemExit as exc:
        code = exc.code
    total = _clock() - _START
    _spent["imports"] = _imports[0]
    _spent["other"] = total - sum(_spent.values())
    _spent["total"] = total
    _spent["exit"] = 0 if code is None else code  # type: ignore[assignment]
    sys.stdout.write(json.dumps(_spent) + "\n")


if __name__ == "__main__":
    main()
