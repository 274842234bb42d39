"""The password part of the URLs in a string (`scheme://user:PASSWORD@host`), read with the one
`${…}` grammar (hsmc.refs), for the secret rule (HSM308).

Shared (no stage): it only finds text, it reports nothing. A URL here is a scheme followed by
`://` (RFC 3986's authority form); its authority runs to the first `/`, `?`, `#` or white space,
so an `@` in a path or a query is not user-info, and without an `@` there is none (`[::1]:80`
is a host and a port). As URL parsers do (Python's urllib, libpq), the user-info ends at the
last `@` of the authority and the password starts after its first `:`. A reference is one
opaque piece wherever it stands (`${A:-x/y}` does not end an authority), and the literal
default of a reference is read as a string of its own, since compose writes it as it is.
Schemes without `//` (`mailto:user@host`) have no user-info.
"""

from __future__ import annotations

import re

from hsmc import refs
from hsmc.refs import Kind

# A reference (or `$$`) stands in the skeleton as one character that no URL grammar uses.
_PLACEHOLDER = "\ue000"
_AUTHORITY = re.compile(r"[A-Za-z\ue000][A-Za-z0-9+.\-\ue000]*://([^/?#\s]*)")


def passwords(value: str) -> list[str]:
    """The password of every URL in `value` that has one, as written (references kept),
    including the URLs inside literal defaults, at any depth."""
    if "://" not in value:
        return []
    pieces: list[str] = []  # the original text of each skeleton character
    nested: list[str] = []
    for token in refs.tokens(value):
        if token.kind is Kind.TEXT:
            pieces += token.text
            continue
        pieces.append(token.text)
        if token.kind is Kind.BRACED:
            nested += _in_default(token.inner)
    skeleton = "".join(p if len(p) == 1 else _PLACEHOLDER for p in pieces)
    found = []
    for match in _AUTHORITY.finditer(skeleton):
        userinfo, at, _ = match.group(1).rpartition("@")
        if at and ":" in userinfo:
            start = match.start(1) + userinfo.index(":") + 1
            found.append("".join(pieces[start : match.start(1) + len(userinfo)]))
    return found + nested


def _in_default(inner: str) -> list[str]:
    """URLs in the default of a reference (`${URL:-postgres://u:pw@db}`), written as it is."""
    parsed = refs.runtime(inner)
    if parsed is not None:
        _, op, rest = parsed
        return passwords(rest) if rest and op in (":-", "-") else []
    compile_time = refs.COMPILE_TIME.fullmatch(inner)
    default = compile_time.group(5) if compile_time else None
    return passwords(default) if default else []
