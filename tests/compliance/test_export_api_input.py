"""The export API answers every malformed request with a 4xx that names
what is wrong, and exports nothing: any JSON at all, bytes that are not
JSON, nesting deeper than a parser can follow, days far outside any period
the data could cover, and values of the wrong type."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from knox.models import AuthToken

from compliance.models import AuditEvent
from compliance.roles import COMPLIANCE_OFFICER
from tests.factories import staff_member

pytestmark = pytest.mark.django_db

API = "/api/compliance/exports/"
TODAY = date.today().isoformat()


@pytest.fixture
def token() -> str:
    _, token = AuthToken.objects.create(user=staff_member("olivia", COMPLIANCE_OFFICER))
    return token


def post(client, token: str, body: bytes, content_type: str = "application/json"):
    return client.post(API, data=body, content_type=content_type, HTTP_AUTHORIZATION=f"Token {token}")


def exported() -> int:
    return AuditEvent.objects.filter(action="export.created").count()


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "consent", "first_day": TODAY, "last_day": "9999-12-31", "format": "csv"},
        {"kind": "consent", "first_day": "0001-01-01", "last_day": TODAY, "format": "csv"},
        {"kind": "consent", "first_day": 20261101, "last_day": TODAY, "format": "csv"},
        {"kind": "consent", "first_day": [TODAY], "last_day": {"day": TODAY}, "format": "csv"},
        {"kind": ["consent"], "first_day": TODAY, "last_day": TODAY, "format": None},
        [{"kind": "consent"}],
        "consent",
        None,
    ],
)
def test_a_malformed_export_request_gets_a_400_naming_the_problem(client, token, body):
    response = post(client, token, json.dumps(body).encode())

    assert response.status_code == 400
    assert response.json()
    assert exported() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"kind": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"kind": "consent", "first_day": "\\ud800"}',
        b'{"kind": "consent\\u0000"}',
        b"\xff\xfe not json",
        b'{"kind": NaN}',
    ],
)
def test_bodies_no_parser_can_use_get_a_400(client, token, raw):
    response = post(client, token, raw)

    assert response.status_code == 400
    assert exported() == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=15,
)
days = st.one_of(
    st.dates().map(date.isoformat),
    st.integers(-400, 400).map(lambda offset: (date.today() + timedelta(days=offset)).isoformat()),
    json_values,
)
requests = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(["consent", "access", "destruction", "calls"]) | json_values,
        "first_day": days,
        "last_day": days,
        "format": st.sampled_from(["csv", "json", "pdf"]) | json_values,
    },
)


@hypothesis_settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    body=st.one_of(
        requests.map(lambda value: json.dumps(value).encode()),
        json_values.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=300),
    ),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]),
)
def test_the_export_api_never_fails_the_server(client, token, body, content_type):
    before = exported()

    response = post(client, token, body, content_type)

    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert response.status_code in (400, 415)
        assert exported() == before


@pytest.mark.parametrize("header", [b"Token \xff\xfe", "Token cc_éé".encode(), b"Token cc_\x00", b"Token cc_\x7f"])
def test_a_token_that_cannot_be_one_is_a_401(client, header):
    response = client.generic(
        "POST", API, b"{}", content_type="application/json", HTTP_AUTHORIZATION=header.decode("latin-1")
    )

    assert response.status_code == 401
    assert exported() == 0
