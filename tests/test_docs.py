"""docs/errors.md documents exactly the diagnostic codes that hsmc uses.

hsmc/codes.py is the one list of codes; docs/errors.md has a `## HSMnnn — title` section for
each, with its title, in its order; every code in the list is used in the source, and every
`"HSMnnn"` string literal in hsmc/*.py is in the list.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hsmc.codes import CODES, STAGES
from hsmc.errors import Diagnostic

ROOT = Path(__file__).resolve().parent.parent
ERRORS_MD = ROOT / "docs" / "errors.md"
CODE_LITERAL = re.compile(r"""["'](HSM\d{3})["']""")
CODE_HEADING = re.compile(r"^## (HSM\d{3}) — \S", re.MULTILINE)
ANY_CODE_HEADING = re.compile(r"^#+ *HSM\d{3}\b.*$", re.MULTILINE)
TITLED_HEADING = re.compile(r"^## (HSM\d{3}) — (.*)$", re.MULTILINE)


def codes_in_source() -> set[str]:
    """Codes the stages use: literals in every module but the registry itself."""
    return {
        code
        for path in sorted((ROOT / "hsmc").rglob("*.py"))
        if path.name != "codes.py"
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


def test_the_registry_and_the_document_agree_code_by_code() -> None:
    headings = TITLED_HEADING.findall(ERRORS_MD.read_text(encoding="utf-8"))
    assert headings == [(c.code, c.title) for c in CODES.values()]


def test_every_code_in_the_source_is_registered_and_every_registered_code_is_used() -> None:
    assert codes_in_source() == set(CODES)
    assert all(c.stage in STAGES for c in CODES.values())


def test_a_diagnostic_with_an_unregistered_code_is_refused() -> None:
    with pytest.raises(ValueError, match="HSM999"):
        Diagnostic("HSM999", "no such code", None)
