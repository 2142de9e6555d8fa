from __future__ import annotations

from calls.checks import consent_prompt_check, crm_adapter_check
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
