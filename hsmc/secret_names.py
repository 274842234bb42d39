"""The secret-name rule: which names hold a secret (HSM308 refuses a literal value for them;
.env.template marks the inputs they use). One rule for validate and interpolate."""

from __future__ import annotations

import re
from functools import lru_cache

SECRET_WORDS = (
    *("PASSWORD", "PASSWD", "SECRET", "TOKEN"),
    *("API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL"),
)


def looks_secret(key: str) -> bool:
    """By the name as an environment variable: `api-key` and `Api.Key` are `API_KEY`."""
    return _cached_verdict(key) if len(key) <= _CACHED_LENGTH else _verdict(key)


# A build asks about the same few hundred keys and variable names thousands of times (every
# reference of every service in .env.template, every setting in validate). Only short names
# are remembered, so the cache stays small in a long-lived process (a key may be 1 MiB).
_CACHED_LENGTH = 256


@lru_cache(maxsize=4096)
def _cached_verdict(key: str) -> bool:
    return _verdict(key)


def _verdict(key: str) -> bool:
    upper = re.sub(r"[^A-Z0-9]", "_", key.upper())
    return any(word in upper for word in SECRET_WORDS)
