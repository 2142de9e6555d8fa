"""From alert to evidence: the dashboard's tiles link to the rows they
count, the call list and page flag what needs a person, and the "needs
review" queue lists open problems oldest first until a reviewer marks them
reviewed with a note (audited, the note kept out of the audit trail)."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from calls.models import Call, InboundEvent, Recording, TranscriptSegment
from calls.services.recordings import recording_delete_at_provider
from calls.services.transcripts import transcript_mask_pending
from compliance import roles
from compliance.attention import RULES, Problem, attention_open_count, attention_queue, attention_review, call_attention
from compliance.audit import Actor, audit_chain_check
from compliance.models import AttentionReview, AuditEvent, ConsentDecision, ConsentMethod
from compliance.recording_review import recording_review_decide
from compliance.services import consent_record
from tests.factories import CallFactory, SegmentFactory, recording_sid, staff_member

pytestmark = pytest.mark.django_db

NOTE = "Checked the recording with the caller's account manager; deletion re-requested."


def decide(call: Call, decision: str) -> None:
    consent_record(
        call=call, decision=decision, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source=f"test:{call.pk}:{decision}", occurred_at=timezone.now(),
    )  # fmt: skip


def recording(call: Call, **fields: object) -> Recording:
    return Recording.objects.create(call=call, recording_sid=recording_sid(), status="completed", **fields)


def with_problem(problem: str, *, at=None) -> Call:
    """A call having exactly ``problem`` (consent granted, unless the problem is its lack)."""
    at = at or timezone.now()
    call = CallFactory(created_at=at)
    if problem != Problem.RECORDING_WITHOUT_CONSENT:
        decide(call, ConsentDecision.GRANTED)
    if problem == Problem.RECORDING_WITHOUT_CONSENT:
        recording(call, created_at=at)
    elif problem == Problem.DELETION_UNCONFIRMED:
        recording(call, deletion_requested_at=at, deletion_reason="retention")
    elif problem == Problem.REDACTION_FAILED:
        SegmentFactory(call=call, status=TranscriptSegment.Status.MASKED, text="[REDACTED]", created_at=at)
    elif problem == Problem.SENSITIVE_RECORDING:
        recording(call, review=Recording.Review.QUARANTINED, review_types=["CREDIT_CARD"], reviewed_at=at)
    elif problem == Problem.ESCALATED:
        Call.objects.filter(pk=call.pk).update(escalated=True, escalation_reason="agent")
    return call


class _Tiles(HTMLParser):
    """The dashboard's tiles: id, link, value, and whether the value counts the linked rows."""

    def __init__(self) -> None:
        super().__init__()
        self.tiles: dict[str, dict] = {}
        self._tile: dict | None = None
        self._in_value = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if "figure" in (attributes.get("class") or "").split():
            self._tile = {"href": attributes.get("href"), "counts": "data-counts-rows" in attributes, "value": ""}
            self.tiles[attributes["id"]] = self._tile
        elif self._tile is not None and attributes.get("class") == "value":
            self._in_value = True

    def handle_endtag(self, tag: str) -> None:
        if self._in_value and tag == "div":
            self._in_value = False
            self._tile = None

    def handle_data(self, data: str) -> None:
        if self._in_value:
            self._tile["value"] += data.strip()


def dashboard_tiles(client) -> dict[str, dict]:
    parser = _Tiles()
    parser.feed(client.get(reverse("compliance-dashboard")).content.decode())
    return parser.tiles


def rows_listed(client, href: str) -> int:
    response = client.get(href)
    # An admin list given a lookup it refuses redirects with ?e=1: that is a broken link, not a count.
    assert response.status_code == 200, (href, response.status_code)
    context = response.context
    return context["cl"].result_count if "cl" in context else context["total"]


