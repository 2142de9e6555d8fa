from __future__ import annotations

from django.db import models
from django.utils import timezone

from compliance.database import first_row
from compliance.fields import EncryptedJSONField, EncryptedTextField
from compliance.models import ConsentDecision, ConsentEvent, ConsentRequirement

# A call's latest consent decision, in the ledger's own order.
_LATEST_DECISION = (
    f"SELECT decision FROM {ConsentEvent._meta.db_table} WHERE call_id = %s ORDER BY sequence DESC LIMIT 1"  # noqa: S608
)


class Provider(models.TextChoices):
    TWILIO = "twilio", "Twilio"
    VAPI = "vapi", "Vapi"


class InboundEvent(models.Model):
    """The durable inbox: one row per accepted webhook delivery.

    The row is written by the request's one statement, committed before the
    provider gets its answer, and only its id goes to the broker. The raw
    payload is kept encrypted until a worker has applied it, then scrubbed;
    its SHA-256 stays as evidence of what was received.
    """

    class Kind(models.TextChoices):
        TWILIO_VOICE = "twilio.voice", "Twilio inbound call"
        TWILIO_GATHER = "twilio.gather", "Twilio gather result"
        TWILIO_STATUS = "twilio.status", "Twilio call status"
        TWILIO_RECORDING = "twilio.recording", "Twilio recording status"
        TWILIO_PAY = "twilio.pay", "Twilio <Pay> result"
        TWILIO_HANDOFF = "twilio.handoff", "Twilio hand-off to the assistant ended"
        TWILIO_REFER = "twilio.refer", "Twilio transfer asked by the assistant"
        VAPI_ASSISTANT_REQUEST = "vapi.assistant-request", "Vapi assistant request"
        VAPI_STATUS = "vapi.status-update", "Vapi status update"
        VAPI_TRANSCRIPT = "vapi.transcript", "Vapi final transcript"
        VAPI_TOOL_CALL = "vapi.tool-call", "Vapi tool call"
        VAPI_CALL_EVENT = "vapi.call-event", "Vapi call event"
        VAPI_END_OF_CALL = "vapi.end-of-call-report", "Vapi end-of-call report"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    provider = models.CharField(max_length=16, choices=Provider.choices)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    dedup_key = models.CharField(max_length=255)
    call_sid = models.CharField(max_length=64, blank=True, db_index=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    deliveries = models.PositiveIntegerField(default=1, help_text="How many times the provider sent it.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now, help_text="Not retried before this time.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    payload = EncryptedJSONField(null=True, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    payload_scrubbed_at = models.DateTimeField(null=True, blank=True)
    # Encrypted: an answer can hold credentials (a SIP password) and the
    # hand-off reference, and what the caller said is echoed in some.
    response_body = EncryptedTextField(blank=True, help_text="What the provider was answered; replayed to duplicates.")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "dedup_key"], name="inbound_event_unique_delivery"),
        ]
        indexes = [models.Index(fields=["status", "available_at"], name="inbound_event_due")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Call(models.Model):
    """A phone call, from either provider, keyed by the Twilio CallSid."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        INITIATED = "initiated", "Initiated"
        RINGING = "ringing", "Ringing"
        IN_PROGRESS = "in-progress", "In progress"
        COMPLETED = "completed", "Completed"
        BUSY = "busy", "Busy"
        NO_ANSWER = "no-answer", "No answer"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    class RecordingState(models.TextChoices):
        NOT_REQUESTED = "not_requested", "Not requested"
        REQUESTED = "requested", "Requested"
        STARTED = "started", "Started"
        FAILED = "failed", "Failed to start"

    call_sid = models.CharField(
        max_length=64, unique=True, help_text="Twilio's CallSid; for a Vapi call without one, 'vapi:' and Vapi's id."
    )
    provider = models.CharField(max_length=16, choices=Provider.choices, default=Provider.TWILIO)
    vapi_call_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="legs")
    direction = models.CharField(max_length=32, blank=True)
    from_number = EncryptedTextField(blank=True)
    from_hash = models.CharField(max_length=64, blank=True, db_index=True)
    to_number = EncryptedTextField(blank=True)
    to_hash = models.CharField(max_length=64, blank=True, db_index=True)
    caller_name = EncryptedTextField(blank=True, help_text="Caller ID name, if the provider gave one.")
    caller_jurisdiction = models.CharField(max_length=64, blank=True)
    callee_jurisdiction = models.CharField(max_length=64, blank=True)
    consent_requirement = models.CharField(
        max_length=16, choices=ConsentRequirement.choices, default=ConsentRequirement.ALL_PARTY
    )
    consent_jurisdiction = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    status_sequence = models.IntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Vapi's endedReason values run to 121 characters, and the list grows.
    end_reason = models.CharField(max_length=255, blank=True)
    department = models.CharField(max_length=32, blank=True)
    escalated = models.BooleanField(default=False)
    escalation_reason = models.CharField(max_length=64, blank=True, help_text="What triggered it: a keyword or intent.")
    cost = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True, help_text="Provider cost, USD.")
    recording_state = models.CharField(
        max_length=16, choices=RecordingState.choices, default=RecordingState.NOT_REQUESTED
    )
    recording_error = models.CharField(max_length=200, blank=True)
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the caller's personal data was erased at their request."
    )
    # A capability: whoever holds it can speak into, transfer or end the
    # live call. Encrypted, never shown, logged or audited; kept only while
    # the conversation lasts (calls.services.vapi_control).
    vapi_control_url = EncryptedTextField(
        null=True, blank=True, help_text="Vapi's control URL for the live conversation, once checked; then cleared."
    )
    vapi_control_refused_at = models.DateTimeField(
        null=True, blank=True, help_text="When a control URL Vapi named for it was refused (audited once)."
    )
    vapi_ended_at = models.DateTimeField(
        null=True, blank=True, help_text="When the Vapi conversation ended: nothing is told to it after that."
    )
    vapi_report_at = models.DateTimeField(
        null=True, blank=True, help_text="When Vapi's end-of-call report was applied: the CRM write waits for it."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    TERMINAL_STATUSES = frozenset({Status.COMPLETED, Status.BUSY, Status.NO_ANSWER, Status.FAILED, Status.CANCELED})

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recording_state", "updated_at"], name="call_recording_due"),
            # The few calls holding a control URL, for the sweep that drops old ones.
            models.Index(
                fields=["created_at"], condition=models.Q(vapi_control_url__isnull=False), name="call_control_url_kept"
            ),
        ]
        permissions = [("reveal_personal_data", "Can reveal personal data (every reveal is audited)")]

    def __str__(self) -> str:
        return self.call_sid

    @property
    def consent_decision(self) -> str | None:
        """The latest decision on the ledger, or None when none was given.
        Latest in the ledger's own order (appended last), never by a time a
        provider reported (compliance.selectors.latest_consent agrees)."""
        # The decision alone: no ledger row is built to read one column, and
        # no query compiled to read it.
        latest = first_row(_LATEST_DECISION, [self.pk], using=self._state.db or "default")
        return latest[0] if latest else None

    @property
    def has_granted_consent(self) -> bool:
        return self.consent_decision == ConsentDecision.GRANTED

    @property
    def customer_hash(self) -> str:
        """The keyed hash of the customer's number: the called party for a
        call this service placed, the caller otherwise."""
        return self.to_hash if self.direction == "outbound-api" else self.from_hash


class CallStatusEvent(models.Model):
    """Each status a provider reported for a call, applied or not: the
    timeline keeps what arrived late or twice as well as what changed."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="status_events")
    status = models.CharField(max_length=16, choices=Call.Status.choices)
    sequence_number = models.IntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    applied = models.BooleanField(help_text="False when the call had already moved past this status.")
    inbound_event = models.ForeignKey(InboundEvent, null=True, blank=True, on_delete=models.SET_NULL)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.call_id} {self.status}"


