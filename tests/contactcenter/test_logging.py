from __future__ import annotations

import contextlib
import datetime
import io
import logging
import re
import shlex
import string
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from unittest import mock
from urllib.parse import quote, quote_plus, unquote, urlencode

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from calls.authentication import TwilioSignatureAuthentication
from calls.middleware import WebhookFailureMiddleware
from compliance.masking import _SUSPICIOUS
from contactcenter.logging import PersonalDataFilter, StructuredFormatter
from tests.calls import vapi_messages as vapi
from tests.conftest import twilio_signature
from tests.factories import CARD_NUMBER, CARD_NUMBER_TRACES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log_line():
    """Format a record as the project's console handler would, filter included."""

    def render(message: str, *args: object, exc_info: object = None, **extra: object) -> str:
        record = logging.LogRecord("calls.test", logging.INFO, __file__, 1, message, args or None, exc_info)
        for key, value in extra.items():
            setattr(record, key, value)
        assert PersonalDataFilter().filter(record)
        return StructuredFormatter().format(record)

    return render


def test_card_number_in_the_message_is_masked(log_line):
    line = log_line(f"card {CARD_NUMBER} declined")

    assert not any(trace in line for trace in CARD_NUMBER_TRACES) and "[CARD]" in line


def test_phone_number_in_args_is_masked(log_line):
    line = log_line("caller %s on %d", "+1 (415) 555-0132", 4155550199)

    assert "555-0132" not in line and "4155550199" not in line
    assert line.count("[PHONE]") == 2


def test_email_in_extra_fields_is_masked(log_line):
    line = log_line("crm.sync", contact="jane.doe@example.com", call_id=42)

    assert "jane.doe" not in line and "contact=[EMAIL]" in line and "call_id=42" in line


def test_twilio_auth_token_is_masked_by_shape_and_by_value(log_line, settings):
    settings.TWILIO_AUTH_TOKEN = "token-that-is-not-hex-shaped"

    line = log_line("auth %s then %s", "0123456789abcdef0123456789abcdef", "token-that-is-not-hex-shaped")

    assert "0123456789abcdef" not in line and "token-that-is-not" not in line
    assert line.count("[SECRET]") == 2


def test_a_secret_set_after_lines_were_logged_is_masked_too(log_line, settings):
    log_line("inbox.processed")  # the secrets are read, and kept
    settings.VAPI_WEBHOOK_SECRET = "changed-while-running-vapi-secret"

    line = log_line("secret %s", "changed-while-running-vapi-secret")

    assert "changed-while-running" not in line and "[SECRET]" in line


def test_traceback_is_masked(log_line):
    try:
        raise ValueError("bad number +14155550132")
    except ValueError:
        line = log_line("task.failed", exc_info=sys.exc_info())

    assert "4155550132" not in line and "[PHONE]" in line and "ValueError" in line


def test_ids_sids_and_counts_are_left_alone(log_line):
    sid = "CA" + "0123456789abcdef" * 2

    line = log_line("inbox.processed", inbound_event_id=123456, call_sid=sid, attempts=3)

    assert f"call_sid={sid}" in line and "inbound_event_id=123456" in line and "attempts=3" in line


@pytest.mark.parametrize(
    "message",
    [
        "inbox.processed inbound_event_id=42 duration=300 attempts=12",
        "task 3f2b8a4e-9c1d-4e5f-8a7b-426614174000 done in 34.7 ms",
        "retention.purged before=2026-12-01T06:05:18.123456+00:00 rows=1200",
        "window 2026-12-01 06:05:18+00:00 to 2026-12-31 23:59:59.999999+00:00.",
        "audit.anchored digest=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "call.status call_sid=CA0123456789abcdef0123456789abcdef status=completed.",
        "export 2048 rows in 1.5 s, 12_000 bytes, id_20261201.",
        "Listening at: http://127.0.0.1:18765 (10062)",
        "connected to 10.20.30.40:6380 in 12345 ms",
    ],
)
def test_ids_timestamps_digests_and_durations_are_left_alone(log_line, message):
    assert log_line(message).endswith(f" calls.test {message}")


def test_the_filter_is_installed_on_the_project_handler():
    handlers = [
        handler for handler in logging.getLogger().handlers if isinstance(handler.formatter, StructuredFormatter)
    ]

    assert handlers
    assert all(any(isinstance(current, PersonalDataFilter) for current in handler.filters) for handler in handlers)


