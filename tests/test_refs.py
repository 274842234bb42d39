"""hsmc.refs: the one `${…}` grammar every stage reads references with."""

from __future__ import annotations

from hsmc.refs import CACHED_LENGTH, Kind, Token, _cached_tokens, tokens


def test_a_string_is_split_into_text_and_references() -> None:
    assert tokens("a$${B:-${C}}$d $") == (
        Token(Kind.TEXT, "a"),
        Token(Kind.DOLLAR, "$$"),
        Token(Kind.TEXT, "{B:-"),
        Token(Kind.BRACED, "${C}"),
        Token(Kind.TEXT, "}"),
        Token(Kind.BARE, "$d"),
        Token(Kind.TEXT, " "),
        Token(Kind.LONE, "$"),
    )


def test_each_distinct_string_is_split_once_in_a_bounded_cache() -> None:
    # a build reads `${HSM.host}` in every connection: the second reading is the first's tokens
    value = "postgres://${HSM.host}:${HSM.port}/db"
    assert tokens(value) is tokens(value)
    assert _cached_tokens.cache_info().maxsize is not None


def test_a_long_string_is_split_but_not_kept() -> None:
    """A file may hold values of up to 1 MiB: remembering thousands of them would hold GiBs in
    a long-lived process (the test suite), so only short strings are cached."""
    long = "${A}" + "x" * CACHED_LENGTH
    before = _cached_tokens.cache_info().currsize
    assert tokens(long) == (Token(Kind.BRACED, "${A}"), Token(Kind.TEXT, "x" * CACHED_LENGTH))
    assert tokens(long) is not tokens(long)
    assert _cached_tokens.cache_info().currsize == before
