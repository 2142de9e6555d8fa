"""The staff roles and what each may do, as Django groups.

A data migration creates the groups, and every migrate or flush sets their
permissions from ``ROLES`` (see ``apps.py``), so a role changes with this file.
"""

from __future__ import annotations

from typing import Any

COMPLIANCE_OFFICER = "Compliance officer"
SUPERVISOR = "Supervisor"
AUDITOR = "Auditor"

_CALL_DATA = [
    "calls.view_call", "calls.view_callstatusevent", "calls.view_callevent", "calls.view_recording",
    "calls.view_transcriptsegment", "compliance.view_consentevent",
]  # fmt: skip

ROLES: dict[str, list[str]] = {
    # Reads everything, runs exports, places legal holds, erases on request, may reveal personal data.
    COMPLIANCE_OFFICER: [
        *_CALL_DATA,
        "calls.view_inboundevent",
        "calls.view_scheduledcallback",
        "calls.view_unknownmessagecount",
        "calls.view_crmdelivery",
        "calls.view_vapicontrolmessage",
        "calls.change_crmdelivery",  # the retry action: nothing else is editable
        "calls.reveal_personal_data",
        "compliance.view_auditevent",
        "compliance.view_refusalcount",
        "compliance.view_compliance_dashboard",
        "compliance.run_export",
        "compliance.place_legal_hold",
        "compliance.erase_subject",
        "calls.decide_recording_review",
        "compliance.review_attention",
        "calls.play_recording",  # every play is audited
    ],  # fmt: skip
    # Calls and redacted transcripts; no reveal.
    SUPERVISOR: _CALL_DATA,
    # The audit trail and the reports, read-only.
    AUDITOR: ["compliance.view_auditevent", "compliance.view_refusalcount", "compliance.view_compliance_dashboard"],
}


def sync_roles(apps: Any) -> None:
    """Create the groups and set exactly their permissions (historical models)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)
