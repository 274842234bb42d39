"""The graph API's contract, shared by this client and by graph-builder-service, which imports
it: an edit here reaches both sides at once (the client as an editable install, the service
through its Compose Watch rule)."""

from __future__ import annotations

HEALTH = "/health"
GRAPH = "/graph"


def health_document() -> dict[str, object]:
    """What GET /health answers while the service is up."""
    return {"status": "ok"}
