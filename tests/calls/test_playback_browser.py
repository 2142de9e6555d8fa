"""Playing a recording in a real browser: a compliance officer signs in
(password and TOTP code), presses Play (audited), the audio element loads
the recording through this site and seeks in it; a supervisor sees no
Play button.

Debian's Chromium, driven by Playwright through ``executable_path``, as in
tests/compliance/test_admin_browser.py. Twilio's API and its storage are
loopback stand-ins. Screenshots are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import connections
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from calls.models import Provider, Recording
from compliance import roles
from compliance.models import AuditEvent
from tests.factories import CallFactory, recording_sid
from tests.twilio_api import FakeMediaStorage, wav_tone

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# No sandbox (CI runs as root), and nothing that reaches for the network.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PASSWORD = "officer-password-2026"
# Ten minutes (19 MB): far more than the player reads ahead while it loads
# the metadata, so a seek near the end is a request for a range from there.
MINUTES = 10
WAV = wav_tone(seconds=MINUTES * 60)
SEEK_TO = (MINUTES - 1) * 60.0
BYTES_A_SECOND = 8000 * 2 * 2  # 8 kHz, two channels, 16-bit

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary (apt-get install chromium; .ci/run does)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser_page():
    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # the test makes between browser steps are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()
        # Django keeps a connection per context, and the ORM calls made while
        # Playwright's loop runs are in a context of their own: close that
        # connection here, in the same context, or it outlives the test and
        # holds the test database open.
        connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def storage():
    server = FakeMediaStorage().start()
    yield server
    server.stop()


def staff_with_device(username: str, role: str) -> tuple[User, TOTPDevice]:
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def sign_in(page, live_server, username: str, device: TOTPDevice) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", f"{totp(device.bin_key):06d}")
    page.click("input[type=submit][value='Log in']")
    page.wait_for_selector("#site-name")


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
