from __future__ import annotations

import threading

import pytest
from rest_framework import serializers

from calls.serializers import parse
from calls.serializers.vapi import StatusUpdateSerializer
from tests.calls import vapi_messages as vapi


def test_input_serializers_build_their_fields_once_per_thread_on_a_prototype_without_data():
    first = StatusUpdateSerializer(data=vapi.status_update(vapi.new_call(), "ringing")["message"])
    second = StatusUpdateSerializer(data=vapi.status_update(vapi.new_call(), "ended")["message"])
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(StatusUpdateSerializer(data={}).fields))
    thread.start()
    thread.join()

    assert first.fields is second.fields
    assert elsewhere[0] is not first.fields
    assert not hasattr(first.fields["status"].parent, "initial_data")


def test_shared_fields_keep_each_instances_data_and_errors_apart():
    ringing, ended = vapi.new_call(), vapi.new_call()

    assert parse(StatusUpdateSerializer, vapi.status_update(ringing, "ringing")["message"])["status"] == "ringing"
    with pytest.raises(serializers.ValidationError) as refused:
        parse(StatusUpdateSerializer, {**vapi.status_update(ended, "ended")["message"], "status": "exploded"})
    parsed = parse(StatusUpdateSerializer, vapi.status_update(ended, "ended")["message"])

    assert refused.value.get_codes() == {"status": ["invalid_choice"]}
    assert (parsed["status"], parsed["call"]["id"]) == ("ended", ended["id"])
