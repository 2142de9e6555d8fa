"""Refusals that hold for every URL of the site, before any view runs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from contactcenter.parsers import UNSTORABLE


class UnstorableURLMiddleware:
    """A path or query string holding NUL (``%00``) is a 400 everywhere.

    Django decodes it into text that PostgreSQL refuses to compare, so any
    view that looks the value up (an admin object id, a list filter, a
    search) would fail with a 500. Forms already refuse NUL in their fields;
    this is the same rule for the URL. Webhooks are left to their own
    views, which validate every parameter they read and count what they
    refuse as evidence.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/webhooks/"):
            return self.get_response(request)
        values = [request.path, *request.GET.keys(), *(value for _, values in request.GET.lists() for value in values)]
        if any(UNSTORABLE.search(value) for value in values):
            return HttpResponseBadRequest(content_type="text/plain")
        return self.get_response(request)
