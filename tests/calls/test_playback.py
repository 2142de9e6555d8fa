"""Playing a recording in the admin: who may, what is audited, and what
reaches the browser. The audio comes from loopback stand-ins for Twilio's
API, Vapi's API and their storage, over real HTTP, Range and all."""

from __future__ import annotations

import base64
import html
import json
import re
import time
import uuid
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from calls.integrations import vapi
from calls.models import Call, Provider, Recording
from calls.services.playback import PLAY_GRANT_SALT, PLAY_GRANT_SECONDS, RANGE_MAX_BYTES, recording_play_grant
from compliance import roles
from compliance.models import AuditEvent
from tests.factories import CallFactory, recording_sid, staff_member
from tests.loopback import free_port
from tests.twilio_api import FakeMediaStorage, wav_tone
from tests.vapi_api import FakeVapiApi

pytestmark = pytest.mark.django_db

PLAYER = re.compile(r'<audio[^>]*id="recording-player"[^>]*src="([^"]+)"')


WAV = wav_tone(seconds=1)


@pytest.fixture
def storage() -> Iterator[FakeMediaStorage]:
    """The provider's storage, where its API redirects media requests."""
    server = FakeMediaStorage().start()
    yield server
    server.stop()


@pytest.fixture
def elsewhere() -> Iterator[FakeMediaStorage]:
    """A host no provider's recording should ever be fetched from."""
    server = FakeMediaStorage().start()
    yield server
    server.stop()


@pytest.fixture
def vapi_api(settings, storage) -> Iterator[FakeVapiApi]:
    """Vapi's API on loopback, redirecting to the storage under the name
    "localhost", the one host allowed (127.0.0.1, the same server, is not)."""
    api = FakeVapiApi().start()
    api.storage = storage.url.replace("127.0.0.1", "localhost")
    settings.VAPI_API_BASE_URL = api.url
    settings.VAPI_HTTP_TIMEOUT_SECONDS = 2
    settings.VAPI_RECORDING_HOSTS = ["localhost"]
    yield api
    api.stop()


@pytest.fixture
def officer(client):
    user = staff_member("officer", roles.COMPLIANCE_OFFICER)
    client.force_login(user)
    return user


def twilio_recording(twilio_api, **fields: object) -> Recording:
    sid = recording_sid()
    twilio_api.media[sid] = WAV
    values = {
        "recording_sid": sid, "call": CallFactory(), "provider": Provider.TWILIO, "status": Recording.Status.COMPLETED,
        "media_url": f"https://api.twilio.com/2010-04-01/Accounts/ACfeed/Recordings/{sid}",
    }  # fmt: skip
    return Recording.objects.create(**{**values, **fields})


def vapi_recording(vapi_api, storage, kind: str = "stereo") -> Recording:
    call_id = str(uuid.uuid4())
    vapi_api.recordings.add((call_id, kind))
    storage.files[f"/{call_id}-{kind}.wav"] = WAV
    return Recording.objects.create(
        recording_sid=f"vapi:{call_id}:{kind}", call=CallFactory(call_sid=f"vapi:{call_id}", provider=Provider.VAPI),
        provider=Provider.VAPI, status=Recording.Status.COMPLETED,
        media_url=f"https://storage.vapi.ai/{call_id}-{kind}.wav",
    )  # fmt: skip


def play(client, recording: Recording):
    return client.post(reverse("admin:calls_recording_play", args=[recording.pk]), follow=True)


def player_src(response) -> str:
    match = PLAYER.search(response.content.decode())
    assert match, "the page has no player"
    return html.unescape(match.group(1))


def listen(client, src: str, byte_range: str | None = "bytes=0-") -> tuple[object, bytes]:
    """GET the audio as a browser's player does (its first request asks for
    "bytes=0-"); the response and its body. Reading a streamed body to its
    end closes it, and the provider's stream."""
    response = client.get(src, **({"HTTP_RANGE": byte_range} if byte_range is not None else {}))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def plays() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="recording.played"))


def media_requests(twilio_api) -> list:
    return [request for request in twilio_api.requests if request.method == "GET"]


