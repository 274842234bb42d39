"""Renders diagnostics in the rustc/ruff layout, or as JSON. Nothing else prints them."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence

from hsmc.errors import Diagnostic
from hsmc.model import Note, Span

_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_RED = "\x1b[1;31m"
_BLUE = "\x1b[1;34m"
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def use_colour(is_tty: bool) -> bool:
    return is_tty and "NO_COLOR" not in os.environ


def render_text(
    diagnostics: Sequence[Diagnostic], colour: bool = False, written: bool = True
) -> str:
    """`written`: the summary says that nothing was written (a failed build)."""
    parts = [_render_one(d, colour) for d in diagnostics]
    count = len(diagnostics)
    summary = f"{count} error{'s' if count != 1 else ''} found"
    summary += "; nothing was written" if written else ""
    parts.append(_paint(summary, _BOLD, colour))
    return "\n\n".join(parts) + "\n"


def render_json(diagnostics: Sequence[Diagnostic], warnings: Sequence[Note] = ()) -> str:
    """Errors, then warnings (a warning has no code and no hint: `code` and `hint` are null)."""
    rows: list[dict[str, str | int | None]] = [
        {
            "severity": "error",
            "code": d.code,
            "message": d.message,
            "file": d.span.file if d.span else None,
            "line": d.span.line if d.span else None,
            "col": d.span.col if d.span else None,
            "hint": d.hint,
        }
        for d in diagnostics
    ]
    rows += [
        {
            "severity": "warning",
            "code": None,
            "message": w.message,
            "file": w.span.file if w.span else None,
            "line": w.span.line if w.span else None,
            "col": w.span.col if w.span else None,
            "hint": None,
        }
        for w in warnings
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def render_warning(note: Note) -> str:
    """A note of the stack (also in STACK.md) as the line `build` and `check` print for it."""
    where = f" ({note.span.file}:{note.span.line})" if note.span else ""
    return f"hsmc: warning: {note.message}{where}"


def _render_one(d: Diagnostic, colour: bool) -> str:
    head = _paint(f"error[{d.code}]", _RED, colour) + _paint(f": {d.message}", _BOLD, colour)
    lines = [head]
    if d.span is not None:
        lines.extend(_snippet(d.span, colour))
    for rel in d.related:
        lines.append(_paint("  = note", _BLUE, colour) + f": {rel.message}")
        lines.extend(_snippet(rel.span, colour))
    if d.hint:
        lines.append(_paint("  = help", _BLUE, colour) + f": {d.hint}")
    return "\n".join(lines)


def _snippet(span: Span, colour: bool) -> list[str]:
    gutter = " " * len(str(span.line))
    arrow = _paint(f"{gutter}--> ", _BLUE, colour)
    out = [f"{arrow}{span.file}:{span.line}:{span.col}"]
    if span.source_line:
        bar = _paint(f"{gutter} |", _BLUE, colour)
        num = _paint(f"{span.line} |", _BLUE, colour)
        caret = " " * (span.col - 1) + "^" * max(1, span.length)
        line = _CONTROL.sub("\ufffd", span.source_line)  # never echo a terminal escape
        out += [bar, f"{num} {line}", f"{bar} {_paint(caret, _RED, colour)}"]
    return out


def _paint(text: str, code: str, colour: bool) -> str:
    return f"{code}{text}{_RESET}" if colour else text
