from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "s" * 50,
    "DATABASE_URL": "postgres://user:password@db.internal:5432/contactcenter",
    "CELERY_BROKER_URL": "redis://broker.internal:6379/0",
    "TWILIO_AUTH_TOKEN": "token",
    "PUBLIC_BASE_URL": "https://contactcenter.example.com",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "IDENTIFIER_HASH_KEY": "hash-key",
    "VAPI_WEBHOOK_SECRET": "vapi-secret",
}
PROBE = (
    "from django.conf import settings; "
    "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE, "
    "settings.CSRF_COOKIE_SECURE, settings.DEBUG, settings.DATABASES['default']['ATOMIC_REQUESTS'])"
)


def load_production(environment: dict[str, str], *, probe: str = PROBE) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in PRODUCTION and not key.endswith("_FILE")}
    # A developer's .env must not fill the gaps this test opens.
    clean.update(environment, DJANGO_SETTINGS_MODULE="contactcenter.settings.production", DJANGO_READ_DOT_ENV="0")
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {probe}"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_production_starts_with_every_required_setting_and_is_https_only():
    result = load_production(PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "True", "True", "False", "True"]


@pytest.mark.parametrize("missing", sorted(PRODUCTION))
def test_production_refuses_to_start_without(missing):
    result = load_production({key: value for key, value in PRODUCTION.items() if key != missing})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_reads_a_secret_from_a_file(tmp_path):
    secret = tmp_path / "token"
    secret.write_text("token-from-file\n")
    environment = {key: value for key, value in PRODUCTION.items() if key != "TWILIO_AUTH_TOKEN"}
    environment["TWILIO_AUTH_TOKEN_FILE"] = str(secret)

    result = load_production(environment)

    assert result.returncode == 0, result.stderr
