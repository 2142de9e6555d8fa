"""A stand-in for Vapi's REST API on loopback, for exercising the real
client (HTTP, auth, timeouts, error mapping) without the network.

It answers ``DELETE /call/{id}`` with the deleted call, as Vapi does, and
records every request it receives, path as sent. A test can queue answers
for the next requests: a status, and the id the answer names.

It answers ``GET /call/{id}/{mono,stereo}-recording`` as Vapi does: a 302
to a short-lived signed URL on its storage (``storage``, a
``FakeMediaStorage`` from tests/twilio_api.py), for the recordings in
``recordings``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tests.loopback import JsonHandler, LoopbackServer

RECORDING = re.compile(r"^/call/([^/]+)/(mono|stereo)-recording$")


@dataclass
class FakeVapiApi(LoopbackServer):
    paths: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    # (status, id named in the answer; None: the id requested)
    scripted: list[tuple[int, str | None]] = field(default_factory=list)
    # (call id, kind) of the recordings Vapi has, and the storage they are redirected to.
    recordings: set[tuple[str, str]] = field(default_factory=set)
    storage: str = ""
    key: str = "test-vapi-api-key"  # the private API key it accepts for recordings
    ranges: list[str] = field(default_factory=list)

    def start(self) -> FakeVapiApi:
        api = self

        class Handler(JsonHandler):
            def do_DELETE(self) -> None:  # noqa: N802
                api.paths.append(self.path)
                api.authorizations.append(self.headers.get("Authorization", ""))
                call_id = self.path.removeprefix("/call/")
                status, named = api.scripted.pop(0) if api.scripted else (200, None)
                if status != 200:
                    return self._reply(status, {"statusCode": status, "message": "scripted"})
                if not self.path.startswith("/call/") or call_id in api.deleted:
                    return self._reply(404, {"statusCode": 404, "message": "Not Found"})
                api.deleted.add(call_id)
                return self._reply(200, {"id": named or call_id, "orgId": "org", "status": "ended"})

            def do_GET(self) -> None:  # noqa: N802
                api.paths.append(self.path)
                api.authorizations.append(self.headers.get("Authorization", ""))
                api.ranges.append(self.headers.get("Range", ""))
                status, _ = api.scripted.pop(0) if api.scripted else (200, None)
                if status != 200:
                    return self._reply(status, {"statusCode": status, "message": "scripted"})
                match = RECORDING.match(self.path)
                if not match or match.groups() not in api.recordings or match.group(1) in api.deleted:
                    return self._reply(404, {"statusCode": 404, "message": "Not Found"})
                if self.headers.get("Authorization") != f"Bearer {api.key}":
                    return self._reply(401, {"statusCode": 401, "message": "Unauthorized"})
                self.send_response(302)
                self.send_header(
                    "Location", f"{api.storage}/{match.group(1)}-{match.group(2)}.wav?X-Amz-Signature=s3cr3t-signature"
                )
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.serve(Handler)
        return self
