"""Production refuses every secret this repository publishes, every secret
below its documented minimum, and nothing a real generator produces.

The values come from the files themselves (``.env.example``, and the local
and test settings as they load), so a placeholder added to any of them is
tried here without anyone listing it. Each value is tried by loading the
real production settings module with it, in one subprocess that reloads
the settings for every trial.
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import subprocess
import sys
from urllib.parse import quote

from cryptography.fernet import Fernet

from tests.contactcenter.test_settings import PRODUCTION, ROOT

# Runs inside a subprocess: loads contactcenter.settings.production once per
# trial, with the good environment plus one variable (or its _FILE) changed.
DRIVER = r"""
import base64, importlib, json, os, sys, tempfile, uuid, secrets
from django.core.exceptions import ImproperlyConfigured

plan = json.load(sys.stdin)
clean = dict(os.environ)
folder = tempfile.mkdtemp()

def load(changes):
    os.environ.clear()
    os.environ.update(clean)
    os.environ.update(changes)
    for module in ("contactcenter.settings.production", "contactcenter.settings.base", "contactcenter.secrets"):
        sys.modules.pop(module, None)
    try:
        return importlib.import_module("contactcenter.settings.production"), None
    except ImproperlyConfigured as error:
        return None, str(error)

production, error = load({})
assert production is not None, error
import contactcenter.secrets as secret_rules
rules = {name: [rule.min_length, rule.kind, rule.from_file] for name, rule in secret_rules.SECRET_RULES.items()}
results = []
for name, value, via_file, *others in plan["trials"]:  # others: the rest of the environment changed with it
    changes = dict(others[0]) if others else {}
    if via_file:
        path = os.path.join(folder, uuid.uuid4().hex)
        with open(path, "w") as handle:
            handle.write(value)
        changes[name + "_FILE"] = path
    else:
        changes[name] = value
    results.append([name, value, via_file, load(changes)[1]])

# Secrets as their issuers generate them: none may be refused.
from cryptography.fernet import Fernet
from django.core.management.utils import get_random_secret_key
generators = {
    "SECRET_KEY": [get_random_secret_key, lambda: secrets.token_urlsafe(50)],
    "TWILIO_AUTH_TOKEN": [lambda: secrets.token_hex(16)],
    "VAPI_WEBHOOK_SECRET": [lambda: secrets.token_urlsafe(32), lambda: str(uuid.uuid4())],
    "IDENTIFIER_HASH_KEY": [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(32)],
    "IDENTIFIER_HASH_KEY_FALLBACKS": [
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_hex(32) + "," + secrets.token_urlsafe(32),
    ],
    "FIELD_ENCRYPTION_KEYS": [lambda: Fernet.generate_key().decode()],
    "VAPI_API_KEY": [lambda: str(uuid.uuid4())],
    "VAPI_SIP_PASSWORD": [lambda: secrets.token_urlsafe(24)],
    "CRM_WEBHOOK_SECRET": [lambda: secrets.token_urlsafe(32)],
    "HUBSPOT_ACCESS_TOKEN": [lambda: "pat-na1-" + str(uuid.uuid4())],
    "METRICS_TOKEN": [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(16)],
    "ADMIN_PASSWORD": [lambda: secrets.token_urlsafe(12)],
    "DATABASE_URL": [lambda: "postgres://app:" + secrets.token_urlsafe(24) + "@db.internal/app"],
    "DATABASE_OWNER_URL": [lambda: "postgres://owner:" + secrets.token_urlsafe(24) + "@db.internal/app"],
    "CELERY_BROKER_URL": [
        lambda: "redis://:" + secrets.token_hex(16) + "@broker.internal:6379/0",
        lambda: "rediss://default:" + secrets.token_urlsafe(24) + "@broker.internal:6380/0?ssl_cert_reqs=required",
    ],
    "AUDIT_CHECKPOINT_SIGNING_KEY": [lambda: base64.b64encode(os.urandom(32)).decode()],
}
published = secret_rules.published_values()
false_refusals = []
for name in secret_rules.SECRET_RULES:  # a secret added to the table needs its generator here
    for make in generators[name]:
        for _ in range(plan["generated"]):
            value = make()
            problem = secret_rules.secret_problem(value, secret_rules.SECRET_RULES[name], published)
            if problem:
                false_refusals.append([name, problem])
print(json.dumps({"rules": rules, "results": results, "false_refusals": false_refusals}))
"""


def example_values() -> dict[str, str]:
    """Each ``NAME=value`` line of .env.example."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def throwaway_values() -> set[str]:
    """The local and test settings' throwaway secrets: every string written
    in those modules (a key generated on the developer's machine is not
    written there, and not public)."""
    found = set()
    for name in ("local.py", "test.py"):
        tree = ast.parse((ROOT / "contactcenter" / "settings" / name).read_text())
        found.update(
            node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
        )
    return found


def run_driver(trials: list[list[object]], *, generated: int) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.endswith("_FILE")}
    environment.update(PRODUCTION, DJANGO_SETTINGS_MODULE="contactcenter.settings.production", DJANGO_READ_DOT_ENV="0")
    result = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input=json.dumps({"trials": trials, "generated": generated}),
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


# A password of a connection URL other than the one being tried.
OTHER_PASSWORD = secrets.token_urlsafe(24)


