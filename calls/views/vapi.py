"""Vapi's server URL: authenticate, parse, one service call, respond.

The credential is checked on the raw body first (401, empty body, nothing
stored), then the body must be a JSON object ``{"message": {...}}`` of
bounded size (400 naming the bad fields, or 413), then the service answers.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from calls.authentication import VapiAuthentication
from calls.serializers import parse
from calls.serializers.vapi import EnvelopeSerializer
from calls.services import vapi_webhooks
from calls.views.base import WebhookView
from contactcenter.parsers import BoundedJSONParser


class VapiWebhookView(WebhookView):
    provider = "vapi"
    max_body_setting = "VAPI_MAX_BODY_BYTES"
    rejected_status = 401
    authentication_classes = [VapiAuthentication]
    parser_classes = [BoundedJSONParser]

    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"message": ["required"]})
        envelope = parse(EnvelopeSerializer, request.data)
        return Response(vapi_webhooks.vapi_answer(message=envelope["message"]))
