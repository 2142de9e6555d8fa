"""Every webhook answers alike with or without its trailing slash, and any
other path under /webhooks is a bare 404: under DEBUG as without it, nothing
a caller sent comes back in an answer.

The webhook paths are read from the URLconf, so a webhook added later is
tested here without being listed.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver

from calls.views.base import WebhookView
from tests.calls import vapi_messages as vapi
from tests.conftest import twilio_signature
from tests.factories import call_sid, recording_sid, twilio_call_params

pytestmark = pytest.mark.django_db

PHONE = "+14155550123"
CALLER = {"From": PHONE, "Caller": PHONE, "CallerName": "Margaret Hamilton", "Email": "margaret@example.com"}
# The caller's data as it could be echoed: plain, form-encoded, or in words.
TRACES = ("4155550123", "Margaret", "Hamilton", "margaret", "%2B1415", "%40example")
QUERY = urlencode({"step": "consent", "attempt": 1, "prompt": "2026-11-v1"})


def webhook_paths() -> list[tuple[str, str]]:
    """(path with its slash, provider) of every routed webhook view."""
    found: dict[str, str] = {}

    def walk(patterns: list, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is not None and issubclass(view_class, WebhookView):
                found["/" + (prefix + str(pattern.pattern)).rstrip("/") + "/"] = view_class.provider

    walk(get_resolver().url_patterns, "")
    return sorted(found.items())


WEBHOOKS = webhook_paths()


@pytest.fixture(params=[False, True], ids=["DEBUG off", "DEBUG on"])
def client(request, settings) -> Client:
    """A client that returns whatever the server answers, 500 pages included."""
    settings.DEBUG = request.param
    return Client(raise_request_exception=False)


class Rollback(Exception):
    pass


def delivery(provider: str) -> tuple[dict[str, str] | bytes, dict[str, str]]:
    """One signed-ready delivery carrying a caller's personal data."""
    if provider == "twilio":
        sid = call_sid()
        form = twilio_call_params(sid, CallStatus="in-progress", Digits="1", **CALLER)
        form.update(RecordingSid=recording_sid(), RecordingStatus="completed", RecordingDuration="3")
        return form, {}
    body = json.dumps(vapi.status_update(vapi.new_call(customer=PHONE), "in-progress")).encode()
    return body, vapi.signed_headers(body)


def send(client: Client, path: str, provider: str, payload, headers, *, signed_path: str | None = None):
    if provider == "twilio":
        url = f"{path}?{QUERY}"
        signature = twilio_signature(settings.PUBLIC_BASE_URL + (signed_path or path) + f"?{QUERY}", payload)
        return client.post(url, payload, HTTP_X_TWILIO_SIGNATURE=signature)
    return client.post(path, payload, content_type="application/json", **headers)


def answer(client: Client, path: str, provider: str, payload, headers, **options) -> tuple[int, str, bytes]:
    """Status, content type and body of one delivery; what it stored is
    rolled back, so the next delivery meets the same state."""
    try:
        with transaction.atomic():
            response = send(client, path, provider, payload, headers, **options)
            outcome = (response.status_code, response.get("Content-Type", ""), response.content)
            raise Rollback
    except Rollback:
        return outcome


def assert_no_traces(content: bytes) -> None:
    text = content.decode(errors="replace")
    assert not [trace for trace in TRACES if trace in text], text[:500]


def test_the_webhooks_are_found():
    assert {provider for _, provider in WEBHOOKS} == {"twilio", "vapi"}
    assert len(WEBHOOKS) >= 5


@pytest.mark.parametrize("path, provider", WEBHOOKS)
def test_a_webhook_answers_alike_with_or_without_its_slash(client, path, provider):
    payload, headers = delivery(provider)

    with_slash = answer(client, path, provider, payload, headers)
    without_slash = answer(client, path.rstrip("/"), provider, payload, headers)

    assert with_slash[0] < 500 and with_slash[0] not in (401, 403, 404), with_slash
    assert without_slash == with_slash
    assert_no_traces(without_slash[2])


@pytest.mark.parametrize("path", [path for path, provider in WEBHOOKS if provider == "twilio"])
def test_twilio_signatures_are_checked_against_the_path_requested(client, path):
    """A signature is valid for the URL Twilio was configured with, so a
    request signed for one spelling is refused at the other."""
    payload, _ = delivery("twilio")

    crossed = [
        answer(client, path.rstrip("/"), "twilio", payload, {}, signed_path=path),
        answer(client, path, "twilio", payload, {}, signed_path=path.rstrip("/")),
    ]

    assert [status for status, _, _ in crossed] == [403, 403]


@pytest.mark.parametrize("path, provider", WEBHOOKS)
@pytest.mark.parametrize("slash", [True, False], ids=["slash", "no slash"])
def test_unsigned_requests_to_either_spelling_echo_nothing(client, path, provider, slash):
    path = path if slash else path.rstrip("/")

    unsigned = client.post(f"{path}?{urlencode(CALLER)}", CALLER)
    fetched = client.get(path, CALLER)

    assert unsigned.status_code in (401, 403) and unsigned.content == b""
    assert fetched.status_code in (401, 403, 405)
    assert_no_traces(fetched.content)


@pytest.mark.parametrize(
    "path",
    ["/webhooks", "/webhooks/", "/webhooks/twilio", "/webhooks/twilio/", "/webhooks/twilio/voice/extra",
     "/webhooks/twilio/unknown", "/webhooks/vapi/x", "/webhooks/other/"],
)  # fmt: skip
def test_other_paths_under_webhooks_get_a_bare_404(client, path):
    posted = client.post(f"{path}?{urlencode(CALLER)}", CALLER)
    fetched = client.get(path, CALLER)

    assert (posted.status_code, posted.content) == (404, b"")
    assert (fetched.status_code, fetched.content) == (404, b"")
