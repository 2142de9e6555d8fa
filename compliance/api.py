"""The API for compliance officers' tools: exports, by token.

Tokens are django-rest-knox's: stored only as a hash, with an expiry, issued
with ``manage.py issue_api_token`` and revoked in the admin. A token acts as
its user, so it can do only what the user's role allows.
"""

from __future__ import annotations

from django.http import HttpResponseBase
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.audit import Actor
from compliance.forms import ExportForm
from compliance.views import export_response


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token check, refusing a token it can't look up: one that is
    not UTF-8 (knox would fail decoding it) or holds NUL (PostgreSQL can't
    compare it). Tokens are ASCII; anything else is simply not a token."""

    def authenticate_credentials(self, token: bytes) -> tuple:
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        if not text.isprintable():
            raise AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)


class CanRunExports(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user.has_perm("compliance.run_export")


class ExportView(APIView):
    """``POST {"kind", "first_day", "last_day", "format"}``: 200 with a ZIP
    of the report and its manifest (``X-Export-Id`` names it in the audit
    trail), or 400 naming the fields at fault."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated, CanRunExports]

    def post(self, request: Request) -> HttpResponseBase:
        if not isinstance(request.data, dict):
            return Response({"errors": {"__all__": [{"message": "Expected a JSON object.", "code": "invalid"}]}}, 400)
        form = ExportForm(data=request.data)
        if not form.is_valid():
            return Response({"errors": form.errors.get_json_data()}, status=400)
        return export_response(cleaned=form.cleaned_data, actor=Actor(user=request.user))
