"""Playing a recording in a real browser: a compliance officer signs in
(password and TOTP code), presses Play (audited), the audio element loads
the recording through this site and seeks in it; a supervisor sees no
Play button.

Debian's Chromium, driven by Playwright through ``executable_path``, as in
tests/compliance/test_admin_browser.py. Twilio's API and its storage are
loopback stand-ins. Screenshots are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import re

import pytest

from calls.models import Provider, Recording
from compliance import roles
from compliance.models import AuditEvent
from tests.browser import SHOTS, needs_chromium, sign_in, staff_with_device
from tests.factories import CallFactory, recording_sid
from tests.twilio_api import FakeMediaStorage, wav_tone

# Ten minutes (19 MB): far more than the player reads ahead while it loads
# the metadata, so a seek near the end is a request for a range from there.
MINUTES = 10
WAV = wav_tone(seconds=MINUTES * 60)
SEEK_TO = (MINUTES - 1) * 60.0
BYTES_A_SECOND = 8000 * 2 * 2  # 8 kHz, two channels, 16-bit

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def storage():
    server = FakeMediaStorage().start()
    yield server
    server.stop()


def range_start(header: str) -> int:
    match = re.fullmatch(r"bytes=(\d+)-\d*", header)
    return int(match.group(1)) if match else 0


def test_an_officer_plays_and_seeks_a_recording_and_a_supervisor_cannot(
    browser_page, live_server, settings, twilio_api, storage
):
    settings.ADMIN_REQUIRE_OTP = True
    officer, officer_device = staff_with_device("officer", roles.COMPLIANCE_OFFICER)
    _, supervisor_device = staff_with_device("supervisor", roles.SUPERVISOR)
    sid = recording_sid()
    twilio_api.media[sid] = WAV
    twilio_api.media_redirect = storage.url
    storage.files[f"/{sid}.wav"] = WAV
    recording = Recording.objects.create(
        recording_sid=sid, call=CallFactory(), provider=Provider.TWILIO, status=Recording.Status.COMPLETED,
        duration_seconds=MINUTES * 60, channels=2, media_url=f"https://api.twilio.com/2010-04-01/Accounts/ACfeed/Recordings/{sid}",
    )  # fmt: skip
    page = browser_page
    recording_page = f"{live_server.url}/admin/calls/recording/{recording.pk}/change/"

    # 1. The officer opens the recording: a Play button, no player yet.
    sign_in(page, live_server, "officer", officer_device)
    page.goto(recording_page)
    page.wait_for_selector("#play-recording")
    page.screenshot(path=str(SHOTS / "playback-1-recording.png"), full_page=True)
    assert page.locator("#recording-player").count() == 0

    # 2. Play (audited): the player loads the audio through this site.
    page.click("#play-recording")
    page.wait_for_selector("#recording-player")
    page.wait_for_function(
        "() => { const a = document.querySelector('#recording-player'); return a.readyState >= 1 && a.duration > 0; }"
    )
    duration = page.evaluate("() => document.querySelector('#recording-player').duration")
    assert abs(duration - MINUTES * 60) < 0.5
    src = page.get_attribute("#recording-player", "src")
    assert src.startswith(f"/admin/calls/recording/{recording.pk}/audio/?grant=")
    content = page.content()
    for secret in (storage.url, twilio_api.url, recording.media_url, settings.TWILIO_AUTH_TOKEN):
        assert secret not in content

    # 3. Seek near the end: the player asks for a range from about there, and the storage serves it (206).
    page.evaluate(f"() => {{ document.querySelector('#recording-player').currentTime = {SEEK_TO}; }}")
    page.wait_for_function(
        f"""() => {{
            const a = document.querySelector('#recording-player');
            return !a.seeking && a.readyState >= 2 && Math.abs(a.currentTime - {SEEK_TO}) < 1;
        }}"""
    )
    page.screenshot(path=str(SHOTS / "playback-2-player.png"), full_page=True)
    served = [(range_start(request.range), request.status) for request in storage.requests]
    near_the_seek = (SEEK_TO - 60) * BYTES_A_SECOND
    assert any(start >= near_the_seek and status == 206 for start, status in served), served
    # The storage never saw Twilio's credentials.
    assert {request.authorization for request in storage.requests} == {""}

    # 4. One play in the audit trail, under the officer's name, however many requests the player made.
    (event,) = AuditEvent.objects.filter(action="recording.played")
    assert (event.actor_id, event.object_repr, event.details["recording_sid"]) == (
        officer.pk, recording.call.call_sid, sid,
    )  # fmt: skip

    # 5. A supervisor sees the recording, and nothing of playback.
    page.context.clear_cookies()
    sign_in(page, live_server, "supervisor", supervisor_device)
    page.goto(recording_page)
    page.wait_for_selector("#content")
    page.screenshot(path=str(SHOTS / "playback-3-supervisor.png"), full_page=True)
    assert sid in page.content()
    assert page.locator("#play-recording").count() == 0 and page.locator("#playback").count() == 0
    assert page.request.get(f"{live_server.url}{src}").status == 403