class Recording(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in-progress", "In progress"
        PAUSED = "paused", "Paused"
        STOPPED = "stopped", "Stopped"
        COMPLETED = "completed", "Completed"
        ABSENT = "absent", "Absent"
        FAILED = "failed", "Failed"
        DELETED = "deleted", "Deleted"

    class Review(models.TextChoices):
        """Whether it held card or identity data (compliance.recording_review)."""

        PENDING = "", "Not yet reviewed"
        CLEAN = "clean", "Clean: paused whenever such data was given"
        DELETING = "deleting", "Held such data: deleted by policy"
        QUARANTINED = "quarantined", "Held such data: awaiting a compliance officer"
        KEPT = "kept", "Held such data: kept by a compliance officer's decision"

    recording_sid = models.CharField(
        max_length=100, unique=True, help_text="Twilio's RecordingSid, or vapi:{call id}:{mono or stereo}."
    )
    provider = models.CharField(max_length=16, choices=Provider.choices, default=Provider.TWILIO)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="recordings")
    status = models.CharField(max_length=16, choices=Status.choices)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    channels = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=64, blank=True)
    media_url = models.URLField(max_length=2048, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    deletion_reason = models.CharField(max_length=64, blank=True)
    deletion_requested_at = models.DateTimeField(null=True, blank=True)
    deletion_error = models.CharField(
        max_length=200, blank=True, help_text="Why the provider has not deleted it yet (retried by the sweep)."
    )
    stop_requested_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="When the provider confirmed deletion.")
    review = models.CharField(max_length=16, choices=Review.choices, blank=True, default=Review.PENDING)
    review_types = models.JSONField(
        default=list, blank=True, help_text="What was given while it ran: types only, never a value."
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_decided_by = models.CharField(max_length=150, blank=True)
    review_note = models.CharField(
        max_length=500, blank=True, help_text="Why a compliance officer decided as they did."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["deletion_requested_at", "deleted_at"], name="recording_deletion_due"),
            models.Index(fields=["review", "status"], name="recording_review_due"),
        ]
        permissions = [
            ("decide_recording_review", "Can delete or keep a recording quarantined for card data"),
            ("play_recording", "Can play a call's recording (every play audited)"),
        ]

    def __str__(self) -> str:
        return self.recording_sid


