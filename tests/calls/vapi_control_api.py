"""A stand-in for Vapi's Live Call Control on loopback: a call's control URL
is ``<origin>/<call id>/control``, and a POST there acts on the live call.

It records every request it receives (path, headers, body) and answers
200, or, for the next requests, what ``scripted`` says: a status, after a
delay (a status of 0 answers 200 after the delay). A call in ``ended``
answers 404, as Vapi does once the call is over.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from tests.loopback import JsonHandler, LoopbackServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class FakeCallControl(LoopbackServer):
    requests: list[Received] = field(default_factory=list)
    scripted: list[tuple[int, float]] = field(default_factory=list)
    ended: set[str] = field(default_factory=set)

    def start(self) -> FakeCallControl:
        control = self

        class Handler(JsonHandler):
            def _record(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                control.requests.append(Received(method, self.path, dict(self.headers), self.rfile.read(length)))

            def do_POST(self) -> None:  # noqa: N802
                self._record("POST")
                status, delay = control.scripted.pop(0) if control.scripted else (0, 0.0)
                time.sleep(delay)
                if status in (301, 302, 303, 307, 308):
                    self.send_response(status)
                    self.send_header("Location", f"{control.url}/elsewhere/control")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if status:
                    return self._reply(status, {"statusCode": status, "message": "scripted"})
                call_id = self.path.strip("/").split("/")[0]
                if not self.path.endswith("/control") or call_id in control.ended:
                    return self._reply(404, {"statusCode": 404, "message": "Not Found"})
                return self._reply(200, {"status": "ok"})

            def do_GET(self) -> None:  # noqa: N802
                self._record("GET")
                return self._reply(405, {"statusCode": 405})

        self.serve(Handler)
        return self

    def control_url(self, call_id: str) -> str:
        return f"{self.url}/{call_id}/control"

    @property
    def posts(self) -> list[Received]:
        return [request for request in self.requests if request.method == "POST"]
