"""The checks production runs on its secrets and hosts before it starts.

Every secret production reads is in one table (``SECRET_RULES``), with its
minimum length; ``check_secrets`` refuses a weak, published, placeholder or
reused one, naming the variable and never the value. Kept apart from the
settings module, which only calls them, so the rules can be read and tested
on their own.
"""

from __future__ import annotations

import ast
import base64
import binascii
import functools
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from contactcenter.settings.base import BASE_DIR, env, env_secret


@functools.cache
def _public_suffixes():
    """The Public Suffix List, private domains included (a wildcard under
    ``herokuapp.com`` admits every tenant's apps), from the copy tldextract
    ships: nothing is fetched at start-up."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def wildcard_over_public_suffix(entry: str) -> bool:
    """Whether an ALLOWED_HOSTS entry admits hosts anyone can register: a
    leading dot matches the domain and everything under it (Django's
    ``is_same_domain``), so ``.com``, ``.co.uk`` or ``.herokuapp.com`` would
    let any Host header ending so through. ``.example.com`` is the
    operator's own domain and stays allowed."""
    if not entry.startswith("."):
        return False
    domain = entry.lower().strip(".")
    if "." not in domain:
        return True  # "." itself, or a bare top-level domain, listed or not (".internal")
    return not _public_suffixes()(domain).domain


def broker_tls_unverified(url: str) -> bool:
    """Whether a broker URL (each of kombu's ``;``-separated failover URLs)
    uses TLS without checking who answers. kombu speaks TLS for a
    ``rediss://`` URL or any ``ssl_*`` parameter (``redis://`` and
    ``sentinel://`` too), checks the certificate only with
    ``ssl_cert_reqs=required``, and skips the host name with
    ``ssl_check_hostname=false``; it only warns."""
    for each in url.split(";"):
        parts = urlsplit(each.strip())
        query = {name.lower(): [value.lower() for value in values] for name, values in parse_qs(parts.query).items()}
        if parts.scheme.lower() != "rediss" and not any(name.startswith("ssl") for name in query):
            continue
        wanted = set(query.get("ssl_cert_reqs", []))
        if not wanted or not wanted <= {"required", "cert_required"}:
            return True
        if set(query.get("ssl_check_hostname", [])) & {"false", "0", "no", "off", "n", "f"}:
            return True
    return False


def loopback_http(url: str) -> bool:
    """Whether ``url`` is plain http to this machine's loopback interface."""
    parts = urlsplit(url)
    return parts.scheme.lower() == "http" and (parts.hostname or "") in {"127.0.0.1", "localhost", "::1"}


# --- Secrets: one table, one check ------------------------------------------------


@dataclass(frozen=True)
class SecretRule:
    """``kind``: ``random`` (a key, token or password), ``fernet`` (a
    comma-separated list of Fernet keys), ``ed25519`` (a private key, base64
    or PEM), ``database`` (a database URL: the passwords psycopg is handed,
    read from the ``DATABASES`` entry named ``alias``) or ``broker`` (the
    Celery broker URL: the password kombu hands the broker, on every
    failover host). A URL without a password is allowed: the server then
    authenticates otherwise. ``listed``: the variable holds a comma-separated
    list of such secrets, each checked on its own."""

    min_length: int
    kind: str = "random"
    # Whether the settings honour NAME_FILE for it (env_secret), as the check then does.
    from_file: bool = True
    alias: str = ""
    listed: bool = False


