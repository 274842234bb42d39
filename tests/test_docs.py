"""docs/errors.md documents exactly the diagnostic codes that hsmc uses.

Every `"HSMnnn"` string literal in hsmc/*.py needs a `## HSMnnn — title` section in
docs/errors.md, and every such section must name a code that hsmc still uses.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ERRORS_MD = ROOT / "docs" / "errors.md"
CODE_LITERAL = re.compile(r"""["'](HSM\d{3})["']""")
CODE_HEADING = re.compile(r"^## (HSM\d{3}) — \S", re.MULTILINE)
ANY_CODE_HEADING = re.compile(r"^#+ *HSM\d{3}\b.*$", re.MULTILINE)


def codes_in_source() -> set[str]:
    return {
        code
        for path in sorted((ROOT / "hsmc").rglob("*.py"))
        for code in CODE_LITERAL.findall(path.read_text(encoding="utf-8"))
    }


def documented_codes() -> list[str]:
    return CODE_HEADING.findall(ERRORS_MD.read_text(encoding="utf-8"))


def test_the_source_uses_diagnostic_codes() -> None:
    assert len(codes_in_source()) > 10  # the scan itself works


def test_every_code_in_the_source_is_documented() -> None:
    missing = sorted(codes_in_source() - set(documented_codes()))
    assert not missing, f"codes without a `## HSMnnn — title` section in docs/errors.md: {missing}"


def test_every_documented_code_is_used_in_the_source() -> None:
    stale = sorted(set(documented_codes()) - codes_in_source())
    assert not stale, f"docs/errors.md documents codes that hsmc no longer uses: {stale}"


def test_each_code_is_documented_once_in_order() -> None:
    documented = documented_codes()
    assert documented == sorted(set(documented))


def test_every_code_heading_has_the_expected_form() -> None:
    text = ERRORS_MD.read_text(encoding="utf-8")
    headings = ANY_CODE_HEADING.findall(text)
    malformed = [h for h in headings if not CODE_HEADING.match(h)]
    assert not malformed, f"write code headings as `## HSMnnn — title`: {malformed}"
