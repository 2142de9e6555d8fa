from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
# Secrets as their issuers generate them; production refuses weaker ones
# (tests/contactcenter/test_production_secrets.py).
PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": f"postgres://contactcenter:{secrets.token_urlsafe(24)}@db.internal:5432/contactcenter",
    "CELERY_BROKER_URL": "redis://broker.internal:6379/0",
    "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
    "PUBLIC_BASE_URL": "https://contactcenter.example.com",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "IDENTIFIER_HASH_KEY": secrets.token_urlsafe(32),
    "VAPI_WEBHOOK_SECRET": secrets.token_urlsafe(32),
    "AUDIT_CHECKPOINT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
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
    secret.write_text(secrets.token_hex(16) + "\n")
    environment = {key: value for key, value in PRODUCTION.items() if key != "TWILIO_AUTH_TOKEN"}
    environment["TWILIO_AUTH_TOKEN_FILE"] = str(secret)

    result = load_production(environment)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "name, value",
    [
        ("DEBUG", "true"),
        ("PUBLIC_BASE_URL", "http://contactcenter.example.com"),
        ("ALLOWED_HOSTS", "*"),
        ("ALLOWED_HOSTS", "contactcenter.example.com,*"),
        # A leading dot admits every host under it: under a public suffix or a
        # top-level domain, that is hosts anyone can register.
        ("ALLOWED_HOSTS", ".com"),
        ("ALLOWED_HOSTS", "contactcenter.example.com,.CO.UK"),
        ("ALLOWED_HOSTS", ".herokuapp.com"),
        ("ALLOWED_HOSTS", ".internal."),
        ("ALLOWED_HOSTS", "."),
        # TLS that accepts any certificate (kombu only warns).
        ("CELERY_BROKER_URL", "rediss://broker.internal:6380/0"),
        ("CELERY_BROKER_URL", "rediss://broker.internal:6380/0?ssl_cert_reqs=none"),
        ("CELERY_BROKER_URL", "rediss://broker.internal:6380/0?ssl_cert_reqs=CERT_OPTIONAL"),
        ("CELERY_BROKER_URL", "redis://a.internal:6379/0;rediss://b.internal:6380/0"),
        ("CELERY_BROKER_URL", "rediss://broker.internal:6380/0?ssl_cert_reqs=required&ssl_check_hostname=false"),
        ("CELERY_BROKER_URL", "redis://broker.internal:6380/0?ssl_cert_reqs=none"),
        ("CELERY_BROKER_URL", "sentinel://broker.internal:26379/0?ssl_cert_reqs=optional"),
        ("CELERY_BROKER_URL", "REDISS://broker.internal:6380/0"),
        # Credentials go to these on every request.
        ("TWILIO_API_BASE_URL", "http://api.twilio.com"),
        ("VAPI_API_BASE_URL", "http://api.vapi.ai"),
        ("HUBSPOT_BASE_URL", "http://api.hubapi.com"),
        ("CRM_WEBHOOK_URL", "http://crm.example.com/hooks/calls"),
    ],
)
def test_production_refuses_an_unsafe_setting(name, value):
    result = load_production({**PRODUCTION, name: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr


def test_production_lets_a_provider_stand_in_on_this_machines_loopback_be_plain_http():
    result = load_production({**PRODUCTION, "TWILIO_API_BASE_URL": "http://127.0.0.1:18080"})

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "rediss://broker.internal:6380/0?ssl_cert_reqs=required",
        "rediss://broker.internal:6380/0?ssl_cert_reqs=CERT_REQUIRED&ssl_ca_certs=/etc/ca.pem",
        "rediss://a.internal:6380/0?ssl_cert_reqs=required;rediss://b.internal:6380/0?ssl_cert_reqs=required",
    ],
)
def test_production_accepts_broker_tls_that_checks_the_certificate(url):
    result = load_production({**PRODUCTION, "CELERY_BROKER_URL": url})

    assert result.returncode == 0, result.stderr


def test_production_allows_a_wildcard_for_its_own_domain():
    result = load_production(
        {**PRODUCTION, "ALLOWED_HOSTS": ".example.com,.contactcenter.example.co.uk,.myapp.herokuapp.com"}
    )

    assert result.returncode == 0, result.stderr


STRONG = secrets.token_urlsafe(24)