# Every secret production reads, by environment variable, with its minimum
# length. .env.example documents each minimum beside the variable, and
# tests/contactcenter/test_production_secrets.py keeps the two equal. An empty
# optional secret is simply not configured; the required ones were checked above.
SECRET_RULES: dict[str, SecretRule] = {
    "SECRET_KEY": SecretRule(50),  # Django's own deployment check asks for 50
    "TWILIO_AUTH_TOKEN": SecretRule(32),  # Twilio issues 32 hex characters
    "VAPI_WEBHOOK_SECRET": SecretRule(32),
    "IDENTIFIER_HASH_KEY": SecretRule(32),
    "IDENTIFIER_HASH_KEY_FALLBACKS": SecretRule(32, listed=True),  # earlier IDENTIFIER_HASH_KEYs
    "FIELD_ENCRYPTION_KEYS": SecretRule(44, kind="fernet"),  # 32 bytes, url-safe base64
    "VAPI_API_KEY": SecretRule(32),
    "VAPI_SIP_PASSWORD": SecretRule(20),  # Vapi takes 20 to 40 characters
    "CRM_WEBHOOK_SECRET": SecretRule(32),
    "HUBSPOT_ACCESS_TOKEN": SecretRule(32),
    "METRICS_TOKEN": SecretRule(32),  # the scraper's bearer token (GET /metrics)
    "ADMIN_PASSWORD": SecretRule(12),  # as AUTH_PASSWORD_VALIDATORS
    # Its format and randomness are compliance.signing's check (signing_key_check).
    "AUDIT_CHECKPOINT_SIGNING_KEY": SecretRule(43, kind="ed25519"),
    "DATABASE_URL": SecretRule(12, kind="database", from_file=False, alias="default"),
    "DATABASE_OWNER_URL": SecretRule(12, kind="database", alias="owner"),
    "CELERY_BROKER_URL": SecretRule(12, kind="broker", from_file=False),
}

# Words no generated secret contains by chance (a random 43-character token
# holds any one of them with a probability below one in ten million), and
# every hand-made placeholder does.
PLACEHOLDER_WORDS = (
    "change-me", "changeme", "change_me", "replace-me", "replaceme", "your-", "your_", "example", "placeholder",
    "insecure", "dummy", "sample", "secret", "password", "passwd", "xxxxxx",
)  # fmt: skip
# A published value this long is refused inside a longer secret too
# ("<placeholder>-padded-to-length"); shorter ones only as the whole value.
PUBLISHED_FRAGMENT_MIN_LENGTH = 12


def published_values(base_dir: Path = BASE_DIR) -> frozenset[str]:
    """Every value this repository publishes: each ``NAME=value`` of
    ``.env.example`` and every string written in the local and test settings
    (their throwaway secrets), with the items of comma-separated lists and
    the passwords inside URLs. Read from the files themselves, so the list
    can't drift from them."""
    values: set[str] = set()
    example = base_dir / ".env.example"
    if example.exists():
        for line in example.read_text().splitlines():
            match = re.match(r"\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=(.*)$", line)
            if match:
                values.add(match.group(1).strip().strip("'\""))
    settings_dir = base_dir / "contactcenter" / "settings"
    for name in ("local.py", "test.py"):
        tree = ast.parse((settings_dir / name).read_text())
        values.update(
            node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
        )
    for value in list(values):
        values.update(value.split(","))
        if "://" in value:
            for kind in ("database", "broker"):
                try:
                    values.update(consumed_secrets(value, SecretRule(0, kind=kind)))
                except UnreadableURL:
                    pass
    return frozenset(value for value in values if value)


class UnreadableURL(ValueError):
    """A connection URL its client can't parse; never carries the URL."""


def database_passwords(config: Mapping[str, object]) -> list[str]:
    """The passwords a ``DATABASES`` entry hands psycopg: Django's backend
    sends ``OPTIONS`` as connection parameters and ``PASSWORD`` over them
    when it is set, so either may be the one used. django-environ turns a
    query's ``?password=123…`` into an int; libpq receives its text."""
    options = config.get("OPTIONS") or {}
    found = [config.get("PASSWORD"), options.get("password") if isinstance(options, Mapping) else None]
    return [str(password) for password in found if password not in (None, "")]


