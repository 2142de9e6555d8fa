"""Twilio webhooks: authenticate, parse, one service call, respond.

Signature first (403, empty body, nothing stored), then the shape (400
naming the bad fields, nothing stored), then the service, which stores the
delivery in the inbox and returns the TwiML to answer with.
"""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.request import Request

from calls.authentication import TwilioSignatureAuthentication
from calls.serializers import parse
from calls.serializers.twilio import (
    TwilioCallSerializer,
    TwilioGatherQuerySerializer,
    TwilioGatherSerializer,
    TwilioHandoffSerializer,
    TwilioPaySerializer,
    TwilioRecordingSerializer,
    TwilioReferSerializer,
    TwilioStatusSerializer,
)
from calls.services import twilio_webhooks
from calls.views.base import WebhookView


def twiml_response(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


class TwilioWebhookView(WebhookView):
    provider = "twilio"
    max_body_setting = "WEBHOOK_MAX_BODY_BYTES"
    rejected_status = 403
    authentication_classes = [TwilioSignatureAuthentication]

    def form(self) -> dict[str, str]:
        return self.request._request.POST.dict()

    def query(self) -> dict[str, str]:
        return self.request._request.GET.dict()


class TwilioVoiceView(TwilioWebhookView):
    answers_caller = True

    def post(self, request: Request) -> HttpResponse:
        data = parse(TwilioCallSerializer, request._request.POST)
        return twiml_response(twilio_webhooks.twilio_voice_answer(data=data, form=self.form()))


class TwilioGatherView(TwilioWebhookView):
    answers_caller = True

    def post(self, request: Request) -> HttpResponse:
        query = parse(TwilioGatherQuerySerializer, request._request.GET)
        data = parse(TwilioGatherSerializer, request._request.POST)
        reply = twilio_webhooks.twilio_gather_answer(data=data, query=query, form=self.form(), raw_query=self.query())
        return twiml_response(reply)


class TwilioPayView(TwilioWebhookView):
    answers_caller = True

    def post(self, request: Request) -> HttpResponse:
        data = parse(TwilioPaySerializer, request._request.POST)
        return twiml_response(twilio_webhooks.twilio_pay_answer(data=data))


class TwilioHandoffView(TwilioWebhookView):
    answers_caller = True

    def post(self, request: Request) -> HttpResponse:
        data = parse(TwilioHandoffSerializer, request._request.POST)
        return twiml_response(twilio_webhooks.twilio_handoff_answer(data=data, form=self.form()))


class TwilioReferView(TwilioWebhookView):
    answers_caller = True

    def post(self, request: Request) -> HttpResponse:
        data = parse(TwilioReferSerializer, request._request.POST)
        return twiml_response(twilio_webhooks.twilio_refer_answer(data=data, form=self.form()))


class TwilioStatusView(TwilioWebhookView):
    def post(self, request: Request) -> HttpResponse:
        data = parse(TwilioStatusSerializer, request._request.POST)
        twilio_webhooks.twilio_status_accept(data=data, form=self.form(), raw_query=self.query())
        return HttpResponse(status=204)


class TwilioRecordingView(TwilioWebhookView):
    def post(self, request: Request) -> HttpResponse:
        data = parse(TwilioRecordingSerializer, request._request.POST)
        twilio_webhooks.twilio_recording_accept(data=data, form=self.form())
        return HttpResponse(status=204)
