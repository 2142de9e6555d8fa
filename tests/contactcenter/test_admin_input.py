"""Every admin page answers malformed input with a 4xx or its own form
errors, never a 5xx: an object id that is not one, and list parameters
(search, ordering, page, filters) that are not what the admin wrote."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
BAD_IDS = ["abc", "1.5", "-1", "99999999999999999999", "%00", "1%2F..%2F2"]
BAD_LIST_QUERIES = [
    {"q": "\x00"},
    {"q": "x" * 5000},
    {"o": "abc"},
    {"o": "999"},
    {"p": "abc"},
    {"p": "-1"},
    {"e": "1"},
    {"nonexistent__field": "1"},
    {"id__gt": "abc"},
]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_an_object_id_that_is_not_one_is_never_a_server_error(admin_client, model):
    opts = model._meta
    for object_id in BAD_IDS:
        for view in ("change", "delete", "history"):
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=["0"]).replace(
                "/0/", f"/{object_id}/"
            )

            response = admin_client.get(url)

            assert response.status_code < 500, (url, response.status_code)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_list_parameters_that_are_not_the_admins_are_never_a_server_error(admin_client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for query in BAD_LIST_QUERIES:
        response = admin_client.get(url, query)

        assert response.status_code < 500, (query, response.status_code)