def test_every_handler_the_configuration_installs_filters_personal_data():
    """Not only the project's console handler: Django installs its own on
    the loggers it configures (a console handler under DEBUG that prints
    tracebacks, mail to ADMINS, runserver's request lines), and a handler
    left unfiltered writes whatever it is given. Libraries add theirs when
    imported (spaCy and Presidio's tracer, by the redaction engine), so
    every logger that exists once the engine is loaded is checked."""
    from django.utils.log import DEFAULT_LOGGING

    import compliance.redaction.engine  # noqa: F401

    names = {"", *settings.LOGGING.get("loggers", {}), *DEFAULT_LOGGING["loggers"], *logging.root.manager.loggerDict}
    unfiltered = [
        (name, type(handler).__name__)
        for name in sorted(names)
        for handler in logging.getLogger(name or None).handlers
        if not type(handler).__module__.startswith("_pytest")
        and not isinstance(handler, logging.NullHandler)
        and not any(isinstance(current, PersonalDataFilter) for current in handler.filters)
    ]

    assert not unfiltered


@pytest.mark.parametrize(
    "line, suspicious",
    [
        ("inbox.processed kind=twilio.voice attempts=1 inbound_event_id=42", False),
        ("call.status applied=True status=completed", False),
        ("caller +14155550132", True),
        ("mail jane@example.com", True),
    ],
)
def test_clean_lines_skip_the_masking_patterns(line, suspicious):
    assert bool(_SUSPICIOUS.search(line)) is suspicious


# --- Personal data in any encoding, anywhere in a record ------------------------------------


def digits(size: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=size, max_size=size)


# Each strategy draws (as written, what must not survive): the digits of a
# number, an address in lower case, a token's secret part.
phones = st.builds(
    lambda area, rest, layout: (layout.format(a=area, b=rest[:3], c=rest[3:]), area + rest),
    st.integers(201, 989).map(str),
    digits(7),
    st.sampled_from(
        ["+1{a}{b}{c}", "+1 {a} {b} {c}", "+1 ({a}) {b}-{c}", "({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}"]
    ),
)
# Written in dotted groups, as in France, Switzerland or Germany: four or
# five groups, a leading zero or a group past 255, never an address.
dotted_phones = st.one_of(
    st.builds(
        lambda number, prefix: (prefix + ".".join(number[i : i + 2] for i in range(0, 10, 2)), number),
        st.builds(lambda rest: "0" + rest, digits(9)),
        st.sampled_from(["", "tel "]),
    ),
    st.builds(
        lambda number, cuts: (".".join(number[a:b] for a, b in zip((0, *cuts), (*cuts, 10), strict=True)), number),
        st.builds(lambda rest: "0" + rest, digits(9)),
        st.sampled_from([(3, 6, 8), (2, 5, 8)]),  # 079.123.45.67, 02.123.456.78
    ),
)
international_phones = st.builds(
    lambda country, number: (f"+{country} {number[:2]} {number[2:6]} {number[6:]}", country + number),
    st.sampled_from(["44", "33", "49", "61", "81"]),
    digits(10),
)
emails = st.builds(
    lambda local, domain, tld: (f"{local}@{domain}.{tld}", f"{local}@{domain}.{tld}".lower()),
    st.from_regex(r"[a-z][a-z0-9._+-]{2,14}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{2,14}[a-z0-9]", fullmatch=True),
    st.sampled_from(["com", "org", "co.uk", "example", "io"]),
)
# Addresses outside ASCII (RFC 6531): accented, Cyrillic, Greek, CJK and
# Devanagari local parts and domains, in composed form.
non_ascii_emails = st.builds(
    lambda local, domain, tld: (f"{local}@{domain}.{tld}", f"{local}@{domain}.{tld}".lower()),
    st.sampled_from(["josé", "dana", "zoë.brontë", "андрей", "θεόδωρος", "李雷", "राम.शर्मा", "müller+calls"]),
    st.sampled_from(["example", "exämple", "пример", "例え", "उदाहरण", "bücher-shop"]),
    st.sampled_from(["com", "рф", "中国", "भारत", "de"]),
)
cards = st.builds(
    lambda number, separator: (separator.join(number[i : i + 4] for i in range(0, 16, 4)), number),
    st.builds(lambda rest: "4" + rest, digits(15)),
    st.sampled_from(["", " ", "-"]),
)
ssns = st.builds(
    lambda area, group, serial, separator: (f"{area:03d}{separator}{group:02d}{separator}{serial:04d}",
                                            f"{area:03d}{group:02d}{serial:04d}"),
    st.integers(1, 899).filter(lambda area: area != 666),
    st.integers(1, 99),
    st.integers(1, 9999),
    st.sampled_from(["-", " "]),
)  # fmt: skip
# Nine digits alone are an id or a count; after a label they are an SSN.
labelled_ssns = st.builds(
    lambda label, number: (f"{label}{number}", number),
    st.sampled_from(
        ["ssn ", "SSN: ", "ssn=", "ssn#", "customer_ssn=", "Social Security Number: ", "social_security_no "]
    ),
    digits(9),
)
token_bodies = st.from_regex(r"[A-Za-z0-9_-]{24,48}", fullmatch=True).filter(lambda body: len(set(body)) > 8)
CREDENTIAL_PREFIXES = [
    "token=", "access_token=", "key=", "api_key=", "csrftoken=", "Authorization: Token ", "Authorization: Bearer ",
    "Authorization=Basic ", '"token": "', "X-Vapi-Secret: ", "Cookie: sessionid=",
]  # fmt: skip
tokens = st.one_of(
    st.builds(lambda body: ("cc_" + body, body), st.from_regex(r"[0-9a-f]{64}", fullmatch=True)),
    st.builds(lambda body: ("cc_" + body, body), token_bodies),
    st.builds(lambda name, body: (f"{name}{body}", body), st.sampled_from(CREDENTIAL_PREFIXES), token_bodies),
    st.builds(lambda body: (f"postgres://contactcenter:{body}@db.internal:5432/contactcenter", body), token_bodies),
)
personal_data = st.one_of(
    phones, dotted_phones, international_phones, emails, non_ascii_emails, cards, ssns, labelled_ssns, tokens
)