def grant_for(user, recording: Recording, *, age: float = 0) -> str:
    """A grant signed as the service signs them, ``age`` seconds old, for a
    person who could not get one through the admin."""

    class Backdated(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time() - age))

    return Backdated(salt=PLAY_GRANT_SALT).sign_object({"user": user.pk, "recording": recording.pk, "play": 1})


def audio_url(recording: Recording, grant: str) -> str:
    return f"{reverse('admin:calls_recording_audio', args=[recording.pk])}?grant={grant}"


# --- Who may play ---------------------------------------------------------------------------


def test_only_the_compliance_officer_role_holds_the_permission():
    holders = {
        name for name in roles.ROLES if Group.objects.get(name=name).permissions.filter(codename="play_recording")
    }

    assert holders == {roles.COMPLIANCE_OFFICER}


@pytest.mark.parametrize(
    "role, page_status", [(roles.SUPERVISOR, 200), (roles.AUDITOR, 403)], ids=["supervisor", "auditor"]
)
def test_a_role_without_the_permission_sees_nothing_of_playback_and_is_refused_by_both_endpoints(
    client, twilio_api, role, page_status
):
    user = staff_member("someone", role)
    client.force_login(user)
    recording = twilio_recording(twilio_api)

    page = client.get(reverse("admin:calls_recording_change", args=[recording.pk]))
    granted = client.post(reverse("admin:calls_recording_play", args=[recording.pk]))
    streamed, _ = listen(client, audio_url(recording, grant_for(user, recording)))

    assert page.status_code == page_status
    content = page.content.decode()
    assert "play-recording" not in content and "recording-player" not in content and 'id="playback"' not in content
    assert granted.status_code == streamed.status_code == 403
    assert plays() == [] and media_requests(twilio_api) == []


def test_the_officer_sees_the_play_button_and_no_player_before_pressing_it(client, officer, twilio_api):
    recording = twilio_recording(twilio_api)

    page = client.get(reverse("admin:calls_recording_change", args=[recording.pk])).content.decode()

    assert 'id="play-recording"' in page and "Play (audited)" in page
    assert "recording-player" not in page
    assert plays() == [] and media_requests(twilio_api) == []


def test_the_audio_endpoint_is_behind_the_second_factor(client, officer, twilio_api, settings):
    """admin_view guards it: signed in with a password only, nothing plays."""
    settings.ADMIN_REQUIRE_OTP = True
    recording = twilio_recording(twilio_api)
    grant = recording_play_grant(recording=recording, user=officer)

    response, _ = listen(client, audio_url(recording, grant))

    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert media_requests(twilio_api) == []


# --- What a play is ---------------------------------------------------------------------------


def test_a_play_is_one_audit_event_naming_who_and_which_recording(client, officer, twilio_api):
    recording = twilio_recording(twilio_api)
    before = timezone.now()

    page = play(client, recording)

    assert page.status_code == 200
    assert player_src(page).startswith(reverse("admin:calls_recording_audio", args=[recording.pk]) + "?grant=")
    (event,) = plays()
    assert (event.actor_id, event.actor_name) == (officer.pk, "officer")
    call_sid = Call.objects.get().call_sid
    assert (event.object_type, event.object_id, event.object_repr) == ("recording", str(recording.pk), call_sid)
    assert event.details == {"recording_sid": recording.recording_sid, "provider": "twilio"}
    assert before <= event.occurred_at <= timezone.now()
    # Granting asks nothing of the provider; the player does, through this site.
    assert media_requests(twilio_api) == []


def test_seeking_is_not_another_play(client, officer, twilio_api):
    recording = twilio_recording(twilio_api)
    src = player_src(play(client, recording))

    seeks = ("bytes=0-", "bytes=2000-", "bytes=-500")

    answers = [listen(client, src, byte_range)[0].status_code for byte_range in seeks]

    assert answers == [206, 206, 206]
    assert len(plays()) == 1
    assert [request.range for request in media_requests(twilio_api)] == [
        f"bytes=0-{RANGE_MAX_BYTES - 1}", f"bytes=2000-{2000 + RANGE_MAX_BYTES - 1}", "bytes=-500",
    ]  # fmt: skip


