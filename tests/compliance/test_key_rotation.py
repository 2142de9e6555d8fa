"""Key rotation (compliance.keys, ``manage.py rotate_keys``) on PostgreSQL.

Field keys: every encrypted column the models declare ends up under the
newest key and readable, an interrupted pass resumes where it stopped, and
a value changed meanwhile is never overwritten. Identifier hash key: a
subject found by their number before the rotation is found at every stage
after it. The audit trail names keys by fingerprint and holds no value.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from calls.models import Call, CrmDelivery, InboundEvent, Payment, ScheduledCallback, VapiControlMessage
from compliance import crypto, keys
from compliance.fields import EncryptedJSONField, EncryptedTextField
from compliance.models import AttentionReview, AuditEvent, KeyRotationProgress, LegalHold
from compliance.retention import retention_purge
from compliance.subjects import subject_callbacks, subject_calls, subject_erase, subject_hash, subject_holds
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db

SUBJECT = "+14155550144"
HELD_ONLY = "+14155550166"  # a number under a hold, with nothing else stored


def fernet_key() -> str:
    return Fernet.generate_key().decode()


def hash_key() -> str:
    return secrets.token_urlsafe(32)


def stored(column: keys.Column, pk: int) -> str:
    """A column's value as the database holds it: the ciphertext, or the hash."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column.column)} FROM {quote(column.table)} "
            f"WHERE {quote(column.model._meta.pk.column)} = %s",
            [pk],
        )
        return cursor.fetchone()[0]