def _each(replacements: dict[str, str]):
    return lambda text: "".join(replacements.get(character, character) for character in text)


FULL_WIDTH = {chr(code): chr(code + 0xFEE0) for code in range(0x21, 0x7F)}
# The same value as a person or a program may render it: what NFKC folds
# back to ASCII, other spaces and dashes, invisible characters, other
# scripts' digits, and (in a container's repr) escaped.
lookalikes = {
    "as written": lambda text: text,
    "full-width": _each(FULL_WIDTH | {" ": "\u3000"}),
    "full-width digits": _each({str(digit): chr(0xFF10 + digit) for digit in range(10)} | {"+": "＋"}),
    "mathematical digits": _each({str(digit): chr(0x1D7CE + digit) for digit in range(10)}),
    "Arabic-Indic digits": _each({str(digit): chr(0x0660 + digit) for digit in range(10)}),
    "Devanagari digits": _each({str(digit): chr(0x0966 + digit) for digit in range(10)}),
    "no-break spaces": _each({" ": "\u00a0"}),
    "narrow no-break spaces": _each({" ": "\u202f"}),
    "thin spaces": _each({" ": "\u2009"}),
    "non-breaking hyphens": _each({"-": "\u2011"}),
    "en dashes and minus signs": _each({"-": "\u2013", "+": "\u207a"}),
    "figure dashes": _each({"-": "\u2012"}),
    "zero-width spaces": lambda text: "\u200b".join(text),
    "soft hyphens": lambda text: "\u00ad".join(text),
    "small and full-width signs": _each({"@": "﹫", ".": "．", "(": "（", ")": "）", "+": "﹢"}),
    "decomposed": lambda text: unicodedata.normalize("NFD", text),
    "compatibility letters": lambda text: unicodedata.normalize("NFD", text).replace("i", "ⅰ").replace("a", "ª"),
}
# Characters that may stand right before or after a value: any ASCII
# punctuation (a sentence's full stop, a path's slash, an id's underscore)
# and some that other languages use.
PUNCTUATION = string.punctuation + "«»“”‘’¿¡。、・…–—"
encodings = {
    "plain": lambda text: text,
    "percent-encoded": lambda text: quote(text, safe=""),
    "form-encoded": quote_plus,
    "double-encoded": lambda text: quote(quote(text, safe=""), safe=""),
    "double form-encoded": lambda text: quote_plus(quote_plus(text)),
}