def broker_passwords(url: str) -> list[str]:
    """The passwords kombu hands the broker for ``url``, parsed by kombu
    itself: the URL's, each failover host's (``;``-separated), and for a
    ``redis+socket://`` URL the socket URL's, which the redis transport
    uses instead. A URL kombu can't parse never connects: it is refused."""
    from kombu import Connection
    from kombu.utils.url import url_to_parts

    try:
        connection = Connection(url)
        passwords = []
        for hop in connection.alt or [url]:
            hop_connection = Connection(hop)
            passwords.append(hop_connection.password)
            if "://" in (hop_connection.hostname or ""):
                passwords.append(url_to_parts(hop_connection.hostname).password)
    except (ValueError, TypeError, KeyError, ImportError) as error:  # whose messages quote the URL
        raise UnreadableURL from error
    return [password for password in passwords if password]


def consumed_secrets(value: str, rule: SecretRule) -> list[str]:
    """The secrets a configured value hands its consumer, one by one, parsed
    as the consumer parses it: each Fernet key of the list as the base
    settings split it, each password psycopg or kombu receives from a URL."""
    if rule.kind == "fernet":
        return [key for key in value.split(",") if key]
    if rule.listed:  # as the base settings read IDENTIFIER_HASH_KEY_FALLBACKS
        # A value that names no key at all (only commas or whitespace) is checked as written.
        return [key.strip() for key in value.split(",") if key.strip()] or [value]
    if rule.kind == "database":
        with warnings.catch_warnings():  # an unknown scheme warns, quoting the URL
            warnings.simplefilter("ignore")
            try:
                config = environ.Env.db_url_config(value)
            except (ValueError, TypeError, KeyError) as error:
                raise UnreadableURL from error
        return database_passwords(config)
    if rule.kind == "broker":
        return broker_passwords(value)
    return [value]


def _not_random(data: bytes) -> str | None:
    """Why ``data`` can't be a generated secret, or None. Calibrated on half
    a million generated secrets of each shape (hex keys, url-safe tokens,
    Django's keys, UUIDs, Fernet keys), none of which it refused."""
    if len(set(data)) < 8:
        return "uses too few distinct characters"
    # A run of four seen before: a random 64-character hex key repeats one
    # about once in thirty keys; a phrase or pattern repeats most of them.
    seen: set[bytes] = set()
    repeats = 0
    for start in range(len(data) - 3):
        run = data[start : start + 4]
        repeats += run in seen
        seen.add(run)
    if repeats > len(data) // 4:
        return "repeats itself"
    steps = sum(abs(left - right) <= 1 for left, right in zip(data, data[1:], strict=False))
    if steps >= 0.65 * (len(data) - 1):
        return "runs in sequence"
    return None


def _fold(value: str) -> str:
    """What two copies of one secret share: no surrounding whitespace, one case."""
    return value.strip().casefold()


def _published_or_placeholder(value: str, published: frozenset[str]) -> str | None:
    folded = _fold(value)
    if folded in {_fold(known) for known in published} or any(
        len(known) >= PUBLISHED_FRAGMENT_MIN_LENGTH and known.casefold() in folded for known in published
    ):
        return "is a value published in this repository (.env.example or the local and test settings)"
    if any(word in folded for word in PLACEHOLDER_WORDS):
        return "looks like a placeholder"
    return None


def secret_problem(value: str, rule: SecretRule, published: frozenset[str]) -> str | None:
    """What is wrong with a configured secret, in words that never quote it; None if nothing."""
    try:
        received = consumed_secrets(value, rule)
    except UnreadableURL:
        return "is not a URL its client can read"
    return secrets_problem(received, rule, published)


def _forms(secret: str, rule: SecretRule) -> list[str]:
    """The secret as received, and for a database password also as its
    writer meant it: django-environ leaves a password percent-encoded when
    the URL holds a "#" (it quotes the whole URL to parse it), and psycopg
    sends that text as it is."""
    decoded = unquote(secret) if rule.kind == "database" else secret
    return [secret] if decoded == secret else [secret, decoded]


