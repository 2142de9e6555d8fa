"""Twilio webhooks: authenticate, parse, one service call, respond.

Signature first (403, empty body, nothing stored), then the shape (400
naming the bad fields, nothing stored), then the service, which stores the
delivery in the inbox and returns the TwiML to answer with.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponse
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calls.authentication import TwilioSignatureAuthentication
from calls.serializers import (
    TwilioCallSerializer,
    TwilioGatherQuerySerializer,
    TwilioGatherSerializer,
    TwilioRecordingSerializer,
    TwilioStatusSerializer,
    parse,
)
from calls.services import webhooks

logger = logging.getLogger(__name__)


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "Request body too large."
    default_code = "too_large"


def twiml_response(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


class TwilioWebhookView(APIView):
    authentication_classes = [TwilioSignatureAuthentication]
    permission_classes: list = []

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        # Before the body is read for the signature check.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise exceptions.ParseError("Invalid Content-Length.") from None
        if length > settings.WEBHOOK_MAX_BODY_BYTES:
            raise PayloadTooLarge()
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response | HttpResponse:
        if isinstance(exc, (exceptions.AuthenticationFailed, exceptions.NotAuthenticated)):
            return HttpResponse(status=403)
        if isinstance(exc, exceptions.ValidationError):
            # Field names and error codes only: the values are the caller's data.
            logger.warning(
                "webhook.rejected", extra={"provider": "twilio", "path": self.request.path, "reason": "invalid"}
            )
            return Response({"error": "invalid_request", "fields": exc.get_codes()}, status=400)
        if isinstance(exc, exceptions.APIException):
            logger.warning(
                "webhook.rejected", extra={"provider": "twilio", "path": self.request.path, "reason": exc.default_code}
            )
            return Response({"error": exc.default_code}, status=exc.status_code)
        return super().handle_exception(exc)

    def form(self) -> dict[str, str]:
        return self.request._request.POST.dict()

    def query(self) -> dict[str, str]:
        return self.request._request.GET.dict()


class TwilioVoiceView(TwilioWebhookView):
    answers_caller = True

    def post(self, request: Request) -> HttpResponse:
        data = parse(TwilioCallSerializer, request._request.POST)
        return twiml_response(webhooks.twilio_voice_answer(data=data, form=self.form()))


class TwilioGatherView(TwilioWebhookView):
    answers_caller = True

    def post(self, request: Request) -> HttpResponse:
        query = parse(TwilioGatherQuerySerializer, request._request.GET)
        data = parse(TwilioGatherSerializer, request._request.POST)
        reply = webhooks.twilio_gather_answer(data=data, query=query, form=self.form(), raw_query=self.query())
        return twiml_response(reply)


class TwilioStatusView(TwilioWebhookView):
    def post(self, request: Request) -> HttpResponse:
        data = parse(TwilioStatusSerializer, request._request.POST)
        webhooks.twilio_status_accept(data=data, form=self.form(), raw_query=self.query())
        return HttpResponse(status=204)


class TwilioRecordingView(TwilioWebhookView):
    def post(self, request: Request) -> HttpResponse:
        data = parse(TwilioRecordingSerializer, request._request.POST)
        webhooks.twilio_recording_accept(data=data, form=self.form())
        return HttpResponse(status=204)