def test_every_dashboard_figure_links_to_a_list_of_exactly_the_rows_it_counts(admin_client):
    # Something behind every figure, so a link that lists the wrong rows can't match by being empty.
    for problem in (rule.problem for rule in RULES):
        with_problem(problem)
    decide(CallFactory(), ConsentDecision.DECLINED)
    recording(with_problem(Problem.ESCALATED), review=Recording.Review.KEPT, review_types=["US_SSN"])
    SegmentFactory(status=TranscriptSegment.Status.PENDING, text="")
    CallFactory(created_at=timezone.now() - timedelta(days=8))  # neither today nor this week
    old = timezone.now() - timedelta(hours=1)
    for status, key in ((InboundEvent.Status.PENDING, "stuck"), (InboundEvent.Status.FAILED, "failed")):
        InboundEvent.objects.create(
            provider="twilio", kind="twilio.voice", dedup_key=key, payload_sha256="0", received_at=old, status=status
        )
    InboundEvent.objects.create(provider="twilio", kind="twilio.voice", dedup_key="fresh", payload_sha256="0")
    audit_chain_check()

    tiles = dashboard_tiles(admin_client)

    counted = {key: tile for key, tile in tiles.items() if tile["counts"]}
    assert len(counted) >= 12, sorted(tiles)
    for key, tile in tiles.items():
        assert tile["href"], f"{key} links nowhere"
    for key, tile in counted.items():
        assert int(tile["value"]) > 0, key
        assert rows_listed(admin_client, tile["href"]) == int(tile["value"]), key


def test_a_role_without_the_list_sees_the_figure_without_its_link(client):
    with_problem(Problem.REDACTION_FAILED)
    client.force_login(staff_member("auditor", roles.AUDITOR))

    tiles = dashboard_tiles(client)

    assert tiles["redaction-failed"]["value"] == "1" and tiles["redaction-failed"]["href"] is None
    assert tiles["chain-verification"]["href"]  # the audit trail is theirs to read


def test_the_call_list_flags_each_problem_and_filters_by_it(admin_client):
    calls = {rule.problem: with_problem(rule.problem) for rule in RULES}
    clean = with_problem("")
    url = reverse("admin:calls_call_changelist")

    for rule in RULES:
        listed = admin_client.get(url, {"attention": rule.problem}).context["cl"].result_list
        assert [call.pk for call in listed] == [calls[rule.problem].pk], rule.problem
    anything = admin_client.get(url, {"attention": "any"}).context["cl"].result_list
    assert {call.pk for call in anything} == {call.pk for call in calls.values()}
    page = admin_client.get(url).content.decode()
    row = re.search(rf"{calls[Problem.REDACTION_FAILED].call_sid}.*?</tr>", page, re.S).group(0)
    assert "redaction failed" in row
    clean_row = re.search(rf"{clean.call_sid}.*?</tr>", page, re.S).group(0)
    assert "attention-flag" not in clean_row


def test_the_queue_lists_open_problems_oldest_first_across_kinds():
    now = timezone.now()
    made = [with_problem(rule.problem, at=now - timedelta(hours=index)) for index, rule in enumerate(RULES)]

    items = attention_queue(limit=3)
    later = attention_queue(limit=3, offset=3)

    assert attention_open_count() == len(RULES)
    assert [item.call_id for item in items + later] == [call.pk for call in reversed(made)]
    assert [item.since for item in items + later] == sorted(item.since for item in items + later)


