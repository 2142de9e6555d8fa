"""Vapi's server URL: authenticate, parse, one service call, respond.

The credential is checked on the raw body first (401, empty body, nothing
stored), then the body must be a JSON object ``{"message": {...}}`` of
bounded size (400 naming the bad fields, or 413), then the service answers.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from calls.authentication import VapiAuthentication
from calls.serializers import parse
from calls.serializers.vapi import EnvelopeSerializer
from calls.services import vapi_webhooks
from calls.views.base import WebhookView

MAX_JSON_DEPTH = 64


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing documents nested deeper than
    MAX_JSON_DEPTH: Python's decoder fails on very deep nesting with a
    RecursionError (not a parse error), and nothing Vapi sends nests
    beyond a dozen levels."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON nested too deeply.") from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise exceptions.ParseError("JSON nested too deeply.")
        return data


def _depth(value: Any) -> int:
    """How deep lists and objects nest in a decoded document, without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_JSON_DEPTH:
            pending.extend((child, depth + 1) for child in node)
    return deepest


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
