"""Client for the graph API served by graph-builder-service.

The service address comes from GRAPH_BUILDER_URL, which hsmc writes into packages.env.
"""

from __future__ import annotations

import json
import os
import urllib.request

from neo4j_client import api

__version__ = "0.1.0"

DEFAULT_URL = "http://localhost:7474"


def graph_url() -> str:
    """Base URL of the graph API, without a trailing slash."""
    return os.environ.get("GRAPH_BUILDER_URL", DEFAULT_URL).rstrip("/")


def health(timeout: float = 2.0) -> dict:
    """Return the service's health document, e.g. {"status": "ok"}."""
    with urllib.request.urlopen(graph_url() + api.HEALTH, timeout=timeout) as response:
        return json.load(response)
