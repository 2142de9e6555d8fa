from __future__ import annotations

from django.urls import path

from calls.views import twilio

urlpatterns = [
    path("voice/", twilio.TwilioVoiceView.as_view(), name="twilio-voice"),
    path("gather/", twilio.TwilioGatherView.as_view(), name="twilio-gather"),
    path("status/", twilio.TwilioStatusView.as_view(), name="twilio-status"),
    path("recording/", twilio.TwilioRecordingView.as_view(), name="twilio-recording"),
]
