from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from twilio.request_validator import RequestValidator

from tests.pgserver import PostgresServer


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> Iterator[None]:
    """Run the suite on PostgreSQL: DATABASE_URL's server if set, otherwise a
    private cluster started here and removed at the end. Never SQLite."""
    server = None
    if not os.environ.get("DATABASE_URL"):
        server = PostgresServer().start()
        settings.DATABASES["default"].update(
            {"HOST": "127.0.0.1", "PORT": str(server.port), "USER": "postgres", "PASSWORD": "", "NAME": "contactcenter"}
        )
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "contactcenter.postgresql":
        pytest.exit(f"The test suite runs on PostgreSQL only, not {engine}.", returncode=3)
    yield
    if server is not None:
        from django.db import connections

        connections.close_all()
        server.stop()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Tests that commit reset the tables with TRUNCATE, which the ledgers
    refuse unless a session opts in; the throwaway test database opts in."""
    from django.db import connection

    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE \"{connection.settings_dict['NAME']}\" SET compliance.maintenance = 'on'")
        connection.close()


@pytest.fixture(autouse=True)
def checkpoint_directory(settings: Any, tmp_path_factory: Any) -> Any:
    """Each test anchors its ledgers in a checkpoint store of its own: the
    tables are emptied between tests, and a store that outlived them would
    rightly say the ledgers were cut back."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("checkpoints")
    return settings.AUDIT_CHECKPOINT_DIR


def twilio_signature(url: str, params: dict[str, str]) -> str:
    """Sign as Twilio does, with the official library and the test token."""
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)


TwilioPost = Callable[..., object]


@pytest.fixture
def twilio_post(client: Client) -> TwilioPost:
    """POST a form to a webhook path, signed over PUBLIC_BASE_URL + path + query."""

    def post(
        path: str,
        params: dict[str, str],
        *,
        query: dict[str, object] | None = None,
        signature: str | None = None,
        **extra: object,
    ):
        full_path = f"{path}?{urlencode(query)}" if query else path
        if signature is None:
            signature = twilio_signature(settings.PUBLIC_BASE_URL + full_path, params)
        return client.post(full_path, params, HTTP_X_TWILIO_SIGNATURE=signature, **extra)

    return post
