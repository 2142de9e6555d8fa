"""CRM adapters: where a completed call, redacted, is written, and where an
erasure is forwarded.

``crm_adapter()`` builds the one named by CRM_ADAPTER from settings read
here and nowhere else:

- ``webhook``: a generic HTTPS JSON webhook. The body is signed with
  HMAC-SHA256 over ``"{timestamp}.{body}"`` (X-Signature, X-Timestamp) and
  carries an ``Idempotency-Key``, so a receiver can check where it came from
  and drop a redelivery;
- ``hubspot``: HubSpot's CRM v3 REST shape, as an example of the interface:
  a contact upserted by a pseudonymous id, and a call activity associated
  with it; erasure is HubSpot's GDPR delete of that contact.

Every request has explicit connect and read timeouts, and goes over a
connection this thread keeps open to the CRM: its TCP and TLS set-up is
paid once, not once a write. Failures are raised
as ``CrmTransientError`` (5xx, 429, timeouts, connection errors: retry) or
``CrmPermanentError`` (any other 4xx: dead-letter). Messages name the
status and the error class, never a body.

Only redacted data is ever given to an adapter: the caller is named by the
keyed hash of their number, never the number, and the transcript is the
redacted one.
"""

from __future__ import annotations

import hashlib
import hmac
import http.cookiejar
import json
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class CrmError(Exception):
    permanent = True

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CrmTransientError(CrmError):
    permanent = False


class CrmPermanentError(CrmError):
    pass


@dataclass(frozen=True)
class TranscriptLine:
    spoken_at: str
    speaker: str
    text: str


@dataclass(frozen=True)
class CallRecord:
    """A completed call as it may leave this service: redacted, no numbers."""

    call_sid: str
    subject_id: str  # keyed hash of the caller's number; "" when unknown or erased
    direction: str
    status: str
    started_at: str | None
    ended_at: str | None
    duration_seconds: int | None
    department: str
    escalated: bool
    consent: str | None
    recorded: bool
    transcript: list[TranscriptLine]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class CrmAdapter(Protocol):
    name: str

    def sync_call(self, record: CallRecord, *, idempotency_key: str) -> None: ...

    def erase_subject(self, subject_id: str, *, idempotency_key: str) -> None: ...


def _timeout() -> tuple[float, float]:
    return (settings.CRM_CONNECT_TIMEOUT_SECONDS, settings.CRM_READ_TIMEOUT_SECONDS)


_sessions = threading.local()


def _session() -> requests.Session:
    """This thread's session (a Session is not shared between threads). It
    keeps no cookies, so every write stands alone as before."""
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return session


def _send(method: str, url: str, *, body: bytes, headers: dict[str, str], what: str) -> requests.Response:
    try:
        response = _session().request(method, url, data=body, headers=headers, timeout=_timeout())
    except requests.RequestException as error:
        raise CrmTransientError(f"{what} failed: {type(error).__name__}") from None
    if response.status_code == 429 or response.status_code >= 500:
        raise CrmTransientError(f"{what} failed: HTTP {response.status_code}", status=response.status_code)
    if response.status_code >= 400:
        raise CrmPermanentError(f"{what} failed: HTTP {response.status_code}", status=response.status_code)
    return response


def _encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


class WebhookAdapter:
    """POSTs ``{"type": "call.completed" | "subject.erased", "data": ...}``."""

    name = "webhook"

    def __init__(self, *, url: str, secret: str) -> None:
        if not url or not secret:
            raise ImproperlyConfigured("CRM_WEBHOOK_URL and CRM_WEBHOOK_SECRET are required for CRM_ADAPTER=webhook.")
        self.url, self.secret = url, secret.encode()

    def signature(self, timestamp: str, body: bytes) -> str:
        return hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()

    def _post(self, event_type: str, data: dict[str, Any], idempotency_key: str) -> None:
        body = _encode({"type": event_type, "data": data})
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            "X-Timestamp": timestamp,
            "X-Signature": self.signature(timestamp, body),
        }
        _send("POST", self.url, body=body, headers=headers, what=f"CRM webhook {event_type}")

    def sync_call(self, record: CallRecord, *, idempotency_key: str) -> None:
        self._post("call.completed", record.as_json(), idempotency_key)

    def erase_subject(self, subject_id: str, *, idempotency_key: str) -> None:
        self._post("subject.erased", {"subject_id": subject_id}, idempotency_key)


