"""``GET /metrics``: the Prometheus exposition, for a scraper holding the token.

Off (404) unless ``METRICS_TOKEN`` is set; then only a request with
``Authorization: Bearer <METRICS_TOKEN>`` gets an answer, and anything else
gets 401. The figures read from the database are counts and ages, never a
row's content, but they describe the business and its backlog: not public.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from contactcenter.metrics.instruments import process_collector
from contactcenter.metrics.state import StoredStateCollector


def bearer_token_matches(header: str, token: str) -> bool:
    """Whether an Authorization header carries ``token`` as its bearer
    credential, compared in constant time."""
    scheme, _, credential = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(credential.strip().encode(), token.encode())


def metrics_registry() -> CollectorRegistry:
    """The processes' measurements and the stored state, read when collected."""
    registry = CollectorRegistry()
    registry.register(process_collector())
    registry.register(StoredStateCollector())
    return registry


# Each figure is its own read; a transaction around them would only hold a
# connection longer (every view's request is atomic otherwise).
@transaction.non_atomic_requests
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    if not bearer_token_matches(request.headers.get("Authorization", ""), token):
        return HttpResponse(status=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(metrics_registry()), content_type=content_type, headers={"Cache-Control": "no-store"})
