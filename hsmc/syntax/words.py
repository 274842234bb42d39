"""A command string split into argv words once, as compose splits it (go-shellwords, measured
against Docker Compose v2.40): blanks separate words, single quotes keep everything, double
quotes and backslashes escape. Compose refuses an unbalanced quote or a trailing backslash, and
stops reading at an unquoted `;`, `&`, `|`, `<` or `>` without a word (`echo a; echo b` runs
`echo a`): both are refused here.

Run-time references are pieces of the words they stand in. Compose fills them before it
splits, so a reference outside quotes may become several words at run time: `split_later`.
"""

from __future__ import annotations

from hsmc.model import Literal, Piece, RuntimeRef, Value
from hsmc.syntax import Problem

_BLANKS = " \t\n\r"
_OPERATORS = ";&|<>"
_HINT = 'write the command as a list of words, or run a shell explicitly: `["sh", "-c", "a; b"]`'


class _Words:
    def __init__(self) -> None:
        self.words: list[list[Piece]] = []
        self.current: list[Piece] | None = None

    def add(self, piece: Piece) -> None:
        if self.current is None:
            self.current = []
            self.words.append(self.current)
        if isinstance(piece, Literal) and self.current and isinstance(self.current[-1], Literal):
            self.current[-1] = Literal(self.current[-1].text + piece.text)
        else:
            self.current.append(piece)

    def end(self) -> None:
        self.current = None


def split(value: Value) -> tuple[tuple[Value, ...], bool] | Problem:
    """(the words, whether a run-time reference stands outside quotes) or why compose refuses
    the string."""
    words = _Words()
    quote: str | None = None
    escaped = later = backquoted = False
    for piece in value.pieces:
        if isinstance(piece, RuntimeRef):
            if escaped:
                return Problem("a backslash before a reference", _HINT)
            later |= quote is None
            words.add(piece)
            continue
        for char in piece.text:
            if escaped:
                escaped = False
                words.add(Literal(char))
            elif quote == "'":
                quote = None if char == "'" else quote
                words.add(Literal("" if char == "'" else char))
            elif char == "\\" and quote != "'":
                escaped = True
                words.add(Literal(""))
            elif char == "`" and quote is None:  # compose keeps `…`, refuses an unclosed one
                backquoted = not backquoted
                words.add(Literal(char))
            elif quote == '"':
                quote = None if char == '"' else quote
                words.add(Literal("" if char == '"' else char))
            elif backquoted and char not in "'\"":
                words.add(Literal(char))
            elif char in "'\"":
                quote = char
                words.add(Literal(""))
            elif char in _BLANKS:
                words.end()
            elif char in _OPERATORS:
                return Problem(
                    f"an unquoted `{char}` in a command string: compose would run only what "
                    "stands before it",
                    _HINT,
                )
            else:
                words.add(Literal(char))
    if quote is not None or escaped or backquoted:
        what = "a backslash at the end of" if escaped else f"an unclosed `{quote or '`'}` in"
        return Problem(
            f"{what} a command string, which compose cannot split into words",
            "close the quote, or write the command as a list of words",
        )
    return tuple(
        Value(tuple(p for p in w if not isinstance(p, Literal) or p.text) or ())
        for w in words.words
    ), later
