"""What every webhook view shares: the body-size limit checked before the
body is read, and rejections that carry no detail a caller could use."""

from __future__ import annotations

import codecs
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.db import transaction
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calls.serializers.fields import provider_clock
from calls.services.webhook_rejections import webhook_rejection_count
from contactcenter.metrics.instruments import acknowledgement_observe

logger = logging.getLogger(__name__)


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "Request body too large."
    default_code = "too_large"


class WebhookView(APIView):
    """``provider`` names the sender in logs; ``max_body_setting`` names the
    setting that bounds the body; a failed credential gets
    ``rejected_status`` with an empty body.

    Not wrapped in ATOMIC_REQUESTS' transaction: a webhook writes one inbox
    row (``inbox_accept``), and that statement is its own transaction, with
    no BEGIN, savepoints or COMMIT around it. Anything that writes more
    than one row opens its own ``transaction.atomic()``.
    """

    provider = ""
    max_body_setting = ""
    rejected_status = 403
    permission_classes: list = []
    # True where a person on the phone hears the answer (see calls.middleware).
    answers_caller = False

    @classmethod
    def as_view(cls, **initkwargs: object) -> Callable:
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def dispatch(self, request: object, *args: object, **kwargs: object) -> Response | HttpResponse:
        started, status = time.perf_counter(), 500
        try:
            # One receipt time for the whole request: the view judges reported
            # times against it and the inbox stores it as ``received_at``, which
            # the worker judges them against again. A clock read twice would
            # let a time at the window's edge pass here and fail there.
            with provider_clock(timezone.now()):
                response = super().dispatch(request, *args, **kwargs)
            status = response.status_code
            return response
        finally:
            # Labelled by the URL pattern reached, never by what was sent.
            match = getattr(request, "resolver_match", None)
            acknowledgement_observe(
                route=match.route if match else "", status=status, seconds=time.perf_counter() - started
            )

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise exceptions.ParseError("Invalid Content-Length.") from None
        if length > getattr(settings, self.max_body_setting):
            raise PayloadTooLarge()
        charset = request._request.content_params.get("charset")
        if charset:
            try:
                codecs.lookup(charset)
            except LookupError:
                raise exceptions.ParseError("Unknown charset.") from None
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response | HttpResponse:
        if isinstance(exc, (exceptions.AuthenticationFailed, exceptions.NotAuthenticated)):
            self._audit_rejection("credential")
            return HttpResponse(status=self.rejected_status)
        if isinstance(exc, exceptions.ValidationError):
            # Field names and error codes only: the values are the caller's data.
            self._log_rejection("invalid")
            return Response({"error": "invalid_request", "fields": exc.get_codes()}, status=400)
        if isinstance(exc, (SuspiciousOperation, BadRequest, MultiPartParserError)):
            # Django's own failures to read the body (too many fields, too
            # large once decoded, a charset it can't decode, a broken
            # multipart body), met while the signature is checked: the
            # request is at fault, not the server.
            exc = PayloadTooLarge() if isinstance(exc, RequestDataTooBig) else exceptions.ParseError()
        if isinstance(exc, exceptions.APIException):
            self._log_rejection(exc.default_code)
            return Response({"error": exc.default_code}, status=exc.status_code)
        return super().handle_exception(exc)

    def _log_rejection(self, reason: str) -> None:
        logger.warning(
            "webhook.rejected", extra={"provider": self.provider, "path": self.request.path, "reason": reason}
        )
        self._audit_rejection(reason)

    def _audit_rejection(self, reason: str) -> None:
        # Counted, not appended to the audit chain one by one: anyone can
        # send a refused request. The key is the URL pattern the request
        # reached, never the path or anything else it sent.
        match = self.request.resolver_match
        webhook_rejection_count(provider=self.provider, route=match.route if match else "", reason=reason)
