from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.db import connection

from calls.models import Call
from compliance import crypto
from tests.factories import CallFactory


def test_encrypted_value_round_trips_and_is_not_plaintext():
    token = crypto.encrypt(b"+14155550100")

    assert b"4155550100" not in token.encode()
    assert crypto.decrypt(token) == b"+14155550100"


def test_keys_rotate_new_key_encrypts_old_key_still_decrypts(settings):
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    old_token = crypto.encrypt(b"secret")

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert crypto.decrypt(old_token) == b"secret"
    rotated = crypto.rotate(old_token)

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert crypto.decrypt(rotated) == b"secret"
    with pytest.raises(crypto.DecryptionError) as raised:
        crypto.decrypt(old_token)
    assert old_token not in str(raised.value) and raised.value.__cause__ is None


def test_identifier_hash_is_keyed_and_stable(settings):
    first = crypto.identifier_hash("+14155550100")

    assert first == crypto.identifier_hash(" +14155550100 ")
    settings.IDENTIFIER_HASH_KEY = "another-key"
    assert crypto.identifier_hash("+14155550100") != first


@pytest.mark.django_db
def test_encrypted_field_is_stored_as_a_token_and_read_back():
    call = CallFactory(from_number="+14155550123")

    with connection.cursor() as cursor:
        cursor.execute("SELECT from_number FROM calls_call WHERE id = %s", [call.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("gAAAAA")
    assert Call.objects.get(pk=call.pk).from_number == "+14155550123"


@pytest.mark.django_db
def test_encrypted_field_cannot_be_compared_in_queries():
    with pytest.raises(FieldError):
        list(Call.objects.filter(from_number="+14155550123"))