def stored_values(column: keys.Column) -> int:
    """How many rows hold a value (neither NULL nor empty) in ``column``."""
    quote = connection.ops.quote_name
    name = quote(column.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {quote(column.table)} WHERE {name} IS NOT NULL AND {name} <> ''")
        return cursor.fetchone()[0]


# One way to make a row of each model that has encrypted fields. A model
# given encrypted fields later fails the class test until it is added here.
ROW_MAKERS = {
    VapiControlMessage: lambda index: VapiControlMessage.objects.create(
        call=CallFactory(), tool_call_id=f"rotation-{index}", tool="schedule_callback"
    ),
    InboundEvent: lambda index: InboundEvent.objects.create(
        provider="twilio", kind=InboundEvent.Kind.TWILIO_VOICE, dedup_key=f"rotation-{index}", payload_sha256="0" * 64
    ),
    Call: lambda index: CallFactory(),
    Payment: lambda index: Payment.objects.create(
        call=CallFactory(), source=f"rotation-{index}", result="success", succeeded=True
    ),
    ScheduledCallback: lambda index: ScheduledCallback.objects.create(
        source=f"rotation-{index}", phone=SUBJECT, phone_hash=crypto.identifier_hash(SUBJECT), due_at=timezone.now()
    ),
    AttentionReview: lambda index: AttentionReview.objects.create(
        call=CallFactory(), call_sid=f"rotation-{index}", problem="escalated", reviewed_by="officer"
    ),
}


def declared_encrypted_fields() -> dict[type, list]:
    """Every encrypted field of every model, walked here independently of compliance.keys."""
    found: dict[type, list] = {}
    for model in apps.get_models():
        for model_field in model._meta.local_concrete_fields:
            if isinstance(model_field, EncryptedTextField):
                found.setdefault(model, []).append(model_field)
    return found


def sample(model_field, index: int) -> object:
    if isinstance(model_field, EncryptedJSONField):
        return {"said": f"my number is {SUBJECT}", "index": index}
    return f"{SUBJECT} #{index}"


def test_field_rotation_leaves_every_encrypted_column_readable_and_under_the_newest_key(settings):
    """Every encrypted column the models declare gets values under the old
    key (three rows each, one NULL or empty where the column allows it);
    after a rotation every value reads back the same with the new key
    alone, the census says the old key protects nothing, and a rerun only
    reads."""
    declared = declared_encrypted_fields()
    assert set(declared) <= set(ROW_MAKERS), f"add a row maker for {set(declared) - set(ROW_MAKERS)}"
    assert {
        f"{model._meta.db_table}.{model_field.column}" for model, fields in declared.items() for model_field in fields
    } == {column.label for column in keys.encrypted_columns()}
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    written: dict[tuple[type, int], dict[str, object]] = {}
    for model, fields in declared.items():
        for index in range(3):
            row = ROW_MAKERS[model](index)
            values = {model_field.name: sample(model_field, index) for model_field in fields}
            if index == 2:  # an empty value is left alone, NULL too
                values = {model_field.name: None if model_field.null else "" for model_field in fields} | {
                    fields[0].name: sample(fields[0], index)
                }
            model.objects.filter(pk=row.pk).update(**values)
            written[(model, row.pk)] = values
    new_key = fernet_key()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    after_rotation = ROW_MAKERS[Call](99)  # written under the new key already

    run = keys.field_keys_rotate(batch_size=2)

    assert run.complete and not run.resumed
    new, old = crypto.key_fingerprint(new_key), crypto.key_fingerprint(old_key)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    for (model, pk), values in written.items():
        row = model.objects.get(pk=pk)
        for name, value in values.items():
            assert getattr(row, name) == value, (model, name)
            raw = stored(keys.Column(model, name), pk)
            if value not in (None, ""):
                assert crypto.token_key_index(raw) == 0, (model, name)
    assert Call.objects.get(pk=after_rotation.pk).from_number == after_rotation.from_number
    everything = sum(stored_values(column) for column in keys.encrypted_columns())
    assert run.values_per_key == {new: everything, old: 0, "unreadable": 0}
    assert run.droppable == [old]
    assert sum(counts.updated for counts in run.columns.values()) == everything - 2  # all but after_rotation's
    assert all(counts.changed == counts.unreadable == 0 for counts in run.columns.values())

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    rerun = keys.field_keys_rotate(batch_size=2)
    assert rerun.complete and sum(counts.updated for counts in rerun.columns.values()) == 0
    assert sum(counts.current for counts in rerun.columns.values()) == everything


def test_an_interrupted_field_rotation_resumes_where_it_stopped(settings):
    """Stopped after two batches, then killed in the middle of a batch: each
    next run goes on after the last committed batch, never reading a
    finished row again. A complete pass is read again from the start, and a
    newer key starts a pass over."""
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    calls = [CallFactory(from_number=f"+1415555{index:04d}") for index in range(25)]
    from_number = keys.Column(Call, "from_number")
    settings.FIELD_ENCRYPTION_KEYS = [fernet_key(), old_key]

    stopped = keys.field_keys_rotate(batch_size=10, max_batches=2)

    assert not stopped.complete and stopped.batches == 2
    assert stopped.columns["calls_call.from_number"].updated == 20
    under_new = [crypto.token_key_index(stored(from_number, call.pk)) == 0 for call in calls]
    assert under_new == [True] * 20 + [False] * 5
    progress = KeyRotationProgress.objects.get(rotation="fields", table="calls_call", column="from_number")
    assert progress.last_id == calls[19].pk and progress.finished_at is None

    real_rotate = crypto.rotate
    rotated: list[str] = []

    def dies_on_the_second_batch(token: str) -> str:
        rotated.append(token)
        if len(rotated) == 6:  # from_number's last 5, then to_number's first batch
            raise KeyboardInterrupt
        return real_rotate(token)

    with (
        mock.patch("compliance.keys.crypto.rotate", side_effect=dies_on_the_second_batch),
        pytest.raises(KeyboardInterrupt),
    ):
        keys.field_keys_rotate(batch_size=10)
    failed = AuditEvent.objects.filter(action="keys.rotation_finished").first()  # the newest
    assert failed.details["outcome"] == "failed" and failed.details["error"] == "KeyboardInterrupt"
    assert KeyRotationProgress.objects.get(pk=progress.pk).finished_at is not None
    to_number = KeyRotationProgress.objects.get(rotation="fields", table="calls_call", column="to_number")
    assert to_number.last_id is None  # the batch that died left nothing behind

    resumed = keys.field_keys_rotate(batch_size=10)

    assert resumed.resumed and resumed.complete
    assert resumed.columns["calls_call.from_number"].as_dict() == keys.ColumnCounts().as_dict()
    assert resumed.columns["calls_call.to_number"].updated == 25
    assert resumed.pass_columns["calls_call.from_number"].updated == 25

    again = keys.field_keys_rotate(batch_size=10)
    assert not again.resumed and again.columns["calls_call.from_number"].current == 25

    newer = fernet_key()
    settings.FIELD_ENCRYPTION_KEYS = [newer, *settings.FIELD_ENCRYPTION_KEYS]
    keys.field_keys_rotate(batch_size=10, max_batches=1)
    over = keys.field_keys_rotate(batch_size=10)
    assert over.resumed and over.pass_columns["calls_call.from_number"].updated == 25
    assert KeyRotationProgress.objects.filter(key_fingerprint=crypto.key_fingerprint(newer)).count() == len(
        keys.encrypted_columns()
    )


def test_a_value_changed_during_a_rotation_is_not_overwritten(settings):
    """A number written while the pass holds its old ciphertext, and an
    erasure landing while its hash is being recomputed, both stay as their
    writers left them. No retention purge runs while hashes are recomputed."""
    calls = [CallFactory(from_number=f"+1415555{index:04d}") for index in range(3)]
    settings.FIELD_ENCRYPTION_KEYS = [fernet_key(), *settings.FIELD_ENCRYPTION_KEYS]
    real_rotate = crypto.rotate
    writes: list[int] = []

    def another_writer_first(token: str) -> str:
        if not writes:  # between the pass's read of the batch and its write
            writes.append(Call.objects.filter(pk=calls[0].pk).update(from_number="+14155550177"))
        return real_rotate(token)

    with mock.patch("compliance.keys.crypto.rotate", side_effect=another_writer_first):
        run = keys.field_keys_rotate()

    assert run.columns["calls_call.from_number"].changed == 1
    assert run.columns["calls_call.from_number"].updated == 2
    assert Call.objects.get(pk=calls[0].pk).from_number == "+14155550177"

    old_hash_key = settings.IDENTIFIER_HASH_KEY
    settings.IDENTIFIER_HASH_KEY, settings.IDENTIFIER_HASH_KEY_FALLBACKS = hash_key(), [old_hash_key]
    real_hash = crypto.identifier_hash
    purges = []

    def erased_meanwhile(value: str) -> str:
        Call.objects.filter(pk=calls[1].pk).update(from_number="", from_hash="", erased_at=timezone.now())
        purges.append(retention_purge())
        return real_hash(value)

    with mock.patch("compliance.keys.crypto.identifier_hash", side_effect=erased_meanwhile):
        recomputed = keys.identifier_hashes_recompute()

    assert recomputed.columns["calls_call.from_hash"].changed == 1
    assert purges and set(purges) == {None}  # no purge while stored hashes disagree
    erased = Call.objects.get(pk=calls[1].pk)
    assert erased.from_hash == "" and erased.from_number == ""
    assert Call.objects.get(pk=calls[2].pk).from_hash == real_hash("+14155550002")
    assert recomputed.droppable == []  # a row changed meanwhile: checked again before anything is dropped


def found(phone: str) -> tuple[set[int], set[int], set[int]]:
    """What a data-subject request finds for ``phone``: calls, active holds, callbacks."""
    subject = subject_hash(phone)
    return (
        set(subject_calls(subject=subject).values_list("pk", flat=True)),
        set(subject_holds(subject=subject).values_list("pk", flat=True)),
        set(subject_callbacks(subject=subject).values_list("pk", flat=True)),
    )


def test_a_subject_found_before_the_hash_key_rotation_is_found_at_every_stage(settings):
    """Found by number: before the rotation; with the new key and the old as
    a fallback, before the stored hashes are recomputed (a call made since
    is under the new key); after they are; and with the old key dropped
    once the command says nothing needs it. A hold on a number nothing else
    holds can't be recomputed: it is reported, still matched through the
    fallback, and blocks dropping the key until it is released."""
    first = CallFactory(from_number=SUBJECT)
    callback = ScheduledCallback.objects.create(
        call=first, source="rotation-callback", phone=SUBJECT, phone_hash=crypto.identifier_hash(SUBJECT),
        requester_hash=first.from_hash, due_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    hold = LegalHold.objects.create(subject_hash=subject_hash(SUBJECT), reason="litigation", placed_by="officer")
    orphan = LegalHold.objects.create(subject_hash=subject_hash(HELD_ONLY), reason="inquiry", placed_by="officer")
    CallFactory(from_number="+14155550199")  # someone else
    before = found(SUBJECT)
    assert before == ({first.pk}, {hold.pk}, {callback.pk})

    old_key, new_key = settings.IDENTIFIER_HASH_KEY, hash_key()
    settings.IDENTIFIER_HASH_KEY, settings.IDENTIFIER_HASH_KEY_FALLBACKS = new_key, [old_key]
    second = CallFactory(from_number=SUBJECT)
    assert second.from_hash != first.from_hash
    with_second = ({first.pk, second.pk}, {hold.pk}, {callback.pk})
    assert found(SUBJECT) == with_second
    assert found(HELD_ONLY)[1] == {orphan.pk}
    # From a hash read off either call (the admin's erasure of selected callers), both calls.
    assert {call.pk for call in subject_calls(subject=first.from_hash)} == {first.pk, second.pk}
    assert {call.pk for call in subject_calls(subject=second.from_hash)} == {first.pk, second.pk}

    run = keys.identifier_hashes_recompute(batch_size=2)

    assert run.complete
    newest = crypto.identifier_hash(SUBJECT)
    assert Call.objects.get(pk=first.pk).from_hash == newest
    assert LegalHold.objects.get(pk=hold.pk).subject_hash == newest
    callback.refresh_from_db()
    assert callback.phone_hash == callback.requester_hash == newest
    assert run.unmatched == {
        "calls_scheduledcallback.requester_hash": [], "compliance_legalhold.subject_hash": [orphan.pk],
        "calls_crmdelivery.subject_hash": [],
    }  # fmt: skip
    assert run.looked_up["compliance_legalhold.subject_hash"] == [orphan.pk]
    assert run.droppable == []
    assert found(SUBJECT) == with_second
    assert found(HELD_ONLY)[1] == {orphan.pk}

    LegalHold.objects.filter(pk=orphan.pk).update(released_at=timezone.now())
    out = StringIO()
    call_command("rotate_keys", "--identifier-hashes", stdout=out)
    assert f"Nothing stored needs the older key(s) {crypto.key_fingerprint(old_key)}" in out.getvalue()

    settings.IDENTIFIER_HASH_KEY_FALLBACKS = []
    assert found(SUBJECT) == with_second


def test_an_erasure_during_the_hash_key_rotation_reaches_every_hash(settings):
    """Before the stored hashes are recomputed, an erasure by number blanks
    the calls under the old key and the new, cancels the callback, and goes
    to the CRM under both hashes, since the CRM knows the caller by either."""
    settings.CRM_ADAPTER = "webhook"
    first = CallFactory(from_number=SUBJECT)
    ScheduledCallback.objects.create(
        call=first, source="rotation-callback", phone=SUBJECT, phone_hash=crypto.identifier_hash(SUBJECT),
        due_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    old_key = settings.IDENTIFIER_HASH_KEY
    settings.IDENTIFIER_HASH_KEY, settings.IDENTIFIER_HASH_KEY_FALLBACKS = hash_key(), [old_key]
    second = CallFactory(from_number=SUBJECT)
    hashes = {first.from_hash, second.from_hash}

    erasure = subject_erase(subject=subject_hash(SUBJECT))

    assert erasure.calls == 2 and erasure.callbacks == 1 and erasure.crm_forwarded
    assert set(Call.objects.filter(pk__in=[first.pk, second.pk]).values_list("from_hash", flat=True)) == {""}
    sent = CrmDelivery.objects.filter(kind=CrmDelivery.Kind.ERASURE)
    assert set(sent.values_list("subject_hash", flat=True)) == hashes
    assert found(SUBJECT) == (set(), set(), set())


def test_rotation_audit_events_name_keys_by_fingerprint_and_hold_no_values(settings):
    """Each run is one event when it starts and one when it ends, sharing
    the run's id, with fingerprints and counts; no key, number, ciphertext
    or hash appears in them, nor in what the command prints."""
    old_field_key, old_hash_key = settings.FIELD_ENCRYPTION_KEYS[0], settings.IDENTIFIER_HASH_KEY
    call = CallFactory(from_number=SUBJECT, caller_name="Dana Whitfield")
    LegalHold.objects.create(subject_hash=subject_hash(SUBJECT), reason="litigation", placed_by="officer")
    new_field_key, new_hash_key = fernet_key(), hash_key()
    settings.FIELD_ENCRYPTION_KEYS = [new_field_key, old_field_key]
    settings.IDENTIFIER_HASH_KEY, settings.IDENTIFIER_HASH_KEY_FALLBACKS = new_hash_key, [old_hash_key]
    ciphertexts = [stored(keys.Column(Call, name), call.pk) for name in ("from_number", "to_number", "caller_name")]
    out = StringIO()

    call_command("rotate_keys", "--fields", "--identifier-hashes", "--batch", "1", stdout=out)

    ciphertexts += [stored(keys.Column(Call, name), call.pk) for name in ("from_number", "to_number", "caller_name")]
    events = list(AuditEvent.objects.filter(action__startswith="keys.").order_by("id"))
    assert [event.action for event in events] == ["keys.rotation_started", "keys.rotation_finished"] * 2
    assert events[0].object_id == events[1].object_id != events[2].object_id == events[3].object_id
    fields_finished, hashes_finished = events[1].details, events[3].details
    assert fields_finished["outcome"] == hashes_finished["outcome"] == "complete"
    assert fields_finished["newest_key"] == crypto.key_fingerprint(new_field_key)
    assert fields_finished["values_per_key"][crypto.key_fingerprint(old_field_key)] == 0
    assert fields_finished["columns"]["calls_call.from_number"]["updated"] == 1
    assert hashes_finished["droppable"] == [crypto.key_fingerprint(old_hash_key)]
    secrets_and_values = [
        old_field_key, new_field_key, old_hash_key, new_hash_key, SUBJECT, SUBJECT[1:], call.to_number,
        "Dana Whitfield", *ciphertexts, *crypto.identifier_hashes(SUBJECT), *crypto.identifier_hashes(call.to_number),
    ]  # fmt: skip
    for event in events:
        text = json.dumps([event.object_id, event.object_repr, event.details])
        leaked = [value for value in secrets_and_values if value in text]
        assert not leaked, (event.action, leaked)
    printed = out.getvalue()
    assert crypto.key_fingerprint(old_field_key) in printed
    assert not [value for value in secrets_and_values if value in printed]
