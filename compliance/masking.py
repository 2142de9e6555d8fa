"""Masking for values shown to people or written to evidence."""

from __future__ import annotations

import re
from urllib.parse import unquote


def mask_phone(number: str | None) -> str:
    """``+14155550100`` becomes ``+1 415 ••• ••00``: enough to tell numbers
    apart on screen, not enough to dial."""
    if not number:
        return ""
    digits = re.sub(r"\D", "", number)
    if number.startswith("+1") and len(digits) == 11:
        return f"+1 {digits[1:4]} ••• ••{digits[-2:]}"
    if len(digits) <= 4:
        return "•" * len(digits)
    prefix = "+" if number.startswith("+") else ""
    return f"{prefix}{digits[:2]} {'•' * (len(digits) - 4)}{digits[-2:]}"


# --- Masking free text in logs -------------------------------------------------
#
# A safety net, not a licence: code logs ids and counts. These patterns are
# deliberately broad (any 13-19 digit run is a card, any 10+ digit run a
# phone) because a false mask in a log costs nothing.
#
# Text is masked as written, and again once percent-decoded (repeatedly, so
# "%252B" is "+"), because URLs and form bodies carry "+1415..." as
# "%2B1415..." and "@" as "%40". A "+" between digits counts as a space, as
# it does in a query string. Query strings and form bodies are never kept at
# all: names ("CallerName=Margaret+Hamilton") have no shape to mask.

# Cheap test run first on every line: a line with none of these can't hold
# anything masked below, and most log lines are like that.
_SUSPICIOUS = re.compile(
    r"\d[\d\s().+-]{5,}\d|@|%[0-9A-Fa-f]{2}|\?|&|[0-9a-fA-F]{32}|cc_|\b(?:Basic|Bearer|Token)[\s+]"
    r"|(?i:token|secret|passw|pwd|auth|signature|credential|key|session|cookie)|//",
    re.ASCII,
)
# A URL's or a path's query string, and a form body (two or more name=value
# pairs joined by "&"): their values are dropped, whatever they hold. Each
# starts only after a delimiter and scans possessively up to the next one,
# so no stretch of text is scanned twice: linear time, whatever the input.
_QUERY = re.compile(r"(?<![^\s\"'<>=(\[,;])(?=[^\s?#\"'<>=(\[,;]*/)([^\s?#\"'<>=(\[,;]*+)\?[^\s#\"'<>]+")
_FORM = re.compile(r"(?<![^\s\"'<>(\[{,;:?])[\w.\[\]-]++=[^\s&\"'<>]*+(?:&[\w.\[\]-]++=[^\s&\"'<>]*+)+")
_FORM_VALUE = re.compile(r"=[^&]*")
# Names under which a credential travels: Authorization, X-Twilio-Signature,
# token=, access_token=, api_key=, key=, client_secret=, password=, Cookie...
# Any name ending in one of these words (csrftoken, x-api-key, dedup_key):
# a false mask costs nothing.
CREDENTIAL_NAME = re.compile(
    r"[A-Za-z0-9_-]*(?:token|key|secret|password|passwd|pwd|signature|authorization|credentials?|auth"
    r"|session(?:id)?|cookie)",
    re.IGNORECASE | re.ASCII,
)
# A name starts a word (never mid-word, which keeps the scan linear).
_CREDENTIAL_PAIR = re.compile(
    rf"(?<![A-Za-z0-9_-])({CREDENTIAL_NAME.pattern})(\"?'?[\s+]*[:=][\s+]*\"?'?)"
    r"(?:(?:Basic|Bearer|Token)[\s+]+)?(?!\[[A-Z]+\])[^\s&\"',;)}\]]+",
    re.IGNORECASE | re.ASCII,
)
_CREDENTIAL_SCHEME = re.compile(r"\b(?:Basic|Bearer|Token)[\s+]+[A-Za-z0-9+/=._~-]{8,}")
# The password in a URL's user information: postgres://app:<password>@db/.
_URL_PASSWORD = re.compile(r"(//[^/\s:@]*):[^/\s@]+@")
_LOG_PATTERNS = (
    # API tokens (django-rest-knox, prefixed "cc_"), whatever follows the prefix.
    (re.compile(r"(?<![A-Za-z0-9])cc_[A-Za-z0-9_-]{12,}"), "[TOKEN]"),
    # Bounded as RFC 5321 bounds them (local part 64, label 63), so a long
    # run of letters costs linear time, not quadratic.
    (re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}"), "[EMAIL]"),
    (re.compile(r"(?<![\w-])\d{3}([ +-])\d{2}\1\d{4}(?![\w-])"), "[SSN]"),
    (re.compile(r"(?<![\w.])\d(?:[ +-]?\d){12,18}(?![\w.])"), "[CARD]"),
    (re.compile(r"(?<![\w.])\+?\(?\d{1,3}\)?(?:[\s.+-]?\(?\d{2,4}\)?){2,5}(?![\w.])"), "[PHONE]"),
    # Twilio auth tokens and other 32-hex secrets; a SID's "CA"/"AC" prefix keeps it apart.
    (re.compile(r"(?<![A-Za-z0-9])[0-9a-fA-F]{32}(?![A-Za-z0-9])"), "[SECRET]"),
)
_PHONE_DIGITS = re.compile(r"\d")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
# Deeper than any real double or triple encoding; each round is one unquote.
_MAX_DECODING_ROUNDS = 5


def mask_text(text: str, *, secrets: tuple[str, ...] = ()) -> str:
    """Mask card numbers, phone numbers, e-mail addresses, SSNs, API tokens,
    credentials, query strings, form bodies and the given secret values in
    free text, as written and percent-decoded.

    The text comes back unchanged where nothing is masked; where decoding
    revealed something, it comes back decoded, with that masked."""
    text = _without_secrets(text, secrets)
    if not _SUSPICIOUS.search(text):
        return text
    # Query strings and form bodies go first, as written: there their
    # extent is exact, while once decoded a space would end them early.
    # Credentials before them: "?key=Basic abc" must lose "abc" too.
    text = _without_queries(_without_credentials(text))
    decoded = text
    for _ in range(_MAX_DECODING_ROUNDS):
        if not _PERCENT_ESCAPE.search(decoded):
            break
        decoded = unquote(decoded)
    if decoded != text:
        decoded = _without_secrets(decoded, secrets)
        masked = _mask_once(decoded)
        if masked != decoded:
            return masked
    return _mask_once(text)


def _without_secrets(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, "[SECRET]")
    return text


def _without_queries(text: str) -> str:
    text = _QUERY.sub(r"\1?[QUERY]", text)
    return _FORM.sub(lambda match: _FORM_VALUE.sub("=[VALUE]", match.group()), text)


def _without_credentials(text: str) -> str:
    text = _URL_PASSWORD.sub(r"\1:[CREDENTIAL]@", text)
    text = _CREDENTIAL_PAIR.sub(r"\1\2[CREDENTIAL]", text)
    return _CREDENTIAL_SCHEME.sub("[CREDENTIAL]", text)


def _mask_once(text: str) -> str:
    text = _without_queries(_without_credentials(text))
    for pattern, placeholder in _LOG_PATTERNS:
        if placeholder == "[PHONE]":
            text = pattern.sub(lambda match: _phone_or_not(match.group()), text)
        else:
            text = pattern.sub(placeholder, text)
    return text


def _phone_or_not(candidate: str) -> str:
    """Ten or more digits look like a phone number; fewer are left alone
    (ids, counts, timestamps' parts)."""
    return "[PHONE]" if len(_PHONE_DIGITS.findall(candidate)) >= 10 else candidate