@pytest.mark.parametrize(
    "name, value",
    [
        # psycopg is handed what django-environ parses: the password runs to the
        # last "@", "#" and all, and a query's password= goes into OPTIONS.
        pytest.param("DATABASE_URL", "postgres://app:password#123456@db.internal/cc", id="database-hash"),
        pytest.param("DATABASE_URL", "postgres://app@db.internal/cc?password=changeme", id="database-query"),
        pytest.param(
            "DATABASE_URL",
            f"postgres://app:{STRONG}@db.internal/cc?sslmode=require&password=changeme-123456",
            id="database-both",
        ),
        pytest.param("DATABASE_OWNER_URL", "postgres://owner:password#123456@db.internal/cc", id="owner-hash"),
        pytest.param("DATABASE_OWNER_URL", "postgres://owner@db.internal/cc?password=123456789012", id="owner-query"),
        # kombu: a URL it can't read never connects, and every failover host's password is used.
        pytest.param("CELERY_BROKER_URL", "redis://:password#123456@broker.internal:6379/0", id="broker-hash"),
        pytest.param("CELERY_BROKER_URL", "redis://broker.internal:6379/0?password=changeme", id="broker-query"),
        pytest.param(
            "CELERY_BROKER_URL",
            f"redis://:{STRONG}@a.internal:6379/0;redis://:changeme@b.internal:6379/0",
            id="broker-failover",
        ),
    ],
)
def test_production_refuses_a_weak_password_wherever_its_client_reads_it(name, value):
    result = load_production({**PRODUCTION, name: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr
    assert "changeme" not in result.stderr and "123456" not in result.stderr


def test_deploy_check_is_clean_on_production_settings():
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "DJANGO_SETTINGS_MODULE": "contactcenter.settings.production"},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- Which settings a process runs with -------------------------------------------------

SHOW_SETTINGS = "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"


def run_python(
    arguments: list[str], environment: dict[str, str], *, cwd: Path = ROOT, read_dot_env: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run Python as a deployment would: nothing of this test run's settings
    module, secrets or PYTHONPATH, and .env read only when asked."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION and not key.endswith("_FILE") and key not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")
    }
    clean.pop("DJANGO_READ_DOT_ENV", None)
    if not read_dot_env:
        clean["DJANGO_READ_DOT_ENV"] = "0"
    clean.update(environment)
    return subprocess.run(
        [sys.executable, *arguments], cwd=cwd, env=clean, capture_output=True, text=True, timeout=120
    )  # fmt: skip


@pytest.mark.parametrize(
    "entry_point",
    [
        f"import contactcenter.wsgi; {SHOW_SETTINGS}",
        f"from contactcenter.celery import app; app.loader.import_default_modules(); {SHOW_SETTINGS}",
    ],
    ids=["wsgi", "celery"],
)
def test_served_processes_default_to_production_settings(entry_point):
    """gunicorn's WSGI module and the Celery app (worker and beat) run
    production settings when nothing names a module, and so refuse to start
    without production's secrets instead of running on local's throwaways."""
    served = run_python(["-c", entry_point], PRODUCTION)
    unconfigured = run_python(["-c", entry_point], {"CELERY_BROKER_URL": "memory://"})

    assert served.returncode == 0, served.stderr
    assert served.stdout.split() == ["contactcenter.settings.production", "False"]
    assert unconfigured.returncode != 0 and "ImproperlyConfigured" in unconfigured.stderr


def test_release_command_defaults_to_production_and_manage_py_to_local():
    release = run_python(["-m", "contactcenter", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    development = run_python(["manage.py", "shell", "-c", SHOW_SETTINGS], {"CELERY_BROKER_URL": "memory://"})

    assert release.returncode == 0, release.stdout + release.stderr
    assert development.returncode == 0, development.stderr
    assert development.stdout.splitlines()[-1].split() == ["contactcenter.settings.local", "True"]


def test_make_run_and_bench_name_their_settings_module():
    """The served processes' default is production, so whatever runs them
    with other settings must say so: make run for every process, and the
    benchmark stack for production explicitly."""
    makefile = (ROOT / "Makefile").read_text()
    run_target = makefile[makefile.index("\nrun:") : makefile.index("\ntest:")].replace("\\\n", " ")
    commands = [
        line for line in run_target.splitlines() if ("manage.py" in line or "honcho" in line) and "echo" not in line
    ]

    assert commands and all("DJANGO_SETTINGS_MODULE=contactcenter.settings.local" in line for line in commands)
    assert '"DJANGO_SETTINGS_MODULE": "contactcenter.settings.production"' in (ROOT / "bench" / "stack.py").read_text()


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the project's entry points beside its own .env; the apps
    and templates are linked, the contactcenter package copied, so that its
    .env is the one beside the copy."""
    import shutil

    shutil.copytree(ROOT / "contactcenter", tmp_path / "contactcenter", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    for name in ("calls", "compliance", "templates"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


@pytest.mark.parametrize(
    "arguments",
    [
        ["-c", f"import contactcenter.wsgi; {SHOW_SETTINGS}"],
        ["-c", f"from contactcenter.celery import app; app.loader.import_default_modules(); {SHOW_SETTINGS}"],
        ["-m", "contactcenter", "shell", "-c", SHOW_SETTINGS],
        ["manage.py", "shell", "-c", SHOW_SETTINGS],
    ],
    ids=["wsgi", "celery", "release", "manage.py"],
)
def test_dot_env_names_the_settings_module_and_the_environment_wins(project_copy, arguments):
    (project_copy / ".env").write_text("DJANGO_SETTINGS_MODULE=contactcenter.settings.test\nDEBUG=true\n")

    from_dot_env = run_python(arguments, {}, cwd=project_copy, read_dot_env=True)
    from_environment = run_python(
        arguments,
        {**PRODUCTION, "DJANGO_SETTINGS_MODULE": "contactcenter.settings.production", "DEBUG": "false"},
        cwd=project_copy,
        read_dot_env=True,
    )

    assert from_dot_env.returncode == 0, from_dot_env.stderr
    assert from_dot_env.stdout.splitlines()[-1].split() == ["contactcenter.settings.test", "True"]
    assert from_environment.returncode == 0, from_environment.stderr
    assert from_environment.stdout.splitlines()[-1].split() == ["contactcenter.settings.production", "False"]
