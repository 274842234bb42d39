"""The quoting of every text format an artifact is written in: one function per format, each
the only way a value enters it (YAML scalars and keys, env files, shell words, Markdown cells,
comments). Registered as the jinja2 filters of hsmc/emit/__init__.py.

A target quotes its own syntax before these run: compose doubles a literal `$`
(hsmc/targets/compose/), Kubernetes writes `$(NAME)` (hsmc/targets/kubernetes/); what reaches
`yaml_scalar` is plain text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from hsmc.errors import printable
from hsmc.model import RuntimeRef, Value

# --- YAML ----------------------------------------------------------------------------------------

_YAML_FORBIDDEN = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}


def yaml_scalar(value: object) -> str:
    """The one way a scalar enters a YAML artifact: a double-quoted, escaped string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value == {}:
        return "{}"
    if value == []:
        return "[]"
    if not isinstance(value, str):
        raise TypeError(f"not a YAML scalar: {value!r}")  # a Value is quoted by its target first
    quoted = json.dumps(value, ensure_ascii=False)
    return _YAML_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


_IMPLICIT_KEY_MAX = 1024  # YAML: an implicit key is at most 1024 characters, quotes included


def yaml_key(key: str, indent: str = "  ") -> str:
    """A mapping key, followed in the template by `:`. A key too long for YAML's implicit form
    is written in the explicit form (`? "key"` then `: value` on the next line at `indent`),
    which compose and Kustomize read too; otherwise they refuse the whole file."""
    written = key if _PLAIN_KEY.fullmatch(key) and key.lower() not in _YAML_WORDS else None
    written = written or yaml_scalar(key)
    if len(written) > _IMPLICIT_KEY_MAX:
        return f"? {written}\n{indent}"
    return written


# --- env files, shell, markdown, comments ------------------------------------------------------


def envfile_value(value: Value) -> str:
    """A double-quoted value that docker compose --env-file and python-dotenv read alike.

    Both expand ${VAR} and ${VAR:-default} and nothing else, so `${VAR:?msg}`/`${VAR?msg}` are
    written as ${VAR} and `${VAR-d}` as ${VAR:-d}. What neither can read was refused by
    interpolate (HSM311).
    """
    parts = []
    for piece in value.pieces:
        if isinstance(piece, RuntimeRef):
            # Both read `\\` and `\"` inside a default as `\` and `"` (measured); a `$` or `}`
            # in it was refused (HSM311), a line break too (HSM301).
            default = f":-{_dq_escape(piece.default)}" if piece.default is not None else ""
            parts.append(f"${{{piece.name}{default}}}")
        else:
            parts.append(_dq_escape(piece.text))
    return '"' + "".join(parts) + '"'


def _dq_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def env_default(default: str | None) -> str:
    if default is None:
        return ""
    if re.fullmatch(r"[A-Za-z0-9_./:@,+-]*", default):
        return default
    return '"' + _dq_escape(default) + '"'


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def env_name(name: str) -> str:
    """A variable name as it is: validate refused any other (HSM114); another is a bug."""
    if not _ENV_NAME.fullmatch(name):
        raise ValueError(f"not an environment variable name: {name!r}")
    return name


def one_line(text: str) -> str:
    """A requirements.txt line as it is: validate refused what uv would misread (HSM115,
    HSM409), so a line break here is a bug, not input to escape."""
    if "\n" in text or "\r" in text:
        raise ValueError(f"a requirement line holds a line break: {text!r}")
    return text


def comment_text(text: str) -> str:
    """Text for a `# …` comment line: no line break can end the comment early."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", text)


def sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def md_cell(value: object) -> str:
    """One table cell on one line: `|` and `\\` escaped, every control character (CR, LF, …)
    shown as an escape, so a value can neither add a row nor break the LF-only promise."""
    text = value.plain() if isinstance(value, Value) else str(value)
    return printable(text.replace("\\", "\\\\").replace("|", "\\|")) or "—"


def _plain(value: Value) -> str:
    return value.plain()


FILTERS: dict[str, Callable[..., str]] = {
    "yaml": yaml_scalar,
    "key": yaml_key,
    "sh": sh_quote,
    "md": md_cell,
    "plain": _plain,
    "envdefault": env_default,
    "comment": comment_text,
    "line": one_line,
    "envvalue": envfile_value,
    "envname": env_name,
}
