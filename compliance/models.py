from __future__ import annotations

from django.db import models
from django.utils import timezone


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

    Rows are written once and never changed. They copy the call's SID so that
    they outlive the call row; ``source`` is the delivery that produced the
    decision and makes recording it idempotent.
    """

    call = models.ForeignKey("calls.Call", null=True, on_delete=models.SET_NULL, related_name="consent_events")
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
        help_text="What the caller said, stored redacted as a transcript segment.",
    )
    confidence = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=200, unique=True)
    occurred_at = models.DateTimeField(help_text="When the caller answered, as the provider reported it.")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["decision", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.call_sid} {self.decision} ({self.method})"