class CaptureEvent(models.Model):
    """A call entering or leaving sensitive capture: a stretch in which card
    or identity numbers are given. While any reason's latest entry is still
    open, the call's recordings are paused (``calls.services.capture``).

    Events are kept in the order they happened, not the order they arrived:
    an entry that arrives after its own exit opens nothing. A detection's
    entry needs no exit; it lapses a quiet period after it was acted on.
    """

    class Reason(models.TextChoices):
        PAYMENT = "payment", "Keypad payment (<Pay>)"
        ASSISTANT = "assistant", "The assistant asked for it"
        DETECTED = "detected", "Found in live speech"

    class Action(models.TextChoices):
        ENTER = "enter", "Enter"
        LEAVE = "leave", "Leave"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="capture_events")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    action = models.CharField(max_length=8, choices=Action.choices)
    detail = models.CharField(max_length=64, blank=True, help_text="What was found or asked for; never a value.")
    occurred_at = models.DateTimeField()
    lapses_at = models.DateTimeField(
        null=True, blank=True, help_text="A detection's entry: the quiet period's end, once the pause was applied."
    )
    source = models.CharField(max_length=200, unique=True, help_text="The delivery that said so.")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.call_id} {self.action} {self.reason}"


class RecordingPause(models.Model):
    """One pause of a recording at the provider, from the request to the
    resume (or to the recording's end, when it ended paused)."""

    class Behavior(models.TextChoices):
        SKIP = "skip", "Skip (nothing recorded)"
        SILENCE = "silence", "Silence (silence recorded)"

    class Ending(models.TextChoices):
        RESUMED = "resumed", "Resumed"
        RECORDING_ENDED = "recording_ended", "The recording ended while paused"

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="pauses")
    reasons = models.CharField(max_length=64, help_text="The capture reasons open when it was paused.")
    behavior = models.CharField(max_length=8, choices=Behavior.choices)
    requested_at = models.DateTimeField(help_text="When the pause was sent to the provider.")
    paused_at = models.DateTimeField(help_text="When the provider confirmed it.")
    resume_requested_at = models.DateTimeField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True, help_text="When the provider confirmed the resume.")
    ending = models.CharField(max_length=16, choices=Ending.choices, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recording"], condition=models.Q(ending=""), name="recording_pause_one_open_per_recording"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recording_id} paused {self.paused_at:%H:%M:%S}"


class Payment(models.Model):
    """The outcome of a keypad payment (Twilio <Pay>): only what is not card
    data. The card's number appears as its last four digits at most."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="payments")
    source = models.CharField(max_length=200, unique=True, help_text="The <Pay> result delivery.")
    result = models.CharField(max_length=64)
    succeeded = models.BooleanField()
    confirmation_code = models.CharField(max_length=64, blank=True)
    card_type = models.CharField(max_length=32, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    token_reference = EncryptedTextField(blank=True, help_text="The gateway's token or profile, for a reusable charge.")
    error = models.CharField(max_length=64, blank=True, help_text="Twilio's error code or connector error, if any.")
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.call_id} {self.result}"


class TranscriptSegment(models.Model):
    """One utterance of a call, stored only redacted.

    Its raw words stay inside the encrypted inbox payload (``source_event``,
    at ``source_field``) until the transaction that applies that event has
    redacted them; the segment is created then, already redacted. If the
    engine fails on the words, the segment is stored fully masked with the
    reason, and the raw words are destroyed all the same. A pending segment,
    with no text, is one of a delivery that held more words than one
    transaction redacts (a long report), redacted apart by a task of its
    own, or, past the scrub deadline, masked.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting redaction"
        REDACTED = "redacted", "Redacted"
        MASKED = "masked", "Fully masked (redaction failed)"

    FULLY_MASKED = "[REDACTED]"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="transcript_segments")
    source = models.CharField(max_length=32, help_text="Where the words came from, e.g. twilio.gather.")
    source_event = models.ForeignKey(
        InboundEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="segments"
    )
    source_field = models.CharField(max_length=100, help_text="The field of the source payload holding the words.")
    position = models.PositiveIntegerField(default=0, help_text="Order within the source delivery.")
    speaker = models.CharField(max_length=16)
    spoken_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    text = models.TextField(blank=True, help_text="The redacted words.")
    entity_counts = models.JSONField(default=dict, blank=True, help_text="How many of each entity type were removed.")
    failure_reason = models.CharField(max_length=200, blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["spoken_at", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source_event", "source_field", "position"], name="segment_unique_source"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="segment_pending")]

    def __str__(self) -> str:
        return f"{self.call_id} #{self.position} ({self.status})"


class CallEvent(models.Model):
    """A lightweight moment of a call (speech started, caller interrupted,
    assistant hung): its type and time, never any words."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=64)
    detail = models.CharField(max_length=64, blank=True, help_text="e.g. the speech status; never text said.")
    occurred_at = models.DateTimeField()
    inbound_event = models.OneToOneField(InboundEvent, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.call_id} {self.type}"


class HandoffClaim(models.Model):
    """The assistant conversation a call was handed off to. A call is handed
    off once and a conversation joins one call: another conversation
    presenting a reference to the same call is a replay (calls.services.handoff)."""

    call_sid = models.CharField(max_length=64, unique=True, help_text="The Twilio call handed off.")
    vapi_call_id = models.CharField(max_length=64, unique=True)
    claimed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.call_sid} → {self.vapi_call_id}"


class UnknownMessageCount(models.Model):
    """Messages of types this service doesn't handle: counted, never kept."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    type = models.CharField(max_length=64)
    count = models.PositiveBigIntegerField(default=0)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "type"], name="unknown_message_unique_type")]

    def __str__(self) -> str:
        return f"{self.provider} {self.type}: {self.count}"


