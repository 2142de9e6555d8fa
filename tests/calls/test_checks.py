from __future__ import annotations

import pytest

from calls.checks import (
    card_data_check,
    consent_prompt_check,
    crm_adapter_check,
    handoff_check,
    inbox_check,
    vapi_control_check,
)
from compliance.checks import encryption_keys_check


def test_unknown_consent_prompt_version_fails_the_system_check(settings):
    assert consent_prompt_check(None) == []

    settings.CONSENT_PROMPT_VERSION = "never-recorded"

    assert [error.id for error in consent_prompt_check(None)] == ["calls.E001"]


def test_missing_or_malformed_encryption_keys_fail_the_system_check(settings):
    assert encryption_keys_check(None) == []

    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    settings.IDENTIFIER_HASH_KEY = ""

    assert [error.id for error in encryption_keys_check(None)] == ["compliance.E001", "compliance.E002"]


def test_a_crm_adapter_without_its_settings_fails_the_system_check(settings):
    assert crm_adapter_check(None) == []

    for adapter in ("webhook", "hubspot", "salesforce"):
        settings.CRM_ADAPTER = adapter
        assert [error.id for error in crm_adapter_check(None)] == ["calls.E002"], adapter


@pytest.mark.parametrize(
    "name, value",
    [
        *(("CRM_SETTLE_SECONDS", value) for value in (-1.0, 301.0, float("nan"), float("inf"))),
        *(("CRM_REPORT_WAIT_SECONDS", value) for value in (-1.0, 3601.0, float("nan"), float("inf"))),
    ],
)
def test_a_crm_wait_out_of_its_bounds_fails_the_system_check(settings, name, value):
    settings.CRM_SETTLE_SECONDS, settings.CRM_REPORT_WAIT_SECONDS = 10.0, 60.0
    assert crm_adapter_check(None) == []

    setattr(settings, name, value)

    assert [error.id for error in crm_adapter_check(None)] == ["calls.E002"]


@pytest.mark.parametrize(
    "name, value",
    [
        ("CAPTURE_PAUSE_BEHAVIOR", "mute"),
        ("CAPTURE_QUIET_SECONDS", 0),
        ("PAY_TOKEN_TYPE", "forever"),
        ("PAY_MAX_ATTEMPTS", 4),
        ("PAY_CHARGE_AMOUNT", "NaN"),
        ("PAY_CHARGE_AMOUNT", "-5"),
        ("PAY_CHARGE_AMOUNT", "12.345"),
        ("PAY_CHARGE_AMOUNT", "2000000"),
        ("RECORDING_SENSITIVE_POLICY", {"CVV": "keep"}),
        ("RECORDING_SENSITIVE_POLICY", {"CCV": "delete"}),
    ],
)
def test_a_card_data_setting_that_would_keep_card_data_fails_the_system_check(settings, name, value):
    assert card_data_check(None) == []

    setattr(settings, name, value)

    assert [error.id for error in card_data_check(None)] == ["calls.E003"]


@pytest.mark.parametrize(
    "name, value",
    [
        ("HANDOFF_ROUTE", "sometimes"),
        ("VAPI_SIP_URI", "https://sip.vapi.ai/contactcenter"),
        ("VAPI_SIP_URI", "sip:contactcenter@sip.vapi.ai?x-extra=1"),
        ("VAPI_SIP_URI", "sip:" + "u" * 120 + "@sip.vapi.ai"),
        ("VAPI_SIP_URI", "sip:" + "u" * 60 + "@sip.vapi.ai"),
        ("VAPI_SIP_USERNAME", "contactcenter"),
        ("HANDOFF_NUMBERS", ["8005550177"]),
        ("HANDOFF_TTL_SECONDS", 0),
        ("HANDOFF_DIAL_TIMEOUT_SECONDS", 2),
    ],
)
def test_a_handoff_setting_that_would_strand_callers_fails_the_system_check(settings, name, value):
    settings.VAPI_SIP_URI = "sip:contactcenter@sip.vapi.ai"
    settings.HANDOFF_NUMBERS = ["+18005550177"]
    assert handoff_check(None) == []

    setattr(settings, name, value)

    assert [error.id for error in handoff_check(None)] == ["calls.E004"]


@pytest.mark.parametrize(
    "name, value",
    [
        ("VAPI_CONTROL_HOSTS", ["https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai"]),
        ("VAPI_CONTROL_HOSTS", ["*-phone-call-websocket.vapi.ai", "phone-call-websocket.vapi.ai/control"]),
        ("VAPI_CONTROL_HOSTS", ["phone call websocket.vapi.ai"]),
        ("VAPI_CONTROL_MAX_ATTEMPTS", 0),
        ("VAPI_CONTROL_MAX_ATTEMPTS", 100),
    ],
)
def test_a_call_control_setting_that_would_refuse_every_result_fails_the_system_check(settings, name, value):
    settings.VAPI_CONTROL_HOSTS = [*settings.VAPI_CONTROL_HOSTS, "127.0.0.1", "[::1]", ".vapi.ai"]
    assert vapi_control_check(None) == []

    setattr(settings, name, value)

    assert [error.id for error in vapi_control_check(None)] == ["calls.E005"]


@pytest.mark.parametrize(
    "name, value",
    [
        ("INBOX_GATHER_SECONDS", -0.1),
        ("INBOX_GATHER_SECONDS", 60.0),
        ("INBOX_GATHER_SECONDS", float("nan")),
        ("INBOX_SWEEP_GRACE_SECONDS", 0),
    ],
)
def test_an_inbox_setting_that_would_hold_ids_back_or_send_them_twice_fails_the_system_check(settings, name, value):
    assert inbox_check(None) == []

    setattr(settings, name, value)

    assert [error.id for error in inbox_check(None)] == ["calls.E006"]
