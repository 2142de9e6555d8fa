from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from twilio.request_validator import RequestValidator

from tests.browser import browser_page  # noqa: F401  (the browser tests' fixture)
from tests.pgserver import PostgresServer

# The suite runs the application as production does: migrations as the
# tables' owner, everything else as a runtime role that may only read and
# append to the ledgers (compliance/database.py).
OWNER_ROLE = "contactcenter_owner"
RUNTIME_ROLE = "contactcenter_app"
_runtime_credentials: dict[str, str] = {}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> Iterator[None]:
    """Run the suite on PostgreSQL: DATABASE_URL's server if set, otherwise a
    private cluster started here and removed at the end. Never SQLite.

    In the private cluster the owner and runtime roles are made here. On
    DATABASE_URL's server, its user is the owner, and the runtime role is
    made beside it with a password of the run (the user needs CREATEROLE)."""
    default, owner = settings.DATABASES["default"], settings.DATABASES["owner"]
    engine = default["ENGINE"]
    if engine != "contactcenter.postgresql":
        pytest.exit(f"The test suite runs on PostgreSQL only, not {engine}.", returncode=3)
    server = None
    if not os.environ.get("DATABASE_URL"):
        server = PostgresServer().start()
        server.create_roles(owner=OWNER_ROLE, runtime=RUNTIME_ROLE)
        location = {"HOST": "127.0.0.1", "PORT": str(server.port), "NAME": "contactcenter"}
        default.update(location, USER=OWNER_ROLE, PASSWORD="")
        _runtime_credentials.update(USER=RUNTIME_ROLE, PASSWORD="")
    else:
        _runtime_credentials.update(USER=RUNTIME_ROLE + "_" + secrets.token_hex(4), PASSWORD=secrets.token_urlsafe(24))
        _create_runtime_role(default, **_runtime_credentials)
    # The owner's connection reaches the same (test) database as its owner,
    # in sessions that may empty the ledgers (the harness's flush between tests).
    owner.update({key: default[key] for key in ("HOST", "PORT", "NAME", "USER", "PASSWORD")})
    owner["OPTIONS"] = {**owner.get("OPTIONS", {}), "options": "-c compliance.maintenance=on"}
    owner["TEST"] = {**owner.get("TEST", {}), "NAME": default.get("TEST", {}).get("NAME")}
    yield
    from django.db import connections

    connections.close_all()
    if server is not None:
        server.stop()
    else:
        _drop_runtime_role(default, _runtime_credentials["USER"])


def _connect(database: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        host=database["HOST"], port=database["PORT"] or None, user=database["USER"],
        password=database["PASSWORD"] or None, dbname=database["NAME"], autocommit=True,
    )  # fmt: skip


def _drop_runtime_role(database: dict[str, Any], role: str) -> None:
    """The test database is gone by now, and the role's privileges with it."""
    from psycopg import sql

    with _connect(database) as connection:
        connection.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _create_runtime_role(database: dict[str, Any], *, USER: str, PASSWORD: str) -> None:  # noqa: N803
    import psycopg
    from psycopg import sql

    try:
        with _connect(database) as connection:
            connection.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(USER), PASSWORD))
    except psycopg.Error as error:
        pytest.exit(f"DATABASE_URL's user must be able to create the runtime role (CREATEROLE): {error}", 3)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The test database was made and migrated by its owner. Give the
    runtime role its privileges and run everything from here as that role;
    the ``owner`` connection stays the owner's.

    Tests that commit reset the tables with ``flush``, which logs in as the
    owner (compliance/management/commands/flush.py) and TRUNCATEs; the
    ledgers refuse that unless their owner's session opts in, and the
    owner's sessions here do. The runtime role's never do, and it has no
    TRUNCATE privilege anyway."""
    from django.db import connections

    from compliance.database import OWNER, runtime_role_grant

    default, owner = settings.DATABASES["default"], settings.DATABASES[OWNER]
    with django_db_blocker.unblock():
        owner["NAME"] = connections[OWNER].settings_dict["NAME"] = default["NAME"]
        connections[OWNER].close()
        runtime_role_grant(role=_runtime_credentials["USER"], using=OWNER)
        connections.close_all()
        owner_credentials = {key: default[key] for key in ("USER", "PASSWORD")}
        default.update(_runtime_credentials)
        connections["default"].settings_dict.update(_runtime_credentials)
    yield
    with django_db_blocker.unblock():
        # The database is dropped by its owner.
        connections.close_all()
        default.update(owner_credentials)
        connections["default"].settings_dict.update(owner_credentials)


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
