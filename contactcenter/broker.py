"""The broker's Redis transport, with one command client per channel.

kombu's Redis channel builds a new ``redis.Redis`` for every command it
sends outside its consuming connection: putting a delivered message in the
unacknowledged set, acknowledging it, publishing one. redis-py builds a
client's response callbacks anew each time, about 70 µs of CPU, and a
task message costs two or three of them: in the worker, in the capture
worker, and in every web process that publishes (bench/README.md). This
channel keeps one client on its pool, and makes another only if the
channel replaces its pool (it does once it has been closed). A client on a
pool may be shared between threads: each command takes a connection from
the pool, and each pipeline is a new object.

``install`` makes it the transport of ``redis://`` and ``rediss://``
broker URLs, which kombu otherwise parses and configures exactly as
before (TLS included: the scheme is still what it reads).
"""

from __future__ import annotations

from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import redis as kombu_redis

SCHEMES = ("redis", "rediss")


class Channel(kombu_redis.Channel):
    _command_client: tuple[Any, Any] | None = None  # (the pool it is on, the client)

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:  # the consuming connection's: kombu keeps it itself
            return super()._create_client(asynchronous=True)
        pool = self.pool
        kept = self._command_client
        if kept is None or kept[0] is not pool:
            kept = self._command_client = (pool, self.Client(connection_pool=pool))
        return kept[1]


class Transport(kombu_redis.Transport):
    Channel = Channel


def install() -> None:
    for scheme in SCHEMES:
        TRANSPORT_ALIASES[scheme] = f"{__name__}:Transport"
