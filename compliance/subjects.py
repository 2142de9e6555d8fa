"""Data-subject requests: erasure (GDPR Art. 17, CCPA) and access (Art. 15).

A subject is a phone number. Their calls are found through the keyed hashes
stored beside the encrypted numbers, so nothing is decrypted to search. While
the hash key is rotated, a subject's rows may be stored under the new key or
an older one, so every lookup here matches the number's hash under each
configured key (``SubjectHash``).

Erasure destroys what identifies or describes the subject: transcripts,
recordings (at the provider too), raw payloads not yet scrubbed, and the
encrypted numbers, caller ID name and lookup hashes where they were the
subject's. Evidence stays: consent events and audit events name calls by SID,
never by number, so they are kept as they are, and a destruction
certificate per class of data records what went. A call, once erased, is
never filled in again by a late delivery.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import phonenumbers
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from calls.integrations.twilio import TwilioError
from calls.integrations.vapi import VapiError
from calls.models import Call, InboundEvent, Recording, ScheduledCallback, TranscriptSegment, VapiControlMessage
from calls.services import crm, recordings

from .audit import SYSTEM, Actor, audit_record
from .certificates import Tally, certify
from .crypto import identifier_hashes, identifier_keys
from .models import AttentionReview, DataClass, LegalHold
from .retention import active_holds

logger = logging.getLogger(__name__)

ERASURE = recordings.ERASURE
# Certificates name classes of data; the numbers on calls are not a
# retention class of their own, so they get a name here.
IDENTIFIERS = "call_identifiers"


class InvalidPhoneNumber(ValueError):
    """The value given is not a phone number (the message never repeats it)."""


class ErasureBlocked(Exception):
    """A legal hold covers some of the subject's data, so none of it is erased."""

    def __init__(self, holds: list[LegalHold]) -> None:
        self.holds = holds
        described = "; ".join(
            f"hold #{hold.pk} on {'call ' + hold.call_sid if hold.call_sid else 'this caller'}"
            f" ({hold.reason}, {'until ' + hold.expires_at.isoformat() if hold.expires_at else 'until released'})"
            for hold in holds
        )
        super().__init__(f"Erasure refused: the subject's data is under legal hold: {described}.")


class SubjectHash(str):
    """A subject's keyed hash under the newest key: the value stored (a
    legal hold's ``subject_hash``) and passed to the functions here. It
    carries the subject's hash under every configured key, newest first, in
    ``hashes``, which is what they match.

    A str, so callers store and pass it as the hash it is."""

    hashes: tuple[str, ...]

    def __new__(cls, hashes: list[str] | tuple[str, ...]) -> SubjectHash:
        subject = super().__new__(cls, hashes[0])
        subject.hashes = tuple(hashes)
        return subject


def subject_hash(phone: str) -> SubjectHash:
    """The keyed hash a subject's calls are stored under. Accepts any common
    way of writing a number with its country code and hashes its E.164 form,
    as the providers send it."""
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber("not a phone number; give it with its country code, e.g. +14155550100") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber("not a possible phone number")
    return SubjectHash(identifier_hashes(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)))


def subject_resolve(subject: str) -> SubjectHash:
    """``subject`` with every hash it may be stored under. A hash read from
    a stored row (the admin's erasure of selected calls' callers) is under
    whichever key made it: the other keys' hashes come from a number stored
    beside that same hash, decrypted once. With one hash key, or nothing
    stored beside it, the hash alone."""
    if isinstance(subject, SubjectHash):
        return subject
    if len(identifier_keys()) > 1:
        number = _number_stored_under(subject)
        if number is not None:
            hashes = identifier_hashes(number)
            return SubjectHash([*hashes, subject] if subject not in hashes else hashes)
    return SubjectHash([subject])


def _number_stored_under(hash_value: str) -> str | None:
    # An erasure blanks a number and its hash together, so a row found by
    # its hash holds the number (encrypted: it can't be filtered on).
    for found in (
        Call.objects.filter(from_hash=hash_value).values_list("from_number", flat=True),
        Call.objects.filter(to_hash=hash_value).values_list("to_number", flat=True),
        ScheduledCallback.objects.filter(phone_hash=hash_value).values_list("phone", flat=True),
    ):
        number = found.first()
        if number:
            return number
    return None


def subject_calls(*, subject: str) -> QuerySet[Call]:
    hashes = subject_resolve(subject).hashes
    return Call.objects.filter(Q(from_hash__in=hashes) | Q(to_hash__in=hashes))


def subject_callbacks(*, subject: str) -> QuerySet[ScheduledCallback]:
    """Callbacks scheduled to the subject's number."""
    return ScheduledCallback.objects.filter(phone_hash__in=subject_resolve(subject).hashes)


