"""The broker's Redis transport keeps one command client per channel: a
message published, delivered and acknowledged builds no new ``redis.Redis``."""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from kombu import Connection, Exchange, Queue

from contactcenter import broker
from contactcenter.celery import app

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server: set REDIS_URL (.ci/run does)")


@pytest.mark.parametrize("scheme", broker.SCHEMES)
def test_redis_urls_take_the_transport_and_keep_their_scheme(scheme):
    connection = Connection(f"{scheme}://:secret@broker.example:6380/2")

    assert connection.get_transport_cls() is broker.Transport
    # What kombu reads of the URL is unchanged (the TLS of rediss:// follows the scheme).
    assert connection.transport_cls == scheme
    assert (connection.hostname, connection.port, connection.password, connection.virtual_host) == (
        "broker.example", 6380, "secret", "2",
    )  # fmt: skip


@pytest.mark.parametrize("url", ["memory://", "filesystem://"])
def test_other_brokers_are_left_alone(url):
    assert not issubclass(Connection(url).get_transport_cls(), broker.Transport)


def test_the_app_connects_through_it():
    assert app.connection_for_write("redis://127.0.0.1:1/0").get_transport_cls() is broker.Transport


@needs_redis
def test_a_message_published_delivered_and_acknowledged_builds_no_client(monkeypatch):
    name = f"test-broker-{uuid.uuid4().hex}"
    queue = Queue(name, Exchange(name), routing_key=name)
    received = []

    def on_message(body: object, message) -> None:  # noqa: ANN001
        received.append(body)
        message.ack()

    with Connection(REDIS_URL) as connection, connection.Consumer(queue, callbacks=[on_message]):
        producer = connection.Producer(serializer="json")

        def one(number: int) -> None:
            producer.publish({"n": number}, exchange=queue.exchange, routing_key=name, declare=[queue])
            connection.drain_events(timeout=5)

        one(0)  # the channel's clients and pools are made here
        built = []
        construct = redis.Redis.__init__

        def counted(self, *args: object, **kwargs: object) -> None:
            built.append(type(self))
            construct(self, *args, **kwargs)

        monkeypatch.setattr(redis.Redis, "__init__", counted)
        for number in range(1, 21):
            one(number)
        monkeypatch.undo()
        channel = connection.default_channel
        waiting = channel.client.llen(name)
        unacknowledged = [body for body in channel.client.hvals(channel.unacked_key) if name.encode() in body]
        queue(channel).delete()

    assert received == [{"n": number} for number in range(21)]
    assert (waiting, unacknowledged) == (0, [])
    assert built == []
