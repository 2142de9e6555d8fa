from __future__ import annotations

import select

import psycopg
import pytest
from django.db import connection

from tests.loopback import wait_for

pytestmark = pytest.mark.django_db


def _readable(fileno: int) -> bool:
    return bool(select.select([fileno], [], [], 0)[0])


def test_an_idle_healthy_connection_is_usable_without_a_query(django_assert_num_queries):
    connection.ensure_connection()

    with django_assert_num_queries(0):
        assert connection.is_usable()


def test_a_connection_the_server_dropped_is_not_usable():
    connection.ensure_connection()
    backend_pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"], autocommit=True
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    wait_for(lambda: _readable(connection.connection.fileno()), 5, "the server to hang up")

    try:
        assert not connection.is_usable()
    finally:
        connection.close()