# HubSpot's association type for a call engagement to a contact.
HUBSPOT_CALL_TO_CONTACT = 194


class HubSpotAdapter:
    """A contact keyed by the custom unique property HUBSPOT_SUBJECT_PROPERTY
    (the keyed hash; the number never leaves), and a call activity with the
    redacted transcript as its body, associated with the contact."""

    name = "hubspot"

    def __init__(self, *, base_url: str, token: str, subject_property: str) -> None:
        if not token:
            raise ImproperlyConfigured("HUBSPOT_ACCESS_TOKEN is required for CRM_ADAPTER=hubspot.")
        self.base_url, self.token, self.subject_property = base_url.rstrip("/"), token, subject_property

    def _call(self, method: str, path: str, document: dict[str, Any], idempotency_key: str, what: str) -> Any:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
        }
        response = _send(method, self.base_url + path, body=_encode(document), headers=headers, what=what)
        return response.json() if response.content else None

    def _contact_id(self, subject_id: str, idempotency_key: str) -> str:
        upserted = self._call(
            "POST",
            "/crm/v3/objects/contacts/batch/upsert",
            {"inputs": [{"idProperty": self.subject_property, "id": subject_id, "properties": {}}]},
            f"{idempotency_key}:contact",
            "HubSpot contact upsert",
        )
        try:
            return str(upserted["results"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise CrmPermanentError("HubSpot contact upsert: unexpected response") from None

    def sync_call(self, record: CallRecord, *, idempotency_key: str) -> None:
        body = "\n".join(f"{line.speaker}: {line.text}" for line in record.transcript)
        properties = {
            "hs_timestamp": record.ended_at or record.started_at,
            "hs_call_title": f"Call {record.call_sid}",
            "hs_call_body": body,
            "hs_call_direction": "OUTBOUND" if record.direction.startswith("outbound") else "INBOUND",
            "hs_call_status": "COMPLETED" if record.status == "completed" else record.status.upper().replace("-", "_"),
            "hs_call_duration": str((record.duration_seconds or 0) * 1000),
        }
        associations = []
        if record.subject_id:
            contact = self._contact_id(record.subject_id, idempotency_key)
            associations = [
                {
                    "to": {"id": contact},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": HUBSPOT_CALL_TO_CONTACT}],
                }
            ]
        self._call(
            "POST",
            "/crm/v3/objects/calls",
            {"properties": properties, "associations": associations},
            idempotency_key,
            "HubSpot call create",
        )

    def erase_subject(self, subject_id: str, *, idempotency_key: str) -> None:
        try:
            self._call(
                "POST",
                "/crm/v3/objects/contacts/gdpr-delete",
                {"objectId": subject_id, "idProperty": self.subject_property},
                idempotency_key,
                "HubSpot GDPR delete",
            )
        except CrmPermanentError as error:
            if error.status != 404:  # never synced, or already gone: erased either way
                raise


def crm_adapter() -> CrmAdapter | None:
    """The configured adapter, or None when no CRM is connected."""
    kind = settings.CRM_ADAPTER
    if not kind:
        return None
    if kind == "webhook":
        return WebhookAdapter(url=settings.CRM_WEBHOOK_URL, secret=settings.CRM_WEBHOOK_SECRET)
    if kind == "hubspot":
        return HubSpotAdapter(
            base_url=settings.HUBSPOT_BASE_URL,
            token=settings.HUBSPOT_ACCESS_TOKEN,
            subject_property=settings.HUBSPOT_SUBJECT_PROPERTY,
        )
    raise ImproperlyConfigured(f"CRM_ADAPTER must be empty, 'webhook' or 'hubspot', not {kind!r}.")