def _escaped(match: re.Match[str]) -> str:
    return chr(int(match.group(1) or match.group(2) or match.group(3), 16))


def as_read(text: str) -> str:
    """``text`` as a person reads it: escapes (a container's repr writes a
    no-break space as \\xa0) resolved, compatibility forms folded, any
    space as a space, any dash as a hyphen, invisible characters gone, any
    script's digits as ASCII digits."""
    text = re.sub(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))", _escaped, text)
    read = []
    for character in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(character)
        if category == "Cf":
            continue
        if category == "Zs":
            character = " "
        elif category == "Pd" or character in "\u2212\u2796\u02d7":
            character = "-"
        elif category == "Nd":
            character = str(unicodedata.decimal(character))
        read.append(character)
    return "".join(read)


def survives(trace: str, line: str) -> bool:
    """Whether ``trace`` can be read back from ``line``, however encoded or
    rendered, with digit groups joined."""
    decoded = line
    for _ in range(4):
        decoded = unquote(decoded)
    decoded = as_read(decoded)
    trace = as_read(trace)
    for candidate in (decoded, decoded.replace("+", " ")):
        joined = re.sub(r"(?<=\d)[\s+().-]+(?=\d)", "", candidate)
        if trace in candidate or trace in candidate.lower() or trace in joined:
            return True
    return False


@hypothesis_settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    datum=personal_data,
    lookalike=st.sampled_from(sorted(lookalikes)),
    encoding=st.sampled_from(sorted(encodings)),
    place=st.sampled_from(["message", "argument", "extra", "nested extra", "exception"]),
    before=st.sampled_from(
        [
            "",
            "caller ",
            "caller_",
            "GET /webhooks/twilio/voice/?",
            "GET /webhooks/x/",
            "From=",
            "body: a=1&b=",
            "(",
            '"',
        ]
    ),
    leading=st.text(PUNCTUATION, max_size=3),
    trailing=st.text(PUNCTUATION, max_size=3),
    after=st.sampled_from(["", " done", "\n"]),
)
def test_personal_data_in_any_encoding_never_survives_the_filter(
    log_line, datum, lookalike, encoding, place, before, leading, trailing, after
):
    written, trace = datum
    value = leading + encodings[encoding](lookalikes[lookalike](written)) + trailing
    rendered = before + value + ('"' if before == '"' else after)

    if place == "message":
        line = log_line(f"event {rendered}")
    elif place == "argument":
        line = log_line("event %s", rendered)
    elif place == "extra":
        line = log_line("event", detail=rendered)
    elif place == "nested extra":
        line = log_line("event", detail={"values": [rendered]})
    else:
        try:
            raise ValueError(f"failed for {rendered}")
        except ValueError:
            line = log_line("task.failed", exc_info=sys.exc_info())

    assert not survives(trace, line), line


@pytest.mark.parametrize("name", ["token", "api_key", "password", "authorization", "signature", "client_secret"])
def test_extra_fields_named_like_credentials_are_masked_whatever_they_hold(log_line, name):
    line = log_line("vendor.call", **{name: "short1"})

    assert "short1" not in line and f"{name}=[CREDENTIAL]" in line


def test_a_request_attached_to_a_record_is_logged_without_its_query(log_line, rf):
    request = rf.get("/webhooks/twilio/voice/", {"From": "+14155550123", "CallerName": "Margaret Hamilton"})

    line = log_line("Method Not Allowed: %s", request.path, request=request, status_code=405)

    assert "request=GET /webhooks/twilio/voice/" in line
    assert "From" not in line and "Margaret" not in line and "4155550123" not in line


# --- The real logging configuration, under real requests ------------------------------------------


