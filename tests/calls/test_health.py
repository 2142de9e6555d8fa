from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError


def test_healthz_answers_without_touching_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_when_database_and_broker_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200


@pytest.mark.django_db
def test_readyz_names_the_unreachable_broker(client, settings):
    with mock.patch("calls.views.health.celery_app.connection_for_write", side_effect=OSError("refused")):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


@pytest.mark.django_db
def test_readyz_names_the_unreachable_database(client):
    with mock.patch("calls.views.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
