"""A stand-in for Twilio's REST API on loopback, for exercising the real
client (HTTP, auth, timeouts, error mapping) without the network.

It answers the calls the service makes (start a recording; pause, resume
and stop it; delete it) in Twilio's JSON shapes, keeps each recording's
status as Twilio would (a recording that has stopped or completed can't be
paused or resumed: 400, error 21220), and records every request it
receives with its arrival time. A test can queue error responses or
delays for the next requests, and end a recording as a hang-up would.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from tests.loopback import JsonHandler, LoopbackServer

START = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(CA\w+)/Recordings\.json$")
UPDATE = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(CA\w+)/Recordings/(RE\w+)\.json$")
DELETE = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Recordings/(RE\w+)\.json$")


@dataclass
class Received:
    method: str
    path: str
    form: dict[str, list[str]]
    authorization: str
    at: float = 0.0  # time.time() on arrival


@dataclass
class FakeTwilioApi(LoopbackServer):
    requests: list[Received] = field(default_factory=list)
    scripted: list[tuple[int, float]] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    # RecordingSid -> Twilio's status for it: in-progress, paused, stopped, completed.
    statuses: dict[str, str] = field(default_factory=dict)

    def finish(self, recording_sid: str) -> None:
        """The call ended: the recording is completed."""
        self.statuses[recording_sid] = "completed"

    def updates(self, recording_sid: str) -> list[str]:
        """The statuses asked for, in order, for one recording."""
        return [
            request.form["Status"][0]
            for request in self.requests
            if request.method == "POST" and request.path.endswith(f"/Recordings/{recording_sid}.json")
        ]

    def start(self) -> FakeTwilioApi:
        api = self

        class Handler(JsonHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode()) if length else {}
                api.requests.append(
                    Received(self.command, self.path, form, self.headers.get("Authorization", ""), time.time())
                )
                status, delay = api.scripted.pop(0) if api.scripted else (0, 0.0)
                time.sleep(delay)
                if status:
                    return self._reply(
                        status, {"code": 20500 if status >= 500 else 21220, "message": "scripted", "status": status}
                    )
                self._route(form)

            def _route(self, form: dict[str, list[str]]) -> None:
                if self.command == "POST" and (match := START.match(self.path)):
                    sid = "RE" + secrets.token_hex(16)
                    api.statuses[sid] = "in-progress"
                    return self._reply(
                        201,
                        {
                            "sid": sid,
                            "call_sid": match.group(2),
                            "account_sid": match.group(1),
                            "status": "in-progress",
                        },
                    )
                if self.command == "POST" and (match := UPDATE.match(self.path)):
                    return self._update(match.group(2), match.group(3), form)
                if self.command == "DELETE" and (match := DELETE.match(self.path)):
                    if match.group(2) in api.deleted:
                        return self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                    api.deleted.add(match.group(2))
                    return self._no_content()
                return self._reply(404, {"code": 20404, "message": "not found", "status": 404})

            def _update(self, call_sid: str, sid: str, form: dict[str, list[str]]) -> None:
                wanted = (form.get("Status") or [""])[0]
                current = api.statuses.get(sid, "in-progress")
                if wanted not in ("paused", "in-progress", "stopped"):
                    return self._reply(400, {"code": 21205, "message": "invalid status", "status": 400})
                if current in ("stopped", "completed"):
                    # Twilio refuses to change a recording that is no longer running.
                    return self._reply(400, {"code": 21220, "message": "Invalid call state", "status": 400})
                behavior = (form.get("PauseBehavior") or [""])[0]
                if wanted == "paused" and behavior not in ("", "skip", "silence"):
                    return self._reply(400, {"code": 21205, "message": "invalid pause behavior", "status": 400})
                api.statuses[sid] = wanted
                return self._reply(200, {"sid": sid, "call_sid": call_sid, "status": wanted})

            do_POST = do_DELETE = _handle  # noqa: N815

        self.serve(Handler)
        return self
