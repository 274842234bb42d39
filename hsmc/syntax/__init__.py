"""The string syntaxes of the format, each read in one place: `ports:` items, `volumes:`
items, commands (argv words) and durations.

Shared, no stage: validate reports what a reader refuses (a located error: compose would refuse
the file), resolve and interpolate read what it accepts into typed records. A field that holds a
`${…}` reference is kept whole and not judged: compose reads it at run time, after filling it.
"""

from __future__ import annotations

from hsmc import refs
from hsmc.record import Record, setfield


class Problem(Record):
    """Why a reader refuses a string: a message and a hint, for the diagnostic its caller
    reports at the string's span."""

    message: str
    hint: str

    def __init__(self, message: str, hint: str) -> None:
        setfield(self, "message", message)
        setfield(self, "hint", hint)


def split_outside_refs(value: str, sep: str) -> list[str]:
    """`value` split at `sep` outside `${…}` (a reference keeps its `:-` whole); empty fields
    kept."""
    fields = [""]
    for token in refs.tokens(value):
        if token.kind is refs.Kind.TEXT:
            first, *rest = token.text.split(sep)
            fields[-1] += first
            fields += rest
        else:
            fields[-1] += token.text
    return fields


def has_ref(text: str) -> bool:
    return "$" in text
