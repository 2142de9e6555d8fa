"""A call's CRM write waits for its Vapi end-of-call report
(``calls.services.crm.crm_call_ready``). Calls with a Vapi conversation
that had ended before this are taken as having had their report, so that
nothing about them waits afterwards that did not wait before."""

from django.db import migrations, models
from django.db.models.functions import Coalesce

TERMINAL = ("completed", "busy", "no-answer", "failed", "canceled")


def ended_calls_had_their_report(apps, schema_editor):
    Call = apps.get_model("calls", "Call")
    Call.objects.filter(vapi_call_id__isnull=False, status__in=TERMINAL).update(
        vapi_report_at=Coalesce("ended_at", "updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0012_vapi_live_call_control"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="vapi_report_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When Vapi's end-of-call report was applied: the CRM write waits for it.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="crmdelivery",
            name="awaiting_report",
            field=models.BooleanField(
                default=False,
                help_text="Waiting, with no message sent, for the call's Vapi end-of-call report: "
                "sent when it is in, or by the sweep once available.",
            ),
        ),
        migrations.RunPython(ended_calls_had_their_report, migrations.RunPython.noop),
    ]
