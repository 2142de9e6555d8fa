"""What a webhook answers when the application itself fails.

An unexpected exception in a webhook view (including a database that is
down) leaves either no inbox row, or a committed one that the provider's
redelivery is answered from (``inbox_accept``). A caller on the line still
hears a short apology and is put through to the operator, never Twilio's
"an application error has occurred"; a status callback gets a bare 503
that Twilio may retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from calls import twiml

logger = logging.getLogger(__name__)


class WebhookFailureMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        view_class = getattr(getattr(request.resolver_match, "func", None), "view_class", None)
        if view_class is None or not request.path.startswith("/webhooks/"):
            return None
        # The class name only: messages can quote the request's data.
        logger.error("webhook.failed", extra={"path": request.path, "error": type(exception).__name__})
        if getattr(view_class, "answers_caller", False):
            return HttpResponse(twiml.apology(), content_type="text/xml; charset=utf-8")
        return HttpResponse(status=503)
