"""The hand-off from the IVR to the Vapi assistant, and the reference that
crosses with the caller.

The IVR dials a Vapi SIP number (``<Dial><Sip>``) with one custom SIP
header, ``x-handoff``: a reference to our call. Anyone can dial a Vapi SIP
URI with any headers, so the reference is opaque and authenticated. It is a
Fernet token (AES-CBC with HMAC-SHA256) under a key derived from SECRET_KEY
for this purpose alone, it holds the Twilio CallSid it was issued for, and
it is honoured for HANDOFF_TTL_SECONDS after it was issued. The
``assistant-request`` Vapi then sends for the call presents it back:

- valid: the assistant's conversation joins our call, and the consent on
  our ledger for that call decides what the assistant says;
- forged (not ours, altered or unreadable), expired, or replayed (already
  opened another conversation): the conversation is a call of its own, the
  assistant gets the safe configuration (no recording, consent asked
  afresh), and the worker writes an audit event.

A call is handed off once: the first conversation to present a valid
reference to it claims the call (``HandoffClaim``), in the request, before
the answer is sent.
"""

from __future__ import annotations

import base64
import functools
import re
import time
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction

from calls.models import Call, HandoffClaim, InboundEvent, Provider
from calls.serializers.vapi import HANDOFF_HEADER, HANDOFF_REFERENCE_MAX_LENGTH

_PURPOSE = b"contactcenter.handoff.v1"
# What handoff_reference writes: unpadded base64url (140 characters for a CallSid).
_REFERENCE = re.compile(rf"[A-Za-z0-9_-]{{1,{HANDOFF_REFERENCE_MAX_LENGTH}}}")
# Catching up with the inbox before answering the assistant's request.
CATCH_UP_SECONDS = 3.0
CATCH_UP_EVENTS = 20


class Verdict:
    VALID = "valid"
    MISSING = "missing"
    FORGED = "forged"
    EXPIRED = "expired"
    REPLAYED = "replayed"


@dataclass(frozen=True)
class Handoff:
    """What a presented reference turned out to be. ``call_sid`` is the call
    it names, when its authenticity could be established (valid, expired or
    replayed); only a valid one joins that call."""

    verdict: str
    call_sid: str = ""

    @property
    def joined(self) -> bool:
        return self.verdict == Verdict.VALID


NOT_HANDED_OFF = Handoff(Verdict.MISSING)


@functools.cache  # keyed by the secrets themselves: a changed setting is a new entry
def _cipher(secrets: tuple[str, ...]) -> MultiFernet:
    def key(secret: str) -> Fernet:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret.encode())
        return Fernet(base64.urlsafe_b64encode(derived))

    return MultiFernet([key(secret) for secret in secrets])


def _keys() -> MultiFernet:
    """The newest SECRET_KEY issues; SECRET_KEY_FALLBACKS still verify, so
    a key rotated during a call does not strand the caller."""
    return _cipher((settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))


def handoff_reference(*, call_sid: str) -> str:
    """A new reference to ``call_sid``: base64url without padding, so it
    travels in a SIP URI's header parameter as it is."""
    return _keys().encrypt(call_sid.encode()).decode("ascii").rstrip("=")


def handoff_sip_uri(*, call_sid: str) -> str:
    return f"{settings.VAPI_SIP_URI}?{HANDOFF_HEADER}={handoff_reference(call_sid=call_sid)}"


def _read(reference: str) -> Handoff:
    """Authenticity and age of a reference, without the claim. Only the
    form this service writes is read: base64 decoders forgive characters
    outside the alphabet, and a spelling of the same token that differs
    must not pass for another reference."""
    if not _REFERENCE.fullmatch(reference):
        return Handoff(Verdict.FORGED)
    token = (reference + "=" * (-len(reference) % 4)).encode("ascii")
    keys = _keys()
    try:
        return Handoff(Verdict.VALID, keys.decrypt(token, ttl=settings.HANDOFF_TTL_SECONDS).decode())
    except InvalidToken:
        pass
    try:
        # The signature verifies but the age does not: ours, and too old
        # (or dated in the future beyond Fernet's allowed clock skew).
        timestamp = keys.extract_timestamp(token)
    except InvalidToken:
        return Handoff(Verdict.FORGED)
    # Decrypting at the token's own time reads the call it names.
    return Handoff(Verdict.EXPIRED, keys.decrypt_at_time(token, ttl=1, current_time=timestamp).decode())


def handoff_claim(*, reference: str | None, vapi_call_id: str) -> Handoff:
    """Check a presented reference and, when it is valid, claim it for the
    conversation ``vapi_call_id``. A call is handed off once (its <Dial>
    ends in a hang-up or the operator), so the first conversation to
    present a valid reference to it claims the call: any other conversation
    naming that call, however the reference is spelled, was replayed. Safe
    to repeat: the conversation that claimed it gets the same verdict again,
    however late. Writes one row when valid and new."""
    if reference is None:
        return NOT_HANDED_OFF
    handoff = _read(reference)
    if handoff.verdict == Verdict.FORGED:
        return handoff
    claimed = HandoffClaim.objects.filter(vapi_call_id=vapi_call_id).first()
    if claimed is not None:
        return Handoff(Verdict.VALID if claimed.call_sid == handoff.call_sid else Verdict.REPLAYED, handoff.call_sid)
    if handoff.verdict != Verdict.VALID:
        return handoff
    try:
        with transaction.atomic():
            HandoffClaim.objects.create(call_sid=handoff.call_sid, vapi_call_id=vapi_call_id)
    except IntegrityError:
        # Another conversation claimed this call first.
        return Handoff(Verdict.REPLAYED, handoff.call_sid)
    return handoff


def handoff_consent(*, call_sid: str) -> str | None:
    """The consent decision on the ledger for the call handed off, or None.

    The assistant's question is answered from the ledger, and the ledger is
    written by the worker: when it holds no decision yet, the call's
    deliveries still in the inbox (the consent answer among them) are
    applied first, through the inbox's own claim, so each is applied once
    whoever gets to it. One being applied by a worker right now is waited
    for, briefly: Vapi waits 7.5 seconds for the whole answer.
    """
    from calls.services.inbox import inbox_process

    deadline = time.monotonic() + CATCH_UP_SECONDS
    tried: set[int] = set()
    while True:
        # What waits is read before the ledger: a delivery applied between
        # the two reads is then on the ledger read second, never missed.
        waiting = list(
            InboundEvent.objects.filter(
                provider=Provider.TWILIO, call_sid=call_sid,
                status__in=(InboundEvent.Status.PENDING, InboundEvent.Status.PROCESSING),
            ).order_by("pk").values_list("pk", "status")[:CATCH_UP_EVENTS]
        )  # fmt: skip
        call = Call.objects.filter(call_sid=call_sid).first()
        decision = call.consent_decision if call is not None else None
        if decision is not None:
            return decision
        pending = [pk for pk, status in waiting if status == InboundEvent.Status.PENDING and pk not in tried]
        if time.monotonic() >= deadline:
            return None
        for event_id in pending:
            # Once each: one that fails is the worker's again, with its backoff.
            tried.add(event_id)
            inbox_process(event_id=event_id)
            if time.monotonic() >= deadline:
                break
        if pending:
            continue
        if not any(status == InboundEvent.Status.PROCESSING for _, status in waiting):
            return None
        time.sleep(0.05)


def handoff_bridged_to(*, vapi_call_id: str) -> str:
    """The Twilio call an assistant conversation was handed off from, or ''."""
    return HandoffClaim.objects.filter(vapi_call_id=vapi_call_id).values_list("call_sid", flat=True).first() or ""