def as_settings(kind: str, value: str) -> list[str]:
    """The variable's values that hand ``value`` to its client as a secret:
    for a URL, in every place the client reads a password from."""
    carried = quote(value, safe="")
    if kind == "database":  # as django-environ parses it for psycopg
        return [
            f"postgres://app:{carried}@db.internal:5432/app",
            # A "#" in the user name: a parser that reads it as a fragment sees no password.
            f"postgres://app#1:{carried}@db.internal:5432/app",
            f"postgres://app@db.internal:5432/app?sslmode=require&password={carried}",
        ]
    if kind == "broker":  # as kombu parses it for redis, failover hosts included
        return [
            f"redis://app:{carried}@broker.internal:6379/0",
            f"redis://:{OTHER_PASSWORD}@a.internal:6379/0;redis://:{carried}@b.internal:6379/0",
        ]
    return [value]


def carries_a_password(kind: str) -> bool:
    return kind in ("database", "broker")


def test_production_refuses_every_published_value_and_accepts_generated_secrets():
    """Every value of .env.example and every throwaway of the local and test
    settings, set as each secret (and through NAME_FILE), is refused with an
    error naming the variable and not quoting the value. Secrets made the way
    their issuers make them are all accepted."""
    published = set(example_values().values()) | throwaway_values()
    rules = run_driver([], generated=0)["rules"]
    trials, carried = [], []
    for name, (minimum, kind, from_file) in rules.items():
        for value in sorted(published):
            # An empty optional secret is "not configured", a URL without a password is allowed.
            if value or (name in PRODUCTION and not carries_a_password(kind)):
                for setting in as_settings(kind, value):
                    trials.append([name, setting, False])
                    carried.append(value)
        if from_file:
            # Through NAME_FILE: a published value, one a character too short, a repeated one.
            for value in ("your-auth-token", "x" * (minimum - 1), "ab" * 40):
                for setting in as_settings(kind, value):
                    trials.append([name, setting, True])
                    carried.append(value)

    outcome = run_driver(trials, generated=300)

    accepted = [(name, value, via_file) for name, value, via_file, error in outcome["results"] if error is None]
    assert not accepted, f"production accepted {len(accepted)} published or weak secrets: {accepted[:10]}"
    for (name, _value, via_file, error), secret in zip(outcome["results"], carried, strict=True):
        assert name in error, (name, error)
        if via_file:
            assert f"{name}_FILE" in error, error
        if len(secret) >= 6 and secret not in name and secret not in rules:  # a variable's name is no secret
            assert secret not in error, f"the refusal of {name} quotes its value"
    assert not outcome["false_refusals"], outcome["false_refusals"][:10]


def test_production_refuses_a_secret_reused_under_another_name_in_any_form():
    """With every secret set, and each different, production starts. Each
    secret's value (each Fernet key of the list on its own, each password
    of a URL) given to another secret is refused as reused, naming both,
    as it is, with whitespace around it, and in another case."""
    rules = run_driver([], generated=0)["rules"]
    keys = [Fernet.generate_key().decode() for _ in range(2)]
    environment = {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": ",".join(keys)}
    sources = [("FIELD_ENCRYPTION_KEYS", key) for key in keys]
    for name, (_minimum, kind, _from_file) in rules.items():
        if kind in ("random", "database", "broker"):
            secret = secrets.token_urlsafe(48)
            environment[name] = {
                "random": secret,
                "database": f"postgres://app:{secret}@db.internal:5432/app",
                "broker": f"redis://:{secret}@broker.internal:6379/0",
            }[kind]
            sources.append((name, secret))
    sources.append(("AUDIT_CHECKPOINT_SIGNING_KEY", environment["AUDIT_CHECKPOINT_SIGNING_KEY"]))

    trials, reused = [["SECRET_KEY", environment["SECRET_KEY"], False, environment]], []
    for name, (minimum, kind, _from_file) in rules.items():
        if kind not in ("random", "database", "broker"):
            continue
        for source, secret in sources:
            if source == name or len(secret) < minimum:
                continue
            for form in (secret, f" {secret}\t", secret.swapcase()):
                for setting in as_settings(kind, form):
                    trials.append([name, setting, False, environment])
                    reused.append((source, secret))

    outcome = run_driver(trials, generated=0)

    assert outcome["results"][0][3] is None, outcome["results"][0][3]
    for (name, setting, _via_file, error), (source, secret) in zip(outcome["results"][1:], reused, strict=True):
        assert error is not None, f"{name} accepted the value of {source}: {setting}"
        assert "reuse" in error and name in error and source in error, error
        assert secret not in error and secret.swapcase() not in error, error


def test_every_secret_and_its_minimum_is_documented_in_env_example():
    """The table production checks and .env.example's comments agree: each
    secret is listed there, with "at least N characters" (or, for keys of
    a fixed format, "Fernet" or "Ed25519") in the comment block just above it. And every
    secret the base settings read through env_secret() is in the table."""
    rules = run_driver([], generated=0)["rules"]
    lines = (ROOT / ".env.example").read_text().splitlines()
    base = (ROOT / "contactcenter" / "settings" / "base.py").read_text()
    for name, (minimum, kind, _from_file) in rules.items():
        if f'"{name}"' not in base:
            continue  # listed ahead of the settings that will read it
        index = next((i for i, line in enumerate(lines) if line.startswith(f"{name}=")), None)
        assert index is not None, f"{name} is not in .env.example"
        comments = []
        for line in reversed(lines[:index]):
            if not line.startswith("#"):
                break
            comments.insert(0, line)
        note = " ".join(comments)
        expected = {"fernet": "Fernet", "ed25519": "Ed25519"}.get(kind, f"at least {minimum} characters")
        assert expected.casefold() in note.casefold(), f".env.example does not document {name}'s minimum ({expected})"

    read_as_secrets = set(re.findall(r'env_secret\("([A-Z_]+)"', base))
    assert read_as_secrets <= set(rules), read_as_secrets - set(rules)
