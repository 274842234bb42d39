"""References inside strings (SPEC §2.4): what is kept, what is replaced, what is refused."""

from __future__ import annotations

import pytest

from hsmc.errors import Collector
from hsmc.interpolate.refs import Interpolator, Scope
from hsmc.model import Endpoint, Literal, Param, RuntimeRef, Setting, Span, Text, Value


def _text(value: str) -> Text:
    line = f"  KEY: {value}"
    return Text(value, Span("entry.yaml", 7, 8, len(value), line))


def _param(key: str, value: str, origin: str) -> Param:
    return Param(key, _text(value), origin)


def _value(value: str, scope: Scope | None = None) -> tuple[Value, Collector]:
    out = Collector()
    result = Interpolator(out).value(_text(value), scope or Scope("container `c`", params=()))
    return result, out


def _codes(out: Collector) -> list[str]:
    return [d.code for d in out.diagnostics]


@pytest.mark.parametrize(
    ("raw", "name", "default", "required"),
    [
        ("${DB_PASSWORD}", "DB_PASSWORD", None, True),
        ("${PORT:-5432}", "PORT", "5432", False),
        ("${PORT-5432}", "PORT", "5432", False),
        ("${TOKEN:?set TOKEN in .env}", "TOKEN", None, True),
        ("${TOKEN?missing}", "TOKEN", None, True),
    ],
)
def test_runtime_references_are_kept_verbatim(
    raw: str, name: str, default: str | None, required: bool
) -> None:
    value, out = _value(f"x{raw}y")
    assert not out.diagnostics
    assert value.pieces == (Literal("x"), RuntimeRef(raw, name, default, required), Literal("y"))
    assert value.plain() == f"x{raw}y"


def test_nested_default_references_are_collected() -> None:
    value, out = _value("${A:-${B:-b}}")
    assert not out.diagnostics
    assert [r.name for r in value.refs] == ["A", "B"]


def test_double_dollar_is_a_literal_dollar() -> None:
    value, out = _value("pa$$word and $${NOT_A_REF}")
    assert not out.diagnostics
    assert value.pieces == (Literal("pa$word and ${NOT_A_REF}"),)


@pytest.mark.parametrize("raw", ["costs $5", "ends with $", "a $ b"])
def test_a_dollar_not_before_a_name_is_literal(raw: str) -> None:
    value, out = _value(raw)
    assert not out.diagnostics
    assert value.pieces == (Literal(raw),)


@pytest.mark.parametrize("raw", ["localhost", "{not: a ref}", "CMD-SHELL", " "])
def test_a_string_without_dollar_is_one_literal(raw: str) -> None:
    value, out = _value(raw)
    assert not out.diagnostics
    assert value.pieces == (Literal(raw),)


def test_an_empty_string_has_no_pieces() -> None:
    value, out = _value("")
    assert not out.diagnostics
    assert value.pieces == ()


def test_bare_dollar_name_is_refused_with_its_column() -> None:
    _, out = _value("user:$USER")
    (diag,) = out.diagnostics
    assert diag.code == "HSM306"
    assert diag.span is not None and (diag.span.line, diag.span.col) == (7, 13)
    assert diag.hint and "${USER}" in diag.hint and "$$USER" in diag.hint


def test_unterminated_reference_is_refused() -> None:
    _, out = _value("http://${HOST:8080")
    assert _codes(out) == ["HSM301"]


@pytest.mark.parametrize("raw", ["${HSM_OTHER.x}", "${HSM_PARAMS}", "${HSMX}"])
def test_unknown_compile_time_forms_are_refused(raw: str) -> None:
    _, out = _value(raw)
    assert _codes(out) == ["HSM302"]


def test_merged_params_keep_first_appearance_order_without_duplicates() -> None:
    params = (
        _param("db_name", "auth_db", "auth-service"),
        _param("db_name", "billing_db", "billing-service"),
        _param("db_name", "auth_db", "audit-service"),
        _param("other", "zzz", "x"),
    )
    value, out = _value("${HSM_MERGED_PARAMS.db_name}", Scope("c", params=params))
    assert not out.diagnostics
    assert value.plain() == "auth_db,billing_db"


def test_merged_params_of_nothing_is_empty() -> None:
    value, out = _value("[${HSM_MERGED_PARAMS.db_name}]", Scope("c", params=()))
    assert not out.diagnostics and value.plain() == "[]"


def test_single_param_conflict_names_both_sources() -> None:
    params = (_param("db", "a", "auth-service"), _param("db", "b", "group billing"))
    _, out = _value("${HSM_PARAMS.db}", Scope("c", params=params))
    (diag,) = out.diagnostics
    assert diag.code == "HSM304"
    assert "auth-service" in diag.message and "group billing" in diag.message


def test_single_param_default_and_missing() -> None:
    value, out = _value("${HSM_PARAMS.db:-main}", Scope("c", params=()))
    assert value.plain() == "main" and not out.diagnostics
    _, out = _value("${HSM_PARAMS.db}", Scope("c", params=()))
    assert _codes(out) == ["HSM305"]


def test_params_are_refused_in_package_env() -> None:
    _, out = _value("${HSM_PARAMS.db}", Scope("package `p`"))
    assert _codes(out) == ["HSM310"]


def test_connection_fields_and_the_dependents_own_params() -> None:
    endpoint = Endpoint(
        _text("10.0.0.50"),
        _text("${PG_PORT:-5432}"),
        (Setting("user", _text("app"), Span("f", 1)),),
    )
    params = (_param("db", "auth", "auth"), _param("db", "billing", "billing"))
    own = (Setting("db", _text("billing"), Span("f", 1)),)
    scope = Scope("connection", params=params, own_params=own, endpoint=endpoint)
    value, out = _value("postgres://${HSM.user}@${HSM.host}:${HSM.port}/${HSM_PARAMS.db}", scope)
    assert not out.diagnostics
    assert value.plain() == "postgres://app@10.0.0.50:${PG_PORT:-5432}/billing"
    assert [r.name for r in value.refs] == ["PG_PORT"]


def test_connection_forms_outside_a_connection_are_refused() -> None:
    _, out = _value("${HSM.host}")
    assert _codes(out) == ["HSM303"]


def test_unknown_connection_field_lists_the_known_ones() -> None:
    endpoint = Endpoint(_text("h"), _text("1"), ())
    _, out = _value("${HSM.api_key}", Scope("connection", params=(), endpoint=endpoint))
    (diag,) = out.diagnostics
    assert diag.code == "HSM309" and diag.hint and "`host`" in diag.hint and "`port`" in diag.hint


def test_alternative_value_form_is_refused() -> None:
    _, out = _value("${VAR:+alt}")
    assert _codes(out) == ["HSM301"]


def test_a_line_break_in_a_default_is_refused() -> None:
    """No artifact can keep `${J:-a<LF>b}` on one line (was a whole-project check)."""
    _, out = _value("${J:-a\nb}")
    assert _codes(out) == ["HSM301"]


def test_explain_finds_param_keys_with_the_one_reference_grammar() -> None:
    from hsmc.refs import param_keys

    text = "${HSM_PARAMS.db:-x}-${HSM_MERGED_PARAMS.db}-${HSM_PARAMS.user}-$${HSM_PARAMS.no}"
    assert param_keys(text) == ["db", "user"]  # `$${…}` is literal text, not a reference
