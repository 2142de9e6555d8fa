"""A stand-in for Twilio's REST API on loopback, for exercising the real
client (HTTP, auth, timeouts, error mapping) without the network.

It answers the three calls the service makes (start, stop and delete a
recording) in Twilio's JSON shapes, and records every request it receives.
A test can queue error responses or delays for the next requests.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from tests.loopback import JsonHandler, LoopbackServer

START = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(CA\w+)/Recordings\.json$")
STOP = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(CA\w+)/Recordings/(RE\w+)\.json$")
DELETE = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Recordings/(RE\w+)\.json$")


@dataclass
class Received:
    method: str
    path: str
    form: dict[str, list[str]]
    authorization: str


@dataclass
class FakeTwilioApi(LoopbackServer):
    requests: list[Received] = field(default_factory=list)
    scripted: list[tuple[int, float]] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)

    def start(self) -> FakeTwilioApi:
        api = self

        class Handler(JsonHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode()) if length else {}
                api.requests.append(Received(self.command, self.path, form, self.headers.get("Authorization", "")))
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
                    return self._reply(
                        201,
                        {
                            "sid": sid,
                            "call_sid": match.group(2),
                            "account_sid": match.group(1),
                            "status": "in-progress",
                        },
                    )
                if self.command == "POST" and (match := STOP.match(self.path)):
                    return self._reply(200, {"sid": match.group(3), "call_sid": match.group(2), "status": "stopped"})
                if self.command == "DELETE" and (match := DELETE.match(self.path)):
                    if match.group(2) in api.deleted:
                        return self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                    api.deleted.add(match.group(2))
                    return self._no_content()
                return self._reply(404, {"code": 20404, "message": "not found", "status": 404})

            do_POST = do_DELETE = _handle  # noqa: N815

        self.serve(Handler)
        return self