def subject_holds(*, subject: str) -> QuerySet[LegalHold]:
    """Active holds on the subject, or on any of their calls."""
    subject = subject_resolve(subject)
    calls = subject_calls(subject=subject)
    return active_holds().filter(
        Q(subject_hash__in=subject.hashes) | Q(call__in=calls) | Q(call_sid__in=calls.values("call_sid"))
    )


@dataclass
class Erasure:
    erasure_id: str
    calls: int = 0
    transcripts: int = 0
    raw_payloads: int = 0
    identifiers: int = 0
    callbacks: int = 0
    recordings_deleted: int = 0
    recordings_pending: list[dict[str, object]] = field(default_factory=list)
    crm_forwarded: bool = False
    certificate_ids: list[int] = field(default_factory=list)


def subject_erase(*, subject: str, actor: Actor = SYSTEM) -> Erasure:
    """Erase everything held on the subject with keyed hash ``subject``.

    Raises ``ErasureBlocked``, changing nothing, when a legal hold covers any
    of it. The database part is one transaction, with the subject's calls
    locked so a concurrent delivery can't fill them in again. Recordings are
    then deleted at the provider; one that can't be yet (provider down,
    recording still running) stays marked for deletion, the recording sweep
    retries it, and the certificate lists it as a failure. Safe to repeat:
    a second run finds nothing left.
    """
    subject = subject_resolve(subject)
    result = Erasure(erasure_id=str(uuid.uuid4()))
    tallies = {name: Tally() for name in (DataClass.TRANSCRIPTS, DataClass.RAW_PAYLOADS, IDENTIFIERS)}
    with transaction.atomic():
        calls = list(subject_calls(subject=subject).select_for_update().order_by("id"))
        holds = list(subject_holds(subject=subject))
        if holds:
            raise ErasureBlocked(holds)
        call_ids = [call.pk for call in calls]
        result.calls = len(calls)

        segments = TranscriptSegment.objects.filter(call_id__in=call_ids).order_by("id")
        tallies[DataClass.TRANSCRIPTS].add(segments.values_list("pk", "spoken_at"))
        result.transcripts = segments.delete()[0]

        # A delivery names its call by the key it carried: the CallSid, or
        # Vapi's id for a Vapi message that came without one.
        keys = {call.call_sid for call in calls} | {f"vapi:{call.vapi_call_id}" for call in calls if call.vapi_call_id}
        events = InboundEvent.objects.filter(call_sid__in=keys, payload_scrubbed_at__isnull=True).order_by("id")
        scrubbed = list(events.values_list("pk", "received_at"))
        if scrubbed:
            ids = [pk for pk, _ in scrubbed]
            InboundEvent.objects.filter(pk__in=ids).exclude(status=InboundEvent.Status.DONE).update(
                status=InboundEvent.Status.FAILED, last_error="not applied: the caller's data was erased"
            )
            InboundEvent.objects.filter(pk__in=ids).update(payload=None, payload_scrubbed_at=timezone.now())
        tallies[DataClass.RAW_PAYLOADS].add(scrubbed)
        result.raw_payloads = len(scrubbed)

        for call in calls:
            _erase_identifiers(call, subject.hashes)
        tallies[IDENTIFIERS].add((call.pk, call.created_at) for call in calls)
        result.identifiers = len(calls)

        callbacks = ScheduledCallback.objects.filter(Q(phone_hash__in=subject.hashes) | Q(call_id__in=call_ids))
        callbacks.filter(status=ScheduledCallback.Status.PENDING).update(
            status=ScheduledCallback.Status.FAILED, last_error="cancelled: the subject's data was erased"
        )
        result.callbacks = callbacks.update(phone="", phone_hash="", requester_hash="")
        # Reviewers' notes are free text about the call: they go with it.
        AttentionReview.objects.filter(call_id__in=call_ids).update(note="")
        due = list(Recording.objects.filter(call_id__in=call_ids, deleted_at__isnull=True).order_by("id"))
        for recording in due:
            recordings.recording_request_deletion(recording=recording, reason=ERASURE)
        # The CRM knows the subject by the hash their calls were synced
        # under, which may be an older key's: the erasure goes out under each.
        forwarded = [
            crm.crm_erasure_requested(
                subject=hash_value,
                erasure_id=result.erasure_id if position == 0 else f"{result.erasure_id}:{position}",
                call_ids=call_ids,
            )
            for position, hash_value in enumerate(subject.hashes)
        ]
        result.crm_forwarded = any(delivery is not None for delivery in forwarded)

    recordings_tally = Tally()
    for recording in due:
        try:
            outcome = recordings.recording_delete_at_provider(recording_id=recording.pk)
        except (TwilioError, VapiError) as error:
            recordings_tally.fail(recording.pk, error)
            continue
        if outcome is recordings.DeletionOutcome.AWAITING_STOP:
            recordings_tally.fail(recording.pk, RuntimeError("recording still in progress; stopped, deleted next"))
            continue
        recordings_tally.add([(recording.pk, recording.created_at)])
    result.recordings_deleted = recordings_tally.count
    result.recordings_pending = recordings_tally.failures
    tallies[DataClass.RECORDINGS] = recordings_tally

    for data_class, tally in tallies.items():
        certificate = certify(data_class=data_class, reason=ERASURE, run_id=result.erasure_id, tally=tally)
        if certificate is not None:
            result.certificate_ids.append(certificate.pk)
    audit_record(
        "subject.erased",
        actor=actor,
        object_type="erasure",
        object_id=result.erasure_id,
        details={
            "calls": result.calls,
            "transcripts": result.transcripts,
            "raw_payloads": result.raw_payloads,
            "callbacks": result.callbacks,
            "recordings_deleted": result.recordings_deleted,
            "recordings_pending": len(result.recordings_pending),
            "crm_forwarded": result.crm_forwarded,
            "certificates": result.certificate_ids,
        },
    )
    logger.warning("subject.erased", extra={"erasure_id": result.erasure_id, "calls": result.calls})
    return result


