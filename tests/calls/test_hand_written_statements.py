"""The statements the worker writes from the models' metadata instead of
compiling them (``compliance.database``) store exactly what Django's own
``save`` stores: every field of the model, whatever its kind (encrypted,
foreign key, decimal, JSON, time)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone

from calls.models import Call, CallStatusEvent, CrmDelivery, InboundEvent, Recording, VapiControlMessage
from calls.services import crm, vapi_control
from calls.services.inbox import inbox_process
from calls.services.outbox import outbox_claim, outbox_update
from compliance.audit import audit_record, audit_record_many
from compliance.database import insert_row, rows_changed, update_fields
from compliance.models import AuditEvent
from tests.factories import CallFactory, call_sid, recording_sid, twilio_call_params

pytestmark = pytest.mark.django_db

# Set by the database or the save itself, or one row's own.
OWN = {"id", "updated_at", "recorded_at", "created_at"}


def stored(row) -> dict[str, object]:  # noqa: ANN001
    fresh = type(row).objects.get(pk=row.pk)
    return {field.attname: getattr(fresh, field.attname) for field in row._meta.concrete_fields}


def comparable(row) -> dict[str, object]:  # noqa: ANN001
    unique = {field.attname for field in row._meta.concrete_fields if field.unique}
    return {name: value for name, value in stored(row).items() if name not in OWN | unique}


def a_call_with_everything(twilio_post) -> Call:  # noqa: ANN001
    params = twilio_call_params(CallerName="Dana Whitfield")
    twilio_post("/webhooks/twilio/voice/", params)
    twilio_post("/webhooks/twilio/status/", {**params, "CallStatus": "completed", "CallDuration": "42"})
    for event_id in InboundEvent.objects.order_by("id").values_list("pk", flat=True):
        assert inbox_process(event_id=event_id)
    call = Call.objects.get(call_sid=params["CallSid"])
    call.parent = Call.objects.create(call_sid=call_sid())
    call.cost, call.department, call.vapi_control_url = 0.1234, "billing", "https://example.test/control"
    call.escalated, call.escalation_reason = True, "asked for a person"
    return call


def two_copies(twilio_post, model):  # noqa: ANN001, ANN201
    """A row of ``model`` with every field filled, and two copies of it saved
    apart; and the names of the fields an update may write."""
    source = a_call_with_everything(twilio_post)
    if model is Recording:
        source = Recording.objects.create(call=source, recording_sid=recording_sid(), status="completed")
        source.duration_seconds, source.deleted_at = 17, timezone.now() - timedelta(days=1)
    fields = [field.name for field in model._meta.concrete_fields if not field.primary_key and not field.unique]
    by_django, by_hand = (model.objects.get(pk=source.pk) for _ in range(2))
    for row in (by_django, by_hand):
        row.pk, row._state.adding = None, True
        for field in model._meta.concrete_fields:
            if field.unique and not field.primary_key:
                setattr(row, field.attname, f"{getattr(row, field.attname)}-{id(row)}"[-field.max_length :])
        row.save()
    return source, by_django, by_hand, fields


def assert_same_and_filled(by_hand, by_django) -> None:  # noqa: ANN001
    assert comparable(by_hand) == comparable(by_django)
    filled = {name: value for name, value in comparable(by_hand).items() if value not in (None, "", 0, False)}
    assert len(filled) >= 5, f"the values compared are not just defaults: {sorted(filled)}"


@pytest.mark.parametrize("model", [Call, Recording])
def test_update_fields_stores_every_field_as_save_does(twilio_post, model):
    source, by_django, by_hand, fields = two_copies(twilio_post, model)
    for row in (by_django, by_hand):
        for name in fields:
            setattr(row, name, getattr(source, name))

    by_django.save(update_fields=fields)
    update_fields(by_hand, fields)

    assert_same_and_filled(by_hand, by_django)
    assert stored(by_hand)["updated_at"] >= stored(source)["updated_at"], "auto_now is set"


@pytest.mark.parametrize("model", [Call, Recording])
def test_rows_changed_stores_every_field_as_a_queryset_update_does(twilio_post, model):
    source, by_django, by_hand, fields = two_copies(twilio_post, model)
    attnames = [model._meta.get_field(name).attname for name in fields]  # a foreign key by its id
    changes = {name: getattr(source, name) for name in attnames}

    assert model.objects.filter(pk=by_django.pk).update(**changes) == 1
    assert rows_changed(model, changes, "id = %s", [by_hand.pk]) == 1

    assert_same_and_filled(by_hand, by_django)
    assert rows_changed(model, changes, "id = %s", [-1]) == 0, "nothing matched, nothing changed"


def test_update_fields_of_a_row_that_is_gone_raises_as_save_does():
    call = Call.objects.create(call_sid=call_sid())
    Call.objects.filter(pk=call.pk).delete()

    with pytest.raises(DatabaseError):
        update_fields(call, ["department"])


def test_insert_row_stores_every_field_as_create_does(twilio_post):
    call = a_call_with_everything(twilio_post)
    values = {"call": call, "status": "completed", "sequence_number": 7, "occurred_at": timezone.now(), "applied": True}
    values["inbound_event"] = InboundEvent.objects.first()

    by_hand = insert_row(CallStatusEvent(**values))

    assert by_hand.pk is not None and not by_hand._state.adding
    assert comparable(by_hand) == comparable(CallStatusEvent.objects.create(**values))


@pytest.mark.parametrize("kind", ["crm", "vapi_control"])
def test_an_outbox_claim_loads_its_row_as_a_queryset_does_and_the_claim_fences_it(kind):
    """The claim is one statement that also loads the row (encrypted fields
    decrypted): what it returns is what the ORM reads back, and its
    ``claimed_at`` is the claim that ends it."""
    call = CallFactory(status=Call.Status.COMPLETED)
    if kind == "crm":
        box = crm.OUTBOX
        row = CrmDelivery.objects.create(kind="call", key=call.call_sid, call=call, delivered_sha256="ab" * 32)
    else:
        box = vapi_control.OUTBOX
        row = VapiControlMessage.objects.create(call=call, tool_call_id="call_1", tool="lookup", content="Found it.")

    claimed = outbox_claim(box, row_id=row.pk)

    fresh = type(row).objects.get(pk=row.pk)
    assert {f.attname: getattr(claimed, f.attname) for f in row._meta.concrete_fields} == {
        f.attname: getattr(fresh, f.attname) for f in row._meta.concrete_fields
    }
    assert (claimed.status, claimed.attempts) == (box.working, 1)
    assert outbox_claim(box, row_id=row.pk) is None, "claimed once"
    changes = {"status": box.pending}
    assert outbox_update(box, row_id=row.pk, claim=claimed.claimed_at - timedelta(microseconds=1), changes=changes) == 0
    assert outbox_update(box, row_id=row.pk, claim=claimed.claimed_at, changes=changes) == 1


def test_audit_appends_written_by_hand_store_what_a_save_stores_and_know_their_ids():
    by_django = AuditEvent(
        action="test.saved", actor_name="system", object_type="call", object_id="7", details={"entities": {"SSN": 1}}
    )
    by_django.save(force_insert=True)
    many = audit_record_many(
        [{"action": "test.saved", "object_type": "call", "object_id": str(n), "details": {"n": n}} for n in (7, 8, 9)]
    )
    one = audit_record("test.saved", object_type="call", object_id="7", details={"entities": {"SSN": 1}})

    assert [AuditEvent.objects.get(pk=event.pk).object_id for event in many] == ["7", "8", "9"]
    own = OWN | {"occurred_at"}
    assert {k: v for k, v in comparable(one).items() if k not in own} == {
        k: v for k, v in comparable(by_django).items() if k not in own
    }
