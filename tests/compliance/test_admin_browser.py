"""A compliance officer in a real browser: sign in (password and TOTP code),
the dashboard, a call, a reveal, and the audit events that prove it.

Debian's Chromium, driven by Playwright through ``executable_path``.
Screenshots are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from calls.models import TranscriptSegment
from compliance import roles
from compliance.models import AuditEvent, ConsentDecision, ConsentMethod
from compliance.services import consent_record
from tests.browser import SHOTS, fill_sign_in, needs_chromium, staff_with_device
from tests.factories import CallFactory

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_compliance_officer_signs_in_reviews_a_call_and_reveals_a_number(browser_page, live_server, settings):
    settings.ADMIN_REQUIRE_OTP = True
    _, device = staff_with_device("officer", roles.COMPLIANCE_OFFICER)
    call = CallFactory(from_number="+14155550188")
    consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source="browser-test", occurred_at=timezone.now(),
    )  # fmt: skip
    TranscriptSegment.objects.create(
        call=call, source="twilio.gather", source_field="form.SpeechResult", speaker="caller",
        spoken_at=timezone.now(), status="redacted", text="my number is [PHONE]",
    )  # fmt: skip
    page = browser_page

    # 1. Sign in: password and the authenticator's code.
    fill_sign_in(page, live_server, "officer", device)
    page.screenshot(path=str(SHOTS / "1-sign-in.png"))
    page.click("input[type=submit][value='Log in']")
    page.wait_for_selector("#content-main .app-compliance")
    page.screenshot(path=str(SHOTS / "1-index.png"), full_page=True)
    assert AuditEvent.objects.filter(action="auth.login", actor_name="officer").exists()

    # 2. The dashboard.
    page.click("text=Compliance dashboard")
    page.wait_for_selector("#recordings-without-consent")
    page.screenshot(path=str(SHOTS / "2-dashboard.png"), full_page=True)
    assert page.inner_text("#consent-granted .value").strip() == "1"
    assert "good" in page.get_attribute("#recordings-without-consent", "class")

    # 3. The call: masked number, timeline with consent and redacted words.
    page.goto(f"{live_server.url}/admin/calls/call/")
    page.click(f"text={call.call_sid}")
    page.wait_for_selector("#timeline")
    page.screenshot(path=str(SHOTS / "3-call.png"), full_page=True)
    content = page.content()
    assert "+1 415 ••• ••88" in content and "4155550188" not in content
    assert "my number is [PHONE]" in page.inner_text("#timeline")

    # 4. Reveal the number.
    page.click("#reveal-personal-data")
    page.wait_for_selector("#revealed")
    page.screenshot(path=str(SHOTS / "4-reveal.png"))
    assert "+14155550188" in page.inner_text("#revealed")

    # 5. Both are in the audit trail, under the officer's name.
    trail = AuditEvent.objects.filter(actor_name="officer", object_repr=call.call_sid)
    assert set(trail.values_list("action", flat=True)) == {"access.view", "access.reveal"}
    page.goto(f"{live_server.url}/admin/compliance/auditevent/?q={call.call_sid}")
    page.screenshot(path=str(SHOTS / "5-audit-trail.png"), full_page=True)
    assert page.locator("#result_list tbody tr").count() >= 2


def test_an_officer_goes_from_the_dashboard_to_a_problem_and_reviews_it(browser_page, live_server, settings):
    """One click from a figure to the rows behind it; the call list readable
    on a 1,366-pixel screen; a problem marked reviewed with a note."""
    settings.ADMIN_REQUIRE_OTP = True
    _, device = staff_with_device("officer", roles.COMPLIANCE_OFFICER)
    failed = CallFactory(from_number="+14155550199")
    TranscriptSegment.objects.create(
        call=failed, source="vapi.transcript", source_field="message.transcript", speaker="caller",
        spoken_at=timezone.now(), status=TranscriptSegment.Status.MASKED, text="[REDACTED]",
        failure_reason="analyzer unavailable",
    )  # fmt: skip
    for _ in range(30):
        CallFactory()
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    fill_sign_in(page, live_server, "officer", device)
    page.click("input[type=submit][value='Log in']")
    page.wait_for_selector("#content-main .app-compliance")

    # The call list at 1,366 pixels: nothing scrolls sideways, the flag is on the row.
    page.goto(f"{live_server.url}/admin/calls/call/")
    page.wait_for_selector("#result_list")
    page.screenshot(path=str(SHOTS / "6-call-list-1366.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    results = page.locator("#changelist .results")
    assert results.evaluate("element => element.scrollWidth <= element.clientWidth"), "the list scrolls sideways"
    assert "redaction failed" in page.inner_text(f"#result_list tr:has-text('{failed.call_sid}')")

    # The dashboard figure leads to the segment; the queue to the call.
    page.goto(f"{live_server.url}/admin/compliance/dashboard/")
    page.click("#redaction-failed")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 1
    page.goto(f"{live_server.url}/admin/compliance/dashboard/")
    page.click("#needs-review")
    page.wait_for_selector("#review-queue")
    page.screenshot(path=str(SHOTS / "7-needs-review.png"), full_page=True)
    page.click(f"#review-queue a:has-text('{failed.call_sid}')")
    page.wait_for_selector("#attention")
    page.screenshot(path=str(SHOTS / "8-call-needs-attention.png"), full_page=True)
    page.fill("#attention textarea[name=note]", "Re-ran redaction after the analyzer came back; segment stays masked.")
    page.click("#attention input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert "Reviewed" in page.inner_text("#attention tr[data-problem=redaction_failed]")
    assert AuditEvent.objects.filter(action="attention.reviewed", actor_name="officer").count() == 1

    # The export page: a date picker for each end of the period.
    page.goto(f"{live_server.url}/admin/compliance/export/")
    assert page.locator("input[type=date]").count() == 2
    page.fill("#id_first_day", "2026-11-01")
    page.screenshot(path=str(SHOTS / "9-export.png"), full_page=True)
