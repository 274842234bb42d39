"""`hsmc build` without click (hsmc/console.py) behaves exactly as through click: the same
stdout, stderr, exit status and output directory for every kind of argv; a plain argv never
imports click, anything else goes to click; and console.OPTIONS is exactly cli.py's options."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from hsmc import cli, console, targets
from tests.conftest import GOLDEN, copy_case

# sys.argv[0] is "hsmc" in both, as under the console script: click's messages name it
_ENTRY = "import sys; sys.argv[0] = 'hsmc'; from hsmc.entry import main; main()"
_CLICK = "import sys; sys.argv[0] = 'hsmc'; from hsmc.cli import main; main()"
_REPORT = (
    "import atexit, os, sys; atexit.register(lambda: open(os.environ['CLICK_REPORT'], 'w')"
    ".write(str('click' in sys.modules)));"
)


def _setup(root: Path, setup: str) -> None:
    """The same starting state in each of the two directories compared."""
    copy_case("01-shared-container", root)
    shutil.copytree(GOLDEN / "errors" / "HSM005-unknown-key", root / "bad")
    (root / "extra-registry" / "packages").mkdir(parents=True)
    (root / "a-file").write_text("not a directory\n", "utf-8")
    if setup in ("built", "edited"):
        _hsmc(_CLICK, ["build", "01-shared-container", "-o", "out"], root)
    if setup == "edited":
        env = root / "out" / "packages.env"
        env.write_text(env.read_text("utf-8") + "EDITED=1\n", "utf-8")


def _hsmc(code: str, argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HSMC_")}
    env.update(HSMC_CACHE_DIR=str(cwd.parent / f"{cwd.name}-cache"), NO_COLOR="1")
    env["CLICK_REPORT"] = str(cwd.parent / f"{cwd.name}-click")
    return subprocess.run(
        [sys.executable, "-c", _REPORT + code, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


P = "01-shared-container"
# (setup, argv, whether console.py runs it without click)
CASES = [
    ("fresh", ["build", P, "-o", "out"], True),
    ("fresh", ["build", "--output=out", P], True),
    ("fresh", ["build", "-o", "first", "-o", "out", P], True),  # the last one wins
    ("fresh", ["build", P, "-o", "out", "--registry", "extra-registry"], True),
    ("fresh", ["build", P, "--registry=extra-registry", "--registry", "extra-registry"], True),
    ("fresh", ["build", P, "-o", "out", "--target", "kubernetes"], True),
    ("fresh", ["build", P, "-o", "out", "--target=compose", "--no-cache", "--debug"], True),
    ("fresh", ["build", P, "-o", "out", "--check"], True),  # stale: a diff on stdout, exit 1
    ("built", ["build", P, "-o", "out", "--check"], True),
    ("built", ["build", P, "-o", "out"], True),
    ("edited", ["build", P, "-o", "out"], True),  # HSM411
    ("edited", ["build", P, "-o", "out", "--check"], True),
    ("edited", ["build", P, "-o", "out", "--force", "--force"], True),
    ("fresh", ["build", "bad", "-o", "out"], True),  # a diagnostic, nothing written
    ("fresh", ["build", "missing"], True),
    ("fresh", ["build", "-o", "out"], True),  # no PATH: the search upwards finds nothing
    ("fresh", ["build"], True),
    ("fresh", ["build", "--help"], False),
    ("fresh", ["build", "-h", P], False),
    ("fresh", ["build", P, "--nope"], False),
    ("fresh", ["build", P, "--outpt", "out"], False),  # click suggests --output
    ("fresh", ["build", P, "-oout"], False),
    ("fresh", ["build", P, "-o"], False),
    ("fresh", ["build", P, "-o", "--check"], False),  # click takes `--check` as the directory
    ("fresh", ["build", P, "extra"], False),
    ("fresh", ["build", P, "--target", "swarm"], False),
    ("fresh", ["build", P, "--target="], False),
    ("fresh", ["build", P, "--registry", "a-file"], False),
    ("fresh", ["build", P, "--check=yes"], False),
    ("fresh", ["build", "--", P], False),
    ("fresh", ["build", "", "-o", "out"], False),
]


@pytest.mark.parametrize(("setup", "argv", "plain"), CASES, ids=[" ".join(c[1]) for c in CASES])
def test_build_without_click_is_build_through_click(
    tmp_path: Path, setup: str, argv: list[str], plain: bool
) -> None:
    ran = {}
    for way, code in (("entry", _ENTRY), ("click", _CLICK)):
        root = tmp_path / way
        root.mkdir()
        _setup(root, setup)
        done = _hsmc(code, argv, root)
        ran[way] = (done.returncode, done.stdout, done.stderr, _tree(root))
        imported = (tmp_path / f"{way}-click").read_text("utf-8")
        assert imported == str(way == "click" or not plain), (way, done.stderr)
    assert ran["entry"] == ran["click"]


def test_an_argv_click_would_refuse_is_left_to_click(tmp_path: Path) -> None:
    (tmp_path / "unreadable").mkdir(mode=0)
    plain = ["build", str(tmp_path), "-o", str(tmp_path / "out")]
    assert console.parse_build(plain, {}) == console.BuildOptions(
        path=tmp_path, output=tmp_path / "out"
    )
    assert console.parse_build(plain, {"_HSMC_COMPLETE": "bash_source"}) is None
    assert console.parse_build(["build", "\udcff"], {}) is None  # not UTF-8: click's decoding
    if os.geteuid() != 0:  # root reads anything
        assert console.parse_build(["build", str(tmp_path / "unreadable")], {}) is None


def test_options_are_exactly_those_of_build_in_cli() -> None:
    params = cli.build.params
    assert console.BuildOptions._fields == tuple(p.name for p in params)
    spelled = {s: p.name for p in params if isinstance(p, click.Option) for s in p.opts}
    assert {s: field for s, (field, _) in console.OPTIONS.items()} == spelled
    for p in params:
        kinds = {kind for s, (field, kind) in console.OPTIONS.items() if field == p.name}
        if isinstance(p, click.Argument):
            assert isinstance(p.type, click.Path) and p.type.file_okay and p.nargs == 1
        elif p.is_flag:  # type: ignore[attr-defined]
            assert kinds == {"flag"}, p.name
        elif isinstance(p.type, click.Choice):
            assert kinds == {"target"} and tuple(p.type.choices) == targets.NAMES
        elif isinstance(p.type, click.Path):
            assert kinds == {"path" if p.type.file_okay else "directory"}, p.name
            assert p.multiple == (kinds == {"directory"}) and not p.type.exists
        else:
            assert kinds == {"text"} and p.type is click.STRING, p.name


@pytest.mark.parametrize("spelling", sorted(console.OPTIONS))
def test_every_option_sets_its_field(tmp_path: Path, spelling: str) -> None:
    field, kind = console.OPTIONS[spelling]
    value = {"flag": True, "target": targets.NAMES[-1], "text": "x"}.get(kind, tmp_path)
    argv = ["build", spelling] if kind == "flag" else ["build", spelling, str(value)]
    parsed = console.parse_build(argv, {})
    assert parsed is not None
    expected = (value,) if kind == "directory" else value
    assert getattr(parsed, field) == expected


def test_a_text_option_is_taken_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kind of an option whose value is a plain name (none of build's yet)."""
    monkeypatch.setitem(console.OPTIONS, "--name", ("target", "text"))
    assert console.parse_build(["build", "--name", "x y"], {}) == console.BuildOptions(target="x y")
    assert console.parse_build(["build", "--name", "-x"], {}) is None


@pytest.mark.parametrize(
    "failure", [KeyboardInterrupt(), EOFError(), BrokenPipeError(errno.EPIPE, "broken pipe")]
)
def test_an_interrupt_or_a_broken_pipe_ends_alike(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    failure: BaseException,
) -> None:
    def fail(options: console.BuildOptions) -> None:
        raise failure

    monkeypatch.setattr(console, "build", fail)
    ended = []
    for run in (
        lambda: console.standalone(console.BuildOptions(path=tmp_path)),
        lambda: cli.main(["build", str(tmp_path)], prog_name="hsmc"),
    ):
        monkeypatch.setattr(sys, "stdout", sys.stdout)  # restored after: both replace them
        monkeypatch.setattr(sys, "stderr", sys.stderr)
        with pytest.raises(SystemExit) as exited:
            run()
        ended.append((exited.value.code, type(sys.stdout).__name__, capsys.readouterr()))
    assert ended[0][0] == ended[1][0] == 1
    assert ended[0][2] == ended[1][2]
    # after a broken pipe both silence the flush at exit; otherwise the streams stay
    assert (ended[0][1] == "_Pacified") == (ended[1][1] == "_PacifyFlushWrapper")
