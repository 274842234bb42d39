"""hsmc.secret_names: the one rule for names that hold a secret."""

from __future__ import annotations

import pytest

from hsmc.secret_names import _cached_verdict, looks_secret


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("api-key", True),  # read as the environment variable API_KEY
        ("Api.Key", True),
        ("github_token", True),
        ("DATABASE_URL", False),
        ("apikeys_url", True),
        ("KEY", False),
    ],
)
def test_a_name_looks_secret_by_its_environment_variable_form(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


def test_each_name_is_judged_once_in_a_bounded_cache() -> None:
    _cached_verdict.cache_clear()
    for _ in range(3):
        looks_secret("PGPASSWORD")
    info = _cached_verdict.cache_info()
    assert (info.hits, info.misses) == (2, 1)
    assert info.maxsize is not None


def test_a_long_name_is_judged_but_not_kept() -> None:
    _cached_verdict.cache_clear()
    assert looks_secret("X" * 300 + "_PASSWORD") is True
    assert _cached_verdict.cache_info().currsize == 0