def test_marking_a_problem_reviewed_audits_it_without_the_note_and_closes_it(client):
    call = with_problem(Problem.DELETION_UNCONFIRMED)
    officer = staff_member("officer", roles.COMPLIANCE_OFFICER)
    client.force_login(officer)
    queue = reverse("compliance-review")
    assert call.call_sid in client.get(queue).content.decode()

    response = client.post(
        reverse("compliance-review-mark"),
        {"call": call.pk, "problem": Problem.DELETION_UNCONFIRMED, "note": NOTE, "next": queue},
    )

    assert response.status_code == 302 and response["Location"] == queue
    assert attention_queue(limit=10) == [] and attention_open_count() == 0
    event = AuditEvent.objects.get(action="attention.reviewed")
    assert (event.actor_name, event.object_repr) == ("officer", call.call_sid)
    assert event.details["problem"] == Problem.DELETION_UNCONFIRMED and event.details["note_length"] == len(NOTE)
    assert "re-requested" not in str(event.details)
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM compliance_attentionreview")
        (stored,) = cursor.fetchone()
    assert "re-requested" not in stored  # encrypted at rest
    (attention,) = call_attention(call=call)
    assert not attention.open and attention.review.note == NOTE
    page = client.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()
    assert NOTE.replace("'", "&#x27;") in page and "Mark reviewed" not in page


def test_new_evidence_after_a_review_opens_the_problem_again():
    call = with_problem(Problem.REDACTION_FAILED, at=timezone.now() - timedelta(minutes=5))
    AttentionReview.objects.create(call=call, call_sid=call.call_sid, problem=Problem.REDACTION_FAILED, note="ok")
    assert attention_open_count() == 0

    SegmentFactory(call=call, status=TranscriptSegment.Status.MASKED, text="[REDACTED]")

    items = attention_queue(limit=10)
    assert attention_open_count() == 1 and items[0].call_id == call.pk
    assert call_attention(call=call)[0].open


def _withdraw_consent(call: Call) -> None:
    decide(call, ConsentDecision.DECLINED)


def _provider_refuses_the_deletion(call: Call) -> None:
    recording_delete_at_provider(recording_id=call.recordings.get().pk)  # no credentials configured: refused


def _a_stored_segment_fails_redaction(call: Call) -> None:
    # Stored before the review, masked after it (the scrub deadline).
    transcript_mask_pending(event_ids=[call.pending_event.pk], reason="raw words were no longer available")


def _an_officer_keeps_it(call: Call) -> None:
    officer = staff_member("decider", roles.COMPLIANCE_OFFICER)
    recording_review_decide(recording=call.recordings.get(), delete=False, actor=Actor(user=officer), note="evidence")


# What a reviewer must see again, per problem: new evidence on a call
# whose problem was reviewed. An escalation happens once.
REOPENED_BY = {
    Problem.RECORDING_WITHOUT_CONSENT: _withdraw_consent,
    Problem.DELETION_UNCONFIRMED: _provider_refuses_the_deletion,
    Problem.REDACTION_FAILED: _a_stored_segment_fails_redaction,
    Problem.SENSITIVE_RECORDING: _an_officer_keeps_it,
}


def test_every_problem_but_an_escalation_has_a_way_to_come_back():
    assert set(REOPENED_BY) == {rule.problem for rule in RULES} - {Problem.ESCALATED}


