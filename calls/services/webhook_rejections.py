"""Refused webhook requests, counted as ``compliance.refusals`` counts
every refusal anyone can send: keyed by the URL pattern a request reached,
never the path or query it sent."""

from __future__ import annotations

from compliance.refusals import WEBHOOK, refusal_count

UNKNOWN_ROUTE = "unknown"


def webhook_rejection_count(*, provider: str, route: str, reason: str) -> bool:
    """Count one refused webhook request (``compliance.refusals.refusal_count``).
    ``route`` must be the URL pattern the request resolved to. A webhook
    answers at its path with and without the trailing slash: one route,
    counted once."""
    route = route.rstrip("/") + "/" if route else UNKNOWN_ROUTE
    return refusal_count(kind=WEBHOOK, actor=provider, key=route, reason=reason)