class ScheduledCallback(models.Model):
    """A call to place later through Twilio, asked for by the assistant."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PLACING = "placing", "Placing"
        PLACED = "placed", "Placed"
        FAILED = "failed", "Failed"

    call = models.ForeignKey(Call, null=True, on_delete=models.SET_NULL, related_name="callbacks")
    source = models.CharField(max_length=200, unique=True, help_text="The tool call that asked for it.")
    phone = EncryptedTextField()
    phone_hash = models.CharField(max_length=64, db_index=True)
    due_at = models.DateTimeField()
    # The evidence for the call we place: who asked, when, and for which number.
    requested_at = models.DateTimeField(null=True, blank=True, help_text="When the caller asked for it.")
    requester_hash = models.CharField(
        max_length=64, blank=True, help_text="Lookup hash of the number that asked (the caller's)."
    )
    number_is_requesters = models.BooleanField(
        null=True, help_text="Whether the number to call is the number the caller asked from."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    placed_call_sid = models.CharField(max_length=64, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="callback_due")]

    def __str__(self) -> str:
        return f"callback {self.pk} {self.status}"


class CrmDelivery(models.Model):
    """The transactional outbox for the CRM: one row per call and kind.

    A row is created in the same transaction as the change that makes it
    due (a call completed with its transcript settled, an erasure), so a
    delivery is never lost nor sent for a change that rolled back. A worker
    claims it, builds the body from the current redacted data, and sends it
    through the configured adapter with ``Idempotency-Key`` ``<id>-v<version>``.
    A transcript that changes after delivery re-arms the row as a new
    version; an unchanged body is not sent again.
    """

    class Kind(models.TextChoices):
        CALL = "call", "Completed call"
        ERASURE = "erasure", "Erasure"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERING = "delivering", "Delivering"
        DELIVERED = "delivered", "Delivered"
        DEAD = "dead", "Failed (dead letter)"
        CANCELLED = "cancelled", "Cancelled (subject erased)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=100, help_text="The call SID, or the erasure's id.")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_deliveries")
    subject_hash = models.CharField(
        max_length=64, blank=True, help_text="For an erasure: whom to delete. Blanked once delivered."
    )
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now, help_text="Not tried before this time.")
    awaiting_report = models.BooleanField(
        default=False,
        help_text="Waiting, with no message sent, for the call's Vapi end-of-call report: "
        "sent when it is in, or by the sweep once available.",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the body last delivered.")
    adapter = models.CharField(max_length=32, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True, help_text="The CRM's last HTTP status.")
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "CRM deliveries"
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="crm_delivery_one_per_call_and_kind")]
        indexes = [models.Index(fields=["status", "available_at"], name="crm_delivery_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} v{self.version} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"{self.pk}-v{self.version}"


class VapiControlMessage(models.Model):
    """A tool's result told to the live call through Vapi's call control
    (the call's ``monitor.controlUrl``): the outbox row of one tool call
    whose answer went out before its work was done (an async tool, or one
    that missed VAPI_TOOL_BUDGET_SECONDS).

    One row per call and tool call id, created in the transaction that
    applied the tool call, so a result is never lost nor told for work that
    rolled back; a worker claims it, and tells it only while the call is
    live (``calls.services.vapi_control``). What it says is the tool's
    one-line result, kept encrypted until the row is settled.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Told to the call"
        SKIPPED = "skipped", "Skipped: the call had ended"
        REFUSED = "refused", "Refused: no control URL this service may use"
        FAILED = "failed", "Failed"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="control_messages")
    tool_call_id = models.CharField(max_length=64, help_text="The model's id of the tool call (Vapi's toolCallId).")
    tool = models.CharField(max_length=64)
    content = EncryptedTextField(blank=True, help_text="What is told: the tool's one-line result; blanked once done.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now, help_text="Not tried before this time.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True, help_text="Vapi's last HTTP status.")
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "live call message"
        constraints = [
            models.UniqueConstraint(fields=["call", "tool_call_id"], name="control_message_one_per_tool_call"),
        ]
        indexes = [models.Index(fields=["status", "available_at"], name="control_message_due")]

    def __str__(self) -> str:
        return f"{self.tool} {self.tool_call_id} ({self.status})"