def secrets_problem(received: list[str], rule: SecretRule, published: frozenset[str]) -> str | None:
    """What is wrong with the secrets one variable hands its consumer; None if nothing."""
    for position, secret in enumerate(received, start=1):
        for form in _forms(secret, rule):
            problem = _one_secret_problem(form, rule, published)
            if problem and (rule.kind == "fernet" or rule.listed):
                return f"key {position} {problem}"
            if problem and len(received) > 1:
                return f"password {position} {problem}"  # the URL's, its query's, a failover host's
            if problem:
                return problem
    return None


def _one_secret_problem(value: str, rule: SecretRule, published: frozenset[str]) -> str | None:
    if rule.kind == "ed25519":
        return _published_or_placeholder(value.strip(), published)
    if rule.kind == "fernet":
        return _fernet_key_problem(value, published)
    if len(value) < rule.min_length:
        return f"must be at least {rule.min_length} characters long"
    problem = _published_or_placeholder(value, published)
    if problem:
        return problem
    reason = _not_random(value.encode())
    return f"is not random: it {reason}" if reason else None


def _fernet_key_problem(key: str, published: frozenset[str]) -> str | None:
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) != 32 or len(key) != 44:
        return "is not a Fernet key (32 bytes in url-safe base64, 44 characters)"
    problem = _published_or_placeholder(key, published)
    if problem:
        return problem
    if all(32 <= byte < 127 for byte in raw):
        return "is not random: it encodes typed text"
    reason = _not_random(raw)
    return f"is not random: it {reason}" if reason else None


def check_secrets(databases: Mapping[str, Mapping[str, object]], rules: dict[str, SecretRule] = SECRET_RULES) -> None:
    """Refuse to start on any weak, published or reused secret, naming the
    variable (or its ``_FILE``) and never the value. ``databases`` is the
    ``DATABASES`` setting. Each secret is checked
    as its consumer receives it: values read as the settings read them (so
    ``NAME_FILE`` meets the same rules), a database's passwords from the
    ``DATABASES`` entry psycopg is given, the broker's as kombu parses them.
    Reuse is compared one secret at a time (each key of a list, each
    password of a URL), whitespace and case aside."""
    published = published_values()
    # A database added to the settings is checked too, or nothing starts.
    unchecked = sorted(set(databases) - {rule.alias for rule in rules.values() if rule.kind == "database"})
    if unchecked:
        raise ImproperlyConfigured(f"DATABASES {unchecked} have no rule in SECRET_RULES to check their passwords.")
    seen: dict[str, str] = {}
    for name, rule in rules.items():
        from_file = rule.from_file and env.str(f"{name}_FILE", default="")
        source = f"{name} (read from {name}_FILE)" if from_file else name
        if rule.kind == "database":
            # What psycopg is given, not a second parse of the URL.
            received = database_passwords(databases[rule.alias]) if rule.alias in databases else []
            problem = secrets_problem(received, rule, published)
        else:
            value = (env_secret(name, default="") if rule.from_file else env.str(name, default="")) or ""
            if not value:
                continue
            try:
                received = consumed_secrets(value, rule)
            except UnreadableURL:
                raise ImproperlyConfigured(f"{source} is not a URL its client can read.") from None
            problem = secrets_problem(received, rule, published)
            if not problem and rule.kind == "ed25519":
                from compliance.signing import signing_key_check  # an Ed25519 key of random bytes

                signing_key_check(value, source)
        if problem:
            raise ImproperlyConfigured(f"{source} {problem}.")
        for folded in {_fold(form) for secret in received for form in _forms(secret, rule)}:
            if seen.get(folded, name) != name:
                raise ImproperlyConfigured(f"{name} must not reuse the value of {seen[folded]}.")
            if folded:
                seen[folded] = name