def _erase_identifiers(call: Call, hashes: tuple[str, ...]) -> None:
    """Blank the numbers that were the subject's, and what was derived from
    them; the other party's number (usually this business's) stays."""
    if call.from_hash in hashes:
        call.from_number = call.from_hash = call.caller_name = call.caller_jurisdiction = ""
    if call.to_hash in hashes:
        call.to_number = call.to_hash = call.callee_jurisdiction = ""
    call.erased_at = timezone.now()
    # The live call's control URL, and what is still waiting to be said on it.
    call.vapi_control_url = None
    call.save(
        update_fields=[
            "from_number", "from_hash", "caller_name", "caller_jurisdiction",
            "to_number", "to_hash", "callee_jurisdiction", "erased_at", "vapi_control_url", "updated_at",
        ]
    )  # fmt: skip
    VapiControlMessage.objects.filter(
        call=call, status__in=[VapiControlMessage.Status.PENDING, VapiControlMessage.Status.SENDING]
    ).update(content="")


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def subject_data(*, subject: str, phone: str, actor: Actor = SYSTEM) -> dict[str, Any]:
    """Everything held on the subject, for an access request: their calls,
    each with its consent history, redacted transcript, recordings and
    reviewers' notes, and callbacks scheduled to them. Raw words are never included: they are
    not kept. Writes an audit event (counts only)."""
    subject = subject_resolve(subject)
    calls = (
        subject_calls(subject=subject)
        .order_by("created_at", "id")
        .prefetch_related("consent_events", "transcript_segments", "recordings", "attention_reviews")
    )
    document: dict[str, Any] = {
        "subject": {"phone": phone},
        "generated_at": timezone.now().isoformat(),
        "calls": [
            {
                "call_sid": call.call_sid,
                "provider": call.provider,
                "direction": call.direction,
                "your_role": "caller" if call.from_hash in subject.hashes else "callee",
                "from": call.from_number,
                "to": call.to_number,
                "caller_name": call.caller_name,
                "started_at": _moment(call.started_at),
                "answered_at": _moment(call.answered_at),
                "ended_at": _moment(call.ended_at),
                "duration_seconds": call.duration_seconds,
                "status": call.status,
                "end_reason": call.end_reason,
                "department": call.department,
                "consent_requirement": call.consent_requirement,
                "consent_jurisdiction": call.consent_jurisdiction,
                "consent_history": [
                    {
                        "occurred_at": _moment(event.occurred_at),
                        "decision": event.decision,
                        "method": event.method,
                        "requirement": event.requirement,
                        "jurisdiction": event.jurisdiction,
                        "prompt_version": event.prompt_version,
                    }
                    for event in call.consent_events.all()
                ],
                "transcript": [
                    {"spoken_at": _moment(segment.spoken_at), "speaker": segment.speaker, "text": segment.text}
                    for segment in call.transcript_segments.all()
                    if segment.status != TranscriptSegment.Status.PENDING
                ],
                "recordings": [
                    {
                        "recording_sid": recording.recording_sid,
                        "status": recording.status,
                        "duration_seconds": recording.duration_seconds,
                        "started_at": _moment(recording.started_at),
                        "deleted_at": _moment(recording.deleted_at),
                    }
                    for recording in call.recordings.all()
                ],
                # What reviewers wrote about the call: data about the subject too.
                "reviews": [
                    {"problem": review.problem, "reviewed_at": _moment(review.reviewed_at), "note": review.note}
                    for review in call.attention_reviews.all()
                    if review.note
                ],
            }
            for call in calls
        ],
        "scheduled_callbacks": [
            {"due_at": _moment(callback.due_at), "status": callback.status, "call_sid": callback.placed_call_sid}
            for callback in subject_callbacks(subject=subject).order_by("due_at")
        ],
    }
    audit_record(
        "subject.exported",
        actor=actor,
        object_type="subject_access",
        details={"calls": len(document["calls"]), "callbacks": len(document["scheduled_callbacks"])},
    )
    return document