@pytest.fixture
def captured_log() -> Iterator[io.StringIO]:
    """What the project's console handler (LOGGING's, with its filter) writes."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, StructuredFormatter)
        and any(isinstance(current, PersonalDataFilter) for current in handler.filters)
    ]
    assert handlers
    buffer = io.StringIO()
    previous = [handler.setStream(buffer) for handler in handlers]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


CALLER_QUERY = {
    "From": "+14155550123",
    "Caller": "+14155550123",
    "CallerName": "Margaret Hamilton",
    "Email": "margaret@example.com",
    "token": "cc_" + "7f3a9c" * 10,
}
CALLER_TRACES = ("4155550123", "Margaret", "Hamilton", "margaret", "7f3a9c7f3a9c")


def signed_get(client, path: str, query: str):
    """A Twilio number configured for GET: the parameters travel in the
    query string, and the signature covers the URL."""
    url = f"{path}?{query}"
    return client.get(url, HTTP_X_TWILIO_SIGNATURE=twilio_signature(settings.PUBLIC_BASE_URL + url, {}))


def failing_authentication(self, request):
    raise RuntimeError(f"could not check {request._request.get_full_path()}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "expected, send",
    [
        (403, lambda client, query: client.post(f"/webhooks/twilio/voice/?{query}", CALLER_QUERY)),
        (400, lambda client, query: signed_get(client, "/webhooks/twilio/voice/", "") and client.post(
            f"/webhooks/vapi/?{query}", b"{not json", content_type="application/json",
            **vapi.signed_headers(b"{not json"))),
        (405, lambda client, query: signed_get(client, "/webhooks/twilio/voice/", query)),
        (405, lambda client, query: signed_get(client, "/webhooks/twilio/status", query)),
        (404, lambda client, query: client.get(f"/webhooks/twilio/unknown?{query}")),
        (404, lambda client, query: client.post(f"/nowhere?{query}", CALLER_QUERY)),
        (503, "failing view"),
        (500, "failing view without the failure middleware"),
    ],
    ids=["403", "400", "405", "405 without slash", "404 webhook", "404 elsewhere", "503", "500"],
)  # fmt: skip
def test_a_webhook_request_with_personal_data_in_its_query_leaves_no_trace_in_the_log(
    captured_log, settings, expected, send
):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    query = urlencode(CALLER_QUERY)

    if isinstance(send, str):
        with contextlib.ExitStack() as stack:
            stack.enter_context(
                mock.patch.object(TwilioSignatureAuthentication, "authenticate", failing_authentication)
            )
            if "without" in send:
                stack.enter_context(mock.patch.object(WebhookFailureMiddleware, "process_exception", return_value=None))
            response = client.post(f"/webhooks/twilio/status/?{query}", CALLER_QUERY)
    else:
        response = send(client, query)

    output = captured_log.getvalue()
    assert response.status_code == expected
    assert output, "the request logged nothing"
    assert not [trace for trace in CALLER_TRACES if survives(trace, output)], output


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, traces",
    [
        ("/nowhere/+14155550123.", ["4155550123"]),
        ("/webhooks/x/+14155550123.", ["4155550123"]),
        ("/webhooks/twilio/voice/4111111111111111./", ["4111111111111111"]),
        ("/nothing/jos%C3%A9@example.com", ["josé@example.com", "jos%C3%A9@example.com"]),
        ("/webhooks/x/%EF%BC%8B%EF%BC%91%EF%BC%94%EF%BC%91%EF%BC%95%EF%BC%95%EF%BC%95%EF%BC%95%EF%BC%90"
         "%EF%BC%91%EF%BC%92%EF%BC%93", ["14155550123"]),
    ],
    ids=["404 number before a full stop", "webhook 404 number before a full stop", "card in a webhook path",
         "non-ASCII e-mail", "full-width number"],
)  # fmt: skip
def test_personal_data_in_a_request_path_leaves_no_trace_in_the_log(captured_log, settings, path, traces):
    """Django's request logger writes the path twice ("Not Found: <path>"
    and the attached request), decoded."""
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get(path)

    output = captured_log.getvalue()
    assert response.status_code == 404
    assert "Not Found" in output
    assert not [trace for trace in traces if survives(trace, output)], output


# --- Gunicorn, as the Procfile runs it ---------------------------------------------------------


def procfile_command(name: str) -> list[str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    command = dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))[name]
    return shlex.split(re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", command))  # ${PORT:-8000} -> 8000


@pytest.fixture
def gunicorn_log() -> Iterator[tuple[object, io.StringIO]]:
    """Gunicorn's logger configured from the Procfile's web command, its
    handlers writing to a buffer."""
    from gunicorn.config import Config

    arguments = procfile_command("web")
    assert arguments[0] == "gunicorn"
    config = Config()
    for name, value in vars(config.parser().parse_args(arguments[1:])).items():
        if value is not None and name != "args":
            config.set(name.lower(), value)
    logger = config.logger_class(config)
    buffer = io.StringIO()
    handlers = logger.error_log.handlers + logger.access_log.handlers
    for handler in handlers:
        handler.setStream(buffer)
    yield logger, buffer
    for log in (logger.error_log, logger.access_log):
        for handler in list(log.handlers):
            log.removeHandler(handler)


def test_gunicorn_as_the_procfile_runs_it_logs_no_query_string(gunicorn_log):
    """The access log's format names the path without its query (%(U)s),
    never the request line, the query or the referer; and gunicorn's own
    error log, which quotes a failed request's full URI, is filtered."""
    logger, buffer = gunicorn_log
    query = urlencode(CALLER_QUERY)
    uri = f"/webhooks/twilio/voice/?{query}"
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": uri, "PATH_INFO": "/webhooks/twilio/voice/", "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.7", "HTTP_REFERER": f"https://example.com{uri}",
    }  # fmt: skip
    response = mock.Mock(status="405 Method Not Allowed", sent=0, headers=[])
    request = mock.Mock(headers=[("Authorization", "Token " + CALLER_QUERY["token"])], uri=uri)

    logger.access(response, request, environ, datetime.timedelta(milliseconds=12))
    try:
        raise RuntimeError(f"worker failed on {uri}")
    except RuntimeError:
        logger.exception("Error handling request %s", uri)
    logger.warning(f"Invalid request from ip=10.0.0.7: Invalid HTTP request line: 'GET {uri} HTTP/1.1'")

    output = buffer.getvalue()
    access_format = logger.cfg.access_log_format
    assert '"GET /webhooks/twilio/voice/" 405' in output
    assert "Error handling request" in output and "Invalid request" in output
    assert not [trace for trace in CALLER_TRACES if survives(trace, output)], output
    assert not re.search(r"%\((?:r|q|f|\{[^}]*\}[ie])\)s", access_format), access_format


