"""A stand-in for Vapi's REST API on loopback, for exercising the real
client (HTTP, auth, timeouts, error mapping) without the network.

It answers ``DELETE /call/{id}`` with the deleted call, as Vapi does, and
records every request it receives, path as sent. A test can queue answers
for the next requests: a status, and the id the answer names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.loopback import JsonHandler, LoopbackServer


@dataclass
class FakeVapiApi(LoopbackServer):
    paths: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    # (status, id named in the answer; None: the id requested)
    scripted: list[tuple[int, str | None]] = field(default_factory=list)

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

        self.serve(Handler)
        return self