@pytest.mark.parametrize("problem", sorted(REOPENED_BY))
def test_what_changes_after_a_review_opens_the_problem_again(problem, settings):
    settings.TWILIO_ACCOUNT_SID = ""
    call = with_problem(problem, at=timezone.now() - timedelta(minutes=5))
    event = InboundEvent.objects.create(provider="vapi", kind="vapi.transcript", dedup_key="d", payload_sha256="0")
    SegmentFactory(
        call=call, status=TranscriptSegment.Status.PENDING, text="", source_event=event,
        created_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    call.pending_event = event
    attention_review(call=call, problem=problem, note=NOTE, actor=Actor(name="officer"))
    assert problem not in {item.problem for item in attention_queue(limit=10)}

    REOPENED_BY[problem](call)

    assert problem in {item.problem for item in attention_queue(limit=10) if item.call_id == call.pk}
    assert next(item for item in call_attention(call=call) if item.problem == problem).open


def test_far_pages_and_odd_page_numbers_read_no_more_than_there_is(admin_client):
    with_problem(Problem.ESCALATED)
    for page in ("99999", "0", "-1", "²", "abc", "9" * 30):
        response = admin_client.get(reverse("compliance-review"), {"page": page})
        assert response.status_code == 200 and response.context["page"].number == 1


@pytest.mark.parametrize(
    ("problem", "note", "message"),
    [
        (Problem.ESCALATED, "   ", "A note is required"),
        (Problem.ESCALATED, "x" * 1001, "longer than 1000"),
        (Problem.REDACTION_FAILED, NOTE, "does not have that problem"),
        ("made_up", NOTE, "no such problem"),
    ],
)
def test_a_review_that_cant_stand_is_refused_and_changes_nothing(client, problem, note, message):
    call = with_problem(Problem.ESCALATED)
    client.force_login(staff_member("officer", roles.COMPLIANCE_OFFICER))

    response = client.post(
        reverse("compliance-review-mark"), {"call": call.pk, "problem": problem, "note": note}, follow=True
    )

    assert message in response.content.decode()
    assert not AttentionReview.objects.exists()
    assert not AuditEvent.objects.filter(action="attention.reviewed").exists()


def test_a_supervisor_sees_the_queue_but_can_not_mark_reviewed(client):
    call = with_problem(Problem.ESCALATED)
    client.force_login(staff_member("supervisor", roles.SUPERVISOR))

    page = client.get(reverse("compliance-review")).content.decode()
    call_page = client.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()
    response = client.post(reverse("compliance-review-mark"), {"call": call.pk, "problem": "escalated", "note": NOTE})

    assert call.call_sid in page and "Mark reviewed" not in page
    assert "Escalated to a person" in call_page and "Mark reviewed" not in call_page
    assert response.status_code == 403 and not AttentionReview.objects.exists()


def test_the_review_goes_back_only_to_this_site(client):
    call = with_problem(Problem.ESCALATED)
    client.force_login(staff_member("officer", roles.COMPLIANCE_OFFICER))

    response = client.post(
        reverse("compliance-review-mark"),
        {"call": call.pk, "problem": Problem.ESCALATED, "note": NOTE, "next": "https://elsewhere.example/"},
    )

    assert response["Location"] == reverse("compliance-review")


def test_erasing_the_caller_clears_the_reviewers_notes_on_their_calls():
    call = with_problem(Problem.ESCALATED)
    AttentionReview.objects.create(call=call, call_sid=call.call_sid, problem=Problem.ESCALATED, note=NOTE)

    call_command("erase_subject", "--phone", call.from_number, "--no-input", stdout=StringIO())

    assert AttentionReview.objects.get().note == ""


def test_a_supervisor_sees_that_a_note_is_held_but_not_what_it_says(client):
    call = with_problem(Problem.ESCALATED)
    AttentionReview.objects.create(call=call, call_sid=call.call_sid, problem=Problem.ESCALATED, note=NOTE)
    client.force_login(staff_member("supervisor", roles.SUPERVISOR))

    page = client.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()

    assert "re-requested" not in page and f"a note ({len(NOTE)} characters) is held" in page


def test_transcript_words_are_never_a_filter_of_the_segment_list(admin_client):
    SegmentFactory(text="my card is [CREDIT_CARD]")
    url = reverse("admin:calls_transcriptsegment_changelist")

    for lookup in ("text__icontains", "text", "text__startswith"):
        response = admin_client.get(url, {lookup: "card"})
        assert response.status_code == 400, lookup  # DisallowedModelAdminLookup


def test_the_call_list_costs_the_same_queries_for_5_calls_as_for_50(admin_client, django_assert_max_num_queries):
    for index in range(50):
        call = CallFactory()
        if index % 2:
            decide(call, ConsentDecision.GRANTED)
    url = reverse("admin:calls_call_changelist")
    admin_client.get(url)  # the session and the permissions, cached

    with django_assert_max_num_queries(12):
        page = admin_client.get(url).content.decode()

    assert page.count(">granted<") == 25 and page.count(">missing<") == 25