def test_an_open_range_is_answered_in_parts_the_player_follows(client, officer, twilio_api):
    """A paused player never holds a web thread for the rest of a long recording."""
    long = wav_tone(seconds=70)  # 2.2 MB: more than one part
    recording = twilio_recording(twilio_api)
    twilio_api.media[recording.recording_sid] = long
    src = player_src(play(client, recording))

    first, first_body = listen(client, src, "bytes=0-")
    rest, rest_body = listen(client, src, f"bytes={RANGE_MAX_BYTES}-")

    assert first.status_code == rest.status_code == 206
    assert first["Content-Range"] == f"bytes 0-{RANGE_MAX_BYTES - 1}/{len(long)}"
    assert rest["Content-Range"] == f"bytes {RANGE_MAX_BYTES}-{len(long) - 1}/{len(long)}"
    assert first_body + rest_body == long


def test_pressing_play_again_is_another_audited_play(client, officer, twilio_api):
    recording = twilio_recording(twilio_api)

    first, second = player_src(play(client, recording)), player_src(play(client, recording))

    assert first != second
    assert len(plays()) == 2


# --- The audio -----------------------------------------------------------------------------------


def test_a_range_is_passed_through_and_the_bytes_are_the_files(client, officer, twilio_api, settings):
    recording = twilio_recording(twilio_api)
    src = player_src(play(client, recording))

    part, part_body = listen(client, src, "bytes=100-1099")
    whole, whole_body = listen(client, src)  # "bytes=0-": all of it, as it is under RANGE_MAX_BYTES

    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-1099/{len(WAV)}"
    assert (part["Content-Length"], part["Accept-Ranges"], part["Content-Type"]) == ("1000", "bytes", "audio/x-wav")
    assert "no-store" in part["Cache-Control"]
    assert part_body == WAV[100:1100]
    assert whole.status_code == 206 and whole_body == WAV and whole["Content-Length"] == str(len(WAV))
    # With Twilio's credentials, to Twilio's API, for the WAV file.
    credentials = base64.b64encode(f"{settings.TWILIO_ACCOUNT_SID}:{settings.TWILIO_AUTH_TOKEN}".encode()).decode()
    media = media_requests(twilio_api)
    assert {request.authorization for request in media} == {f"Basic {credentials}"}
    account, sid = settings.TWILIO_ACCOUNT_SID, recording.recording_sid
    assert media[0].path == f"/2010-04-01/Accounts/{account}/Recordings/{sid}.wav"


def test_twilios_redirect_to_its_storage_is_followed_without_the_credentials(client, officer, twilio_api, storage):
    recording = twilio_recording(twilio_api)
    twilio_api.media_redirect = storage.url
    storage.files[f"/{recording.recording_sid}.wav"] = WAV
    src = player_src(play(client, recording))

    response, body = listen(client, src, "bytes=44-143")

    assert response.status_code == 206 and body == WAV[44:144]
    assert media_requests(twilio_api)[0].authorization.startswith("Basic ")
    ((fetched),) = storage.requests
    assert (fetched.authorization, fetched.range, fetched.status) == ("", "bytes=44-143", 206)
    # Nothing of where the audio came from reaches the browser.
    headers = json.dumps(dict(response.items()))
    for secret in (storage.url, twilio_api.url, "Signature", "s3cr3t", "storage-session", "X-Storage-Location"):
        assert secret not in headers
    assert "Location" not in response and "Set-Cookie" not in response


@pytest.mark.parametrize(
    "header",
    [None, "bytes=abc", "bytes=5-2", "items=0-1", "bytes=0-1,5-6", "bytes=-0", "bytes=" + "9" * 40 + "-", "bytes"],
)
def test_no_single_valid_range_is_a_416_without_the_provider(client, officer, twilio_api, header):
    """The whole file in one answer would hold a web thread for as long as
    the recording lasts: a player always asks for a range."""
    src = player_src(play(client, twilio_recording(twilio_api)))

    response, body = listen(client, src, header)

    assert response.status_code == 416 and b"byte range" in body
    assert media_requests(twilio_api) == []


def test_the_last_bytes_asked_for_are_at_most_one_answers_worth(client, officer, twilio_api):
    src = player_src(play(client, twilio_recording(twilio_api)))

    response, body = listen(client, src, "bytes=-999999999")

    assert response.status_code == 206 and body == WAV  # all of it: smaller than one answer's worth
    assert media_requests(twilio_api)[-1].range == f"bytes=-{RANGE_MAX_BYTES}"


