"""A stand-in CRM on loopback, for exercising the real adapters (HTTP,
signatures, idempotency keys, timeouts, error mapping) without the network.

It accepts the generic webhook at ``/hook`` and HubSpot's v3 paths, records
every request it receives, and can be told to answer the next requests with
an error status or after a delay. It speaks HTTP/1.1, keeping a connection
open between requests as a CRM's server does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tests.loopback import JsonHandler, LoopbackServer, Received


@dataclass
class FakeCrm(LoopbackServer):
    requests: list[Received] = field(default_factory=list)
    scripted: list[tuple[int, float]] = field(default_factory=list)

    def start(self) -> FakeCrm:
        crm = self

        class Handler(JsonHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                crm.requests.append(self._received("POST"))
                status, delay = crm.scripted.pop(0) if crm.scripted else (0, 0.0)
                time.sleep(delay)
                if status:
                    return self._reply(status, {"status": "error", "message": "scripted"})
                if self.path == "/crm/v3/objects/contacts/batch/upsert":
                    return self._reply(200, {"status": "COMPLETE", "results": [{"id": "101"}]})
                if self.path == "/crm/v3/objects/calls":
                    return self._reply(201, {"id": "501"})
                if self.path == "/crm/v3/objects/contacts/gdpr-delete":
                    return self._no_content()
                return self._reply(200, {"received": True})

        self.serve(Handler)
        return self
