from __future__ import annotations

from django.db import models
from django.utils import timezone

from compliance.fields import EncryptedTextField


class ConsentRequirement(models.TextChoices):
    ALL_PARTY = "all_party", "All parties must consent"
    ONE_PARTY = "one_party", "One party's consent suffices"


class ConsentDecision(models.TextChoices):
    GRANTED = "granted", "Granted"
    DECLINED = "declined", "Declined"


class ConsentMethod(models.TextChoices):
    DTMF = "dtmf", "Keypad"
    SPEECH = "speech", "Speech"
    ASSISTANT = "assistant", "Told the voice assistant"
    PROVIDER_REPORT = "provider_report", "Reported by the provider after the call"


class ConsentEvent(models.Model):
    """One consent decision, as evidence.

    Rows are written once and never changed (database triggers and, on
    PostgreSQL, the runtime role's privileges refuse it), and are
    hash-chained like the audit trail (``compliance.chain``): ``sequence``
    is the order they were appended, which is the ledger's order, whatever
    times a provider reports. They copy the call's SID and keep the call's
    id unchanged even after the call row is purged, so they outlive it;
    ``source`` is the delivery that produced the decision and makes
    recording it idempotent.
    """

    sequence = models.BigIntegerField(unique=True)
    # No database constraint and no cascade: the link is evidence, and a purged call leaves it as it was.
    call = models.ForeignKey(
        "calls.Call", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="consent_events"
    )
    call_sid = models.CharField(max_length=64, db_index=True)
    decision = models.CharField(max_length=16, choices=ConsentDecision.choices)
    method = models.CharField(max_length=16, choices=ConsentMethod.choices)
    requirement = models.CharField(max_length=16, choices=ConsentRequirement.choices)
    jurisdiction = models.CharField(max_length=64, help_text="The jurisdiction that set the requirement.")
    prompt_version = models.CharField(max_length=64)
    utterance = models.ForeignKey(
        "calls.TranscriptSegment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="What the caller said, stored redacted as a transcript segment (cleared when it is purged).",
    )
    confidence = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=200, unique=True)
    occurred_at = models.DateTimeField(
        help_text="When the caller answered: when we received the answer, or the time the provider reported, "
        "held within the call's lifetime as we saw it."
    )
    reported_at = models.DateTimeField(
        null=True, blank=True, help_text="The time the provider reported for the decision, exactly as it said."
    )
    recorded_at = models.DateTimeField(default=timezone.now, help_text="When it was appended to the ledger.")
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["decision", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.call_sid} {self.decision} ({self.method})"


class AuditEvent(models.Model):
    """One entry of the tamper-evident audit trail.

    Rows are append-only (database triggers refuse UPDATE and DELETE) and
    hash-chained: ``hash`` is SHA-256 over the canonical JSON of the row's
    own fields and the previous row's hash, so editing or removing any row
    breaks every link after it. A row is appended unsealed (no sequence or
    hashes) and the sealer links it into the chain shortly after its
    transaction commits (``compliance.chain.chain_seal``): the three chain
    columns are filled once and never change. Rows name ids, types and
    counts, and copy the names they refer to, so they outlive what they
    describe; they never hold personal data.
    """

    sequence = models.BigIntegerField(unique=True, null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    # A plain copy of the user's id: no constraint, never cleared, so deleting a user leaves the chain intact.
    actor = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text="The user's name, or 'system' or a provider.")
    object_type = models.CharField(max_length=64, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True, help_text="e.g. the call SID.")
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64, null=True, blank=True)
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        # Append order: an unsealed row has no sequence yet.
        ordering = ["-id"]
        indexes = [
            # What the sealer reads: the few rows not yet sealed, oldest first.
            models.Index(fields=["id"], condition=models.Q(sequence__isnull=True), name="compliance_audit_unsealed"),
        ]
        constraints = [
            # Sealed whole or not at all: a column filled alone would leave a row the sealer can never finish.
            models.CheckConstraint(
                condition=models.Q(sequence__isnull=True, previous_hash__isnull=True, hash__isnull=True)
                | models.Q(sequence__isnull=False, previous_hash__isnull=False, hash__isnull=False),
                name="compliance_audit_sealed_whole",
            ),
        ]
        permissions = [
            ("view_compliance_dashboard", "Can view the compliance dashboard"),
            ("run_export", "Can run compliance exports"),
            ("place_legal_hold", "Can place legal holds"),
            ("erase_subject", "Can erase a data subject's personal data"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action}" if self.sequence is not None else f"(unsealed) {self.action}"


class LedgerPurgePermit(models.Model):
    """Present only inside the transaction of the privileged retention purge:
    while a row naming a ledger's table and the current transaction exists,
    that ledger's triggers allow DELETE. Other transactions never see an
    uncommitted permit, and a committed one opens nothing. On PostgreSQL
    only the owner role may insert one (``compliance.database``)."""

    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=100)
    ledger = models.CharField(max_length=64, default="", help_text="The table the permit opens.")
    transaction_id = models.BigIntegerField(
        null=True, blank=True, help_text="PostgreSQL's id of the purge's transaction (txid_current())."
    )

    def __str__(self) -> str:
        return f"purge permit ({self.reason})"


class DataClass(models.TextChoices):
    RAW_PAYLOADS = "raw_payloads", "Raw inbox payloads"
    TRANSCRIPTS = "transcripts", "Transcripts"
    RECORDINGS = "recordings", "Recordings"
    CALL_METADATA = "call_metadata", "Call metadata"
    CONSENT_EVENTS = "consent_events", "Consent events"
    AUDIT_EVENTS = "audit_events", "Audit events"