def test_a_range_past_the_end_is_the_providers_416(client, officer, twilio_api):
    src = player_src(play(client, twilio_recording(twilio_api)))

    response, body = listen(client, src, f"bytes={len(WAV) + 10}-")

    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{len(WAV)}" and body == b""


def test_the_page_and_the_audio_hold_nothing_of_the_provider(client, officer, twilio_api, settings):
    recording = twilio_recording(twilio_api)

    page = play(client, recording)
    response, _ = listen(client, player_src(page), "bytes=0-99")

    shown = page.content.decode() + json.dumps(dict(response.items()))
    for secret in (
        recording.media_url, twilio_api.url, "api.twilio.com", settings.TWILIO_AUTH_TOKEN, settings.TWILIO_ACCOUNT_SID,
        "s3cr3t",
    ):  # fmt: skip
        assert secret not in shown


# --- Grants ---------------------------------------------------------------------------------------


def test_a_grant_is_good_only_for_its_person_and_its_recording(client, officer, twilio_api):
    recording, other_recording = twilio_recording(twilio_api), twilio_recording(twilio_api)
    grant = player_src(play(client, recording)).split("grant=")[1]
    colleague = staff_member("colleague", roles.COMPLIANCE_OFFICER)

    on_other_recording, _ = listen(client, audio_url(other_recording, grant))
    forged, _ = listen(client, audio_url(recording, grant[:-2] + "xx"))
    without, _ = listen(client, reverse("admin:calls_recording_audio", args=[recording.pk]))
    client.force_login(colleague)
    by_colleague, _ = listen(client, audio_url(recording, grant))

    assert [r.status_code for r in (on_other_recording, forged, without, by_colleague)] == [403] * 4
    assert media_requests(twilio_api) == []


def test_an_expired_grant_is_refused(client, officer, twilio_api):
    recording = twilio_recording(twilio_api)

    fresh, _ = listen(client, audio_url(recording, grant_for(officer, recording, age=PLAY_GRANT_SECONDS - 60)))
    expired, _ = listen(client, audio_url(recording, grant_for(officer, recording, age=PLAY_GRANT_SECONDS + 1)))

    assert (fresh.status_code, expired.status_code) == (206, 403)
    assert len(media_requests(twilio_api)) == 1


def test_a_missing_recording_is_a_404_without_the_provider(client, officer, twilio_api):
    recording = twilio_recording(twilio_api)
    grant = recording_play_grant(recording=recording, user=officer)
    url = audio_url(recording, grant)
    recording.delete()

    response, _ = listen(client, url)

    assert response.status_code == 404 and media_requests(twilio_api) == []


# --- What can't be played ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, said",
    [
        ({"deleted_at": timezone.now()}, "deleted"),
        ({"status": Recording.Status.DELETED}, "deleted"),
        ({"deletion_requested_at": timezone.now()}, "deletion has been requested"),
        ({"status": Recording.Status.IN_PROGRESS}, "no audio"),
    ],
    ids=["deleted", "status-deleted", "deletion-requested", "in-progress"],
)
def test_a_recording_that_cant_be_played_says_why_and_no_provider_is_asked(client, officer, twilio_api, change, said):
    recording = twilio_recording(twilio_api)
    grant = recording_play_grant(recording=recording, user=officer)
    Recording.objects.filter(pk=recording.pk).update(**change)

    page = client.get(reverse("admin:calls_recording_change", args=[recording.pk])).content.decode()
    pressed = play(client, recording)
    streamed, body = listen(client, audio_url(recording, grant))

    assert said in page and 'id="play-recording"' not in page
    assert said in pressed.content.decode() and "recording-player" not in pressed.content.decode()
    assert streamed.status_code == 410 and said in body.decode()
    assert len(plays()) == 1  # the grant made before; the refused press audits nothing
    assert media_requests(twilio_api) == []


# --- When the provider fails ------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503, 429, 403])
def test_a_provider_failure_is_a_clean_502(client, officer, twilio_api, status):
    src = player_src(play(client, twilio_recording(twilio_api)))
    twilio_api.scripted.append((status, 0.0))

    response, body = listen(client, src, "bytes=0-")

    assert response.status_code == 502
    assert body.decode() == "The provider did not send the recording; try again later."
    assert response["Content-Type"].startswith("text/plain")
    assert (
        len(plays()) == 1
        and AuditEvent.objects.exclude(action="recording.played").filter(action__startswith="recording.").count() == 0
    )