def test_every_secret_setting_production_checks_is_masked_in_logs():
    """The secrets production checks (contactcenter.secrets) and the ones the
    log filter masks are one list: a secret setting added to one is in both."""
    from contactcenter.logging import _SECRET_SETTINGS
    from contactcenter.secrets import SECRET_RULES

    base = (ROOT / "contactcenter" / "settings" / "base.py").read_text()
    settings_held = {
        name
        for name, rule in SECRET_RULES.items()
        if rule.kind not in ("database", "broker") and re.search(rf"^{name} = ", base, re.MULTILINE)
    }
    assert settings_held - set(_SECRET_SETTINGS) == set()


def test_a_worker_writes_no_line_for_each_task_it_runs_but_still_its_retries_and_failures(captured_log):
    """Celery's line for every task received and every task succeeded cost
    the worker as much CPU as its own handling of the message
    (bench/README.md, ``tasks.py``); the lines that say something went
    wrong stay."""
    from celery.app import trace
    from celery.worker import strategy

    task = {
        "id": "5f0c6f7e-1e7b-4c1e-9d7e-3e0c1f3c9a11", "name": "calls.tasks.process_inbound_events",
        "args": "[[1]]", "kwargs": "{}", "return_value": "None", "runtime": 0.01,
        "exc": "OperationalError()", "description": "raised unexpected", "traceback": "",
    }  # fmt: skip
    # As the worker writes them (celery.worker.strategy, celery.app.trace).
    strategy.logger.info(trace.LOG_RECEIVED, task, extra={"data": task})
    trace.info(trace.LOG_SUCCESS, task)
    trace.info(trace.LOG_RETRY, task)
    trace.logger.error(trace.LOG_FAILURE, task, extra={"data": task})

    lines = captured_log.getvalue().splitlines()
    assert [line.split(" ", 3)[3].split(" data=")[0] for line in lines] == [
        f"celery.app.trace Task {task['name']}[{task['id']}] retry: OperationalError()",
        f"celery.app.trace Task {task['name']}[{task['id']}] raised unexpected: OperationalError()",
    ]
