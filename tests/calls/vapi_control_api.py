"""A stand-in for Vapi's Live Call Control on loopback: a call's control URL
is ``<origin>/<call id>/control``, and a POST there acts on the live call.

It records every request it receives (path, headers, body) and answers
200, or, for the next requests, what ``scripted`` says: a status, after a
delay (a status of 0 answers 200 after the delay). Any path but exactly
``/<call id>/control`` answers 404, as Vapi does.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass, field

from tests.loopback import JsonHandler, LoopbackServer, Received

CONTROL_PATH = re.compile(r"/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/control")


@dataclass
class FakeCallControl(LoopbackServer):
    requests: list[Received] = field(default_factory=list)
    scripted: list[tuple[int, float]] = field(default_factory=list)

    def start(self) -> FakeCallControl:
        control = self

        class Handler(JsonHandler):
            def _record(self, method: str) -> None:
                control.requests.append(self._received(method))

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
                if not CONTROL_PATH.fullmatch(self.path):
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


class TricklingControl:
    """A control host that answers a byte at a time: every byte well within
    a read timeout, the whole answer far past any deadline. ``head`` drips
    the status line and headers too; otherwise they come at once and the
    body drips. ``finished`` counts answers it got to write to the end."""

    def __init__(self, *, head: bool, byte_every: float = 0.1, body_bytes: int = 40) -> None:
        self.head, self.byte_every, self.body_bytes = head, byte_every, body_bytes
        self.posts = 0
        self.finished = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def control_url(self, call_id: str) -> str:
        return f"{self.url}/{call_id}/control"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # stopped
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            self.posts += 1
            head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % self.body_bytes
            slow = (head if self.head else b"") + b"x" * self.body_bytes
            if not self.head:
                connection.sendall(head)
            try:
                for byte in slow:
                    time.sleep(self.byte_every)
                    connection.sendall(bytes([byte]))
            except OSError:
                return  # cut off
            self.finished += 1

    def stop(self) -> None:
        self.listener.close()