def test_a_provider_that_cant_be_reached_is_a_clean_502(client, officer, twilio_api, settings):
    src = player_src(play(client, twilio_recording(twilio_api)))
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    response, body = listen(client, src)

    assert response.status_code == 502 and body.decode() == "The provider did not send the recording; try again later."


def test_missing_twilio_credentials_are_said_plainly_and_audit_nothing(client, officer, twilio_api, settings):
    recording = twilio_recording(twilio_api)
    grant = recording_play_grant(recording=recording, user=officer)
    settings.TWILIO_AUTH_TOKEN = ""

    pressed = play(client, recording).content.decode()
    streamed, body = listen(client, audio_url(recording, grant))

    assert "credentials (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN) are not configured" in pressed
    assert "recording-player" not in pressed
    assert streamed.status_code == 503 and body.decode() == "Recording playback is not configured for this provider."
    assert len(plays()) == 1 and media_requests(twilio_api) == []


# --- Vapi ---------------------------------------------------------------------------------------


def test_a_vapi_recording_is_asked_of_vapis_api_and_read_from_its_storage_without_the_key(
    client, officer, vapi_api, storage, settings
):
    recording = vapi_recording(vapi_api, storage)
    call_id = recording.recording_sid.split(":")[1]
    src = player_src(play(client, recording))

    response, body = listen(client, src, "bytes=1000-1999")

    assert response.status_code == 206 and body == WAV[1000:2000]
    assert vapi_api.paths == [f"/call/{call_id}/stereo-recording"]
    assert vapi_api.authorizations == [f"Bearer {settings.VAPI_API_KEY}"]
    ((fetched),) = storage.requests
    assert (fetched.path.split("?")[0], fetched.authorization, fetched.range) == (
        f"/{call_id}-stereo.wav",
        "",
        "bytes=1000-1999",
    )
    assert plays()[0].details == {"recording_sid": recording.recording_sid, "provider": "vapi"}


def test_a_vapi_redirect_to_a_host_not_allowed_is_not_followed(client, officer, vapi_api, storage, elsewhere):
    recording = vapi_recording(vapi_api, storage)
    elsewhere.files.update(storage.files)
    vapi_api.storage = elsewhere.url  # 127.0.0.1: not in VAPI_RECORDING_HOSTS
    src = player_src(play(client, recording))

    response, body = listen(client, src)

    assert response.status_code == 502 and body.decode() == "The provider did not send the recording; try again later."
    assert elsewhere.requests == [] and storage.requests == []


def test_the_url_a_vapi_report_stored_is_never_fetched(client, officer, vapi_api, storage, elsewhere):
    recording = vapi_recording(vapi_api, storage)
    elsewhere.files["/planted.wav"] = WAV
    Recording.objects.filter(pk=recording.pk).update(media_url=f"{elsewhere.url}/planted.wav")
    src = player_src(play(client, recording))

    response, body = listen(client, src)

    assert response.status_code == 206 and body == WAV
    assert elsewhere.requests == [] and len(storage.requests) == 1


def test_a_missing_vapi_key_is_said_plainly(client, officer, vapi_api, storage, settings):
    recording = vapi_recording(vapi_api, storage)
    settings.VAPI_API_KEY = ""

    pressed = play(client, recording).content.decode()

    assert "VAPI_API_KEY" in pressed and "recording-player" not in pressed
    assert plays() == [] and vapi_api.paths == []


@pytest.mark.parametrize(
    "host, allowed",
    [
        ("storage.vapi.ai", True), ("vapi.ai", True), ("STORAGE.VAPI.AI.", True), ("files.example.com", True),
        ("evilvapi.ai", False), ("vapi.ai.example.net", False), ("x.files.example.com", False), ("", False),
        ("169.254.169.254", False), ("localhost", False),
    ],
)  # fmt: skip
def test_the_vapi_host_allow_list_matches_a_name_or_a_domain_and_nothing_else(settings, host, allowed):
    settings.VAPI_RECORDING_HOSTS = [".vapi.ai", "files.example.com"]

    assert vapi.recording_host_allowed(host) is allowed
