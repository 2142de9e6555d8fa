from __future__ import annotations

from django.urls import URLPattern, path

from calls.views import twilio


def webhook(route: str, view: object, name: str) -> list[URLPattern]:
    """A webhook at ``route/`` and at ``route``, answered alike.

    Twilio signs the exact URL it was configured with, and the signature is
    checked against the path actually requested, so both spellings verify.
    Without the slash-less route, Django's APPEND_SLASH would redirect a POST
    (a 301 that loses the body) or, under DEBUG, fail with a page that
    echoes the form. ``reverse`` gives the first: the slash, as before.
    """
    return [path(f"{route}/", view, name=name), path(route, view)]


urlpatterns = [
    *webhook("voice", twilio.TwilioVoiceView.as_view(), "twilio-voice"),
    *webhook("gather", twilio.TwilioGatherView.as_view(), "twilio-gather"),
    *webhook("status", twilio.TwilioStatusView.as_view(), "twilio-status"),
    *webhook("recording", twilio.TwilioRecordingView.as_view(), "twilio-recording"),
    *webhook("pay", twilio.TwilioPayView.as_view(), "twilio-pay"),
    *webhook("handoff", twilio.TwilioHandoffView.as_view(), "twilio-handoff"),
    *webhook("refer", twilio.TwilioReferView.as_view(), "twilio-refer"),
]