class RetentionPolicy(models.Model):
    """How long one class of data is kept. Defaults come from settings
    (RETENTION_DEFAULT_DAYS); compliance staff edit them in the admin."""

    data_class = models.CharField(max_length=32, choices=DataClass.choices, unique=True)
    keep_days = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "retention policies"
        ordering = ["data_class"]

    def __str__(self) -> str:
        return f"{self.get_data_class_display()}: {self.keep_days} days"


class LegalHold(models.Model):
    """Data under a hold is neither purged nor erased until the hold ends."""

    call = models.ForeignKey("calls.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="legal_holds")
    call_sid = models.CharField(max_length=64, blank=True, db_index=True)
    subject_hash = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Keyed hash of the caller's number: holds all their calls."
    )
    reason = models.CharField(max_length=500)
    placed_by = models.CharField(max_length=150)
    placed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until released.")
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(call_sid="", subject_hash=""), name="legal_hold_names_a_call_or_subject"
            )
        ]

    def __str__(self) -> str:
        return f"hold on {self.call_sid or 'subject ' + self.subject_hash[:8]}"


class DestructionCertificate(models.Model):
    """Evidence that data was destroyed: what class, how many, from when to
    when, a SHA-256 over the sorted ids destroyed, and what failed. Written
    once, never changed."""

    data_class = models.CharField(max_length=32)
    reason = models.CharField(max_length=64, help_text="retention, erasure, …")
    run_id = models.CharField(max_length=64, db_index=True)
    count = models.PositiveIntegerField()
    oldest = models.DateTimeField(null=True, blank=True)
    newest = models.DateTimeField(null=True, blank=True)
    ids_sha256 = models.CharField(max_length=64)
    failures = models.JSONField(default=list, blank=True)
    issued_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.data_class} ×{self.count} ({self.reason})"


class JobLock(models.Model):
    """A named lock that outlives a transaction: two runs of a periodic job
    never overlap. Taken by inserting the row, released by deleting it; a
    lock older than its ``expires_at`` is presumed abandoned."""

    name = models.CharField(max_length=64, unique=True)
    holder = models.CharField(max_length=100)
    taken_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder}"


class RefusalCount(models.Model):
    """Refused requests, counted per kind, key, reason and time window.

    Anyone can send a refused request (a webhook, a sign-in), so each one is
    one upsert here rather than an audit event: the audit trail gets one
    event when a window's first refusal arrives and one with the count once
    the window has closed (``compliance.refusals``). ``reported`` is how
    many of ``count`` the audit trail already holds, so a refusal that
    lands after its window was reported is reported by the next run.
    """

    kind = models.CharField(max_length=16, help_text="webhook or sign_in")
    actor = models.CharField(max_length=32, help_text="Who sent it: a provider, or anonymous.")
    key = models.CharField(
        max_length=150, help_text="The URL pattern refused, or the user named; never what the sender wrote."
    )
    object_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=32)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)
    reported = models.PositiveBigIntegerField(default=0, help_text="How many the audit trail already counts.")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        ordering = ["-window_start", "kind", "key", "reason"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "reason", "window_start"], name="refusal_one_per_window"),
            models.CheckConstraint(
                condition=models.Q(reported__lte=models.F("count")), name="refusal_reported_le_count"
            ),
        ]
        indexes = [models.Index(fields=["window_end"], name="refusal_window_end")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} {self.reason} from {self.window_start:%Y-%m-%d %H:%M}: {self.count}"


class KeyRotationProgress(models.Model):
    """How far a pass of ``rotate_keys`` has come through one column, and
    the newest key it works towards (``compliance.keys``). An interrupted
    pass resumes after ``last_id``; a pass towards another key, or one after
    a finished pass, starts again from the first row. Holds fingerprints and
    counts only, never a value or a key."""

    class Rotation(models.TextChoices):
        FIELDS = "fields", "Field encryption keys"
        IDENTIFIER_HASHES = "identifier_hashes", "Identifier hash key"

    rotation = models.CharField(max_length=32, choices=Rotation.choices)
    table = models.CharField(max_length=63)
    column = models.CharField(max_length=63)
    key_fingerprint = models.CharField(max_length=8, help_text="First 8 hex of the SHA-256 of the newest key.")
    last_id = models.BigIntegerField(null=True, blank=True, help_text="The last primary key done; empty: none yet.")
    counts = models.JSONField(default=dict, help_text="What this pass did to the column so far, by outcome.")
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "key rotation progress"
        constraints = [
            models.UniqueConstraint(fields=["rotation", "table", "column"], name="key_rotation_one_row_per_column")
        ]

    def __str__(self) -> str:
        return f"{self.rotation} {self.table}.{self.column} after {self.last_id}"


class AttentionReview(models.Model):
    """A reviewer's mark that one of a call's problems was looked at, with
    their note (``compliance.attention``). The note is free text a person
    wrote about a call, so it is stored encrypted and goes with the call's
    data; the audit trail keeps who reviewed what and when, never the note."""

    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="attention_reviews")
    call_sid = models.CharField(max_length=64)
    problem = models.CharField(max_length=32)
    reviewed_by = models.CharField(max_length=150)
    reviewed_at = models.DateTimeField(default=timezone.now)
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        indexes = [models.Index(fields=["call", "problem", "reviewed_at"], name="attention_review_latest")]
        permissions = [("review_attention", "Can mark a call's problem reviewed, with a note")]

    def __str__(self) -> str:
        return f"{self.call_sid} {self.problem}"
