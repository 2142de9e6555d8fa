"""Masking for values shown to people or written to evidence."""

from __future__ import annotations

import functools
import re
import unicodedata
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
#
# Text outside ASCII is masked as a person reads it (``_as_read``): folded
# by NFKC (full-width "＋１４１５", "＠", mathematical digits), any space as
# a space and any dash as a hyphen (no-break and thin spaces, non-breaking
# hyphens, minus signs), invisible characters (zero-width spaces, soft
# hyphens) dropped, any script's digits as ASCII digits, and escaped
# characters ("\xa0", "\uff11") resolved. Where something is masked, the
# line comes back in that form.

# Cheap test run first on every line: a line with none of these can't hold
# anything masked below, and most log lines are like that. It runs on the
# line as read (``_as_read``, which leaves ASCII alone and turns every other
# digit, space, dash and line break into its ASCII form), so it can stay
# ASCII-only, which is faster; each branch matches in time linear in the
# line.
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
# Nine digits alone are an id or a count; after a label they are an SSN.
# Masked with the credentials, before queries: "?ssn 078051120" must not
# lose its label to the query and leave the number.
_LABELLED_SSN = re.compile(
    r"(?i:(?<![^\W\d_])(ssn|social(?:[\W_]{0,3}security)?(?:[\W_]{0,3}(?:number|num|no))?)(?![^\W\d_]))"
    r"([\W_]{0,5})\d{3}[ .-]?\d{2}[ .-]?\d{4}(?!\d)"
)
# The password in a URL's user information: postgres://app:<password>@db/.
_URL_PASSWORD = re.compile(r"(//[^/\s:@]*):[^/\s@]+@")
# A number starts and ends at the edge of a word: never inside one (a SID's
# or a digest's digits), but right after "_" or any punctuation, and right
# before any, a sentence's full stop included.
_NUMBER_START = r"(?<![^\W_])"
_NUMBER_END = r"(?![^\W_])"
# 0 to 255 without a leading zero: "079.123.45.67" is a phone number written in dotted groups.
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# Digits the project logs that hold no personal data, tried first where a
# number could start and kept whole: UUIDs, ISO dates and times, whose
# fraction and offset would otherwise join into ten digits, and an IPv4
# address with its port (gunicorn's "Listening at: http://127.0.0.1:18765
# (10062)"). An address is four dotted octets exactly: a fifth group
# ("01.23.45.67.89", a French number) or an octet out of range or with a
# leading zero ("030.123.456.78") makes it a phone again.
_NOT_PERSONAL = (
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
    rf"|{_OCTET}(?:\.{_OCTET}){{3}}(?::\d{{1,5}})?(?![.:]?\d)"
)


def _number(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"{_NUMBER_START}(?:(?P<kept>{_NOT_PERSONAL}){_NUMBER_END}|{pattern}{_NUMBER_END})")


def _unless_kept(placeholder: str):
    return lambda match: match.group() if match.group("kept") else placeholder


def _phone_or_not(match: re.Match[str]) -> str:
    """Ten or more digits look like a phone number; fewer are left alone
    (ids, counts, timestamps' parts)."""
    if match.group("kept") or len(_PHONE_DIGITS.findall(match.group())) < 10:
        return match.group()
    return "[PHONE]"


# Any character outside ASCII (but C1 controls and line separators) may be
# part of an address (RFC 6531: "josé@exämple.com", "андрей@пример.рф").
_ADDRESS_CHARACTER = r"\xa0-\u2027\u202a-\U0010ffff"
_LOG_PATTERNS = (
    # API tokens (django-rest-knox, prefixed "cc_"), whatever follows the
    # prefix, its body percent-encoded or not.
    (re.compile(r"(?<![A-Za-z0-9])cc_(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{2}){12,}"), "[TOKEN]"),
    # Bounded as RFC 5321 bounds them (local part 64, label 63), so a long
    # run of letters costs linear time, not quadratic.
    (
        re.compile(
            rf"[A-Za-z0-9._%+{_ADDRESS_CHARACTER}-]{{1,64}}@[A-Za-z0-9_{_ADDRESS_CHARACTER}-]{{1,63}}"
            rf"(?:\.[A-Za-z0-9_{_ADDRESS_CHARACTER}-]{{1,63}}){{0,8}}"
            rf"\.(?:xn--[A-Za-z0-9-]{{1,59}}|[A-Za-z{_ADDRESS_CHARACTER}]{{2,24}})"
        ),
        "[EMAIL]",
    ),
    (_number(r"(?<!\d-)\d{3}([ +-])\d{2}\2\d{4}(?!-\d)"), _unless_kept("[SSN]")),
    (_number(r"\d(?:[ +-]?\d){12,18}"), _unless_kept("[CARD]")),
    (_number(r"\+?\(?\d{1,3}\)?(?:[\s.+-]?\(?\d{2,4}\)?){2,5}"), _phone_or_not),
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
    free text, as written and percent-decoded, in any script or look-alike
    form.

    The text comes back unchanged where nothing is masked; where something
    is, it comes back as read (``_as_read``), and where decoding revealed
    something, decoded, with that masked."""
    text = _without_secrets(text, secrets)
    read = _as_read(text)
    if not _SUSPICIOUS.search(read):
        return text
    masked = _masked(_without_secrets(read, secrets) if read is not text else read, secrets)
    return text if masked == read else masked


def _masked(text: str, secrets: tuple[str, ...]) -> str:
    # As written first, then decoded: what only the written form shows
    # (a token whose body is still encoded) is gone before decoding can
    # garble it ("%cc_..." decodes to "\ufffd_..."), and masking only ever
    # removes text, so the decoded form can't reveal more for it.
    text = _mask_once(text)
    decoded = text
    for _ in range(_MAX_DECODING_ROUNDS):
        if not _PERCENT_ESCAPE.search(decoded):
            break
        decoded = unquote(decoded)
    if decoded == text:
        return text
    decoded = _without_secrets(_as_read(decoded), secrets)
    masked = _mask_once(decoded)
    return masked if masked != decoded else text


@functools.cache
def _lookalikes() -> dict[int, str | None]:
    """Every space as a space, every line break as a newline, every dash
    and minus sign as a hyphen, every invisible formatting character
    dropped. Built once, on the first line outside ASCII (the Basic and
    Supplementary Multilingual Planes and the tags block hold them all)."""
    table: dict[int, str | None] = {0x85: "\n"}
    for code in (*range(0x80, 0x20000), *range(0xE0000, 0xE0080)):
        category = unicodedata.category(chr(code))
        if category in ("Zl", "Zp"):
            table[code] = "\n"
        elif category == "Zs":
            table[code] = " "
        elif category == "Pd" or code in (0x2212, 0x2796, 0x02D7):
            table[code] = "-"
        elif category == "Cf":
            table[code] = None
    return table


# Escapes are resolved too: a container's repr (an extra field holding a
# dict or a list) escapes the characters it can't print ("+1\xa0415"), and
# Django's request logger every character outside ASCII in the path it
# quotes ("Not Found: /jos\xe9@example.com"). Only escapes of characters
# outside ASCII that print, or of the spaces and invisible characters
# above, are resolved: never a control character, which would then reach
# the log raw.
_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")


def _resolved_escape(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2) or match.group(3), 16)
    if 0x80 <= code <= 0x10FFFF and (chr(code).isprintable() or code in _lookalikes()):
        return chr(code)
    return match.group()


def _as_read(text: str) -> str:
    """``text`` as a person reads it (see above); the same object where it
    is ASCII with no escape, which is most lines and costs two scans."""
    if text.isascii() and "\\" not in text:
        return text
    text = unicodedata.normalize("NFKC", _ESCAPE.sub(_resolved_escape, text)).translate(_lookalikes())
    return _OTHER_DIGIT.sub(lambda match: str(unicodedata.decimal(match.group())), text)


def _without_secrets(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, "[SECRET]")
    return text


def _without_queries(text: str) -> str:
    text = _QUERY.sub(r"\1?[QUERY]", text)
    return _FORM.sub(lambda match: _FORM_VALUE.sub("=[VALUE]", match.group()), text)


def _without_credentials(text: str) -> str:
    text = _LABELLED_SSN.sub(r"\1\2[SSN]", text)
    text = _URL_PASSWORD.sub(r"\1:[CREDENTIAL]@", text)
    text = _CREDENTIAL_PAIR.sub(r"\1\2[CREDENTIAL]", text)
    return _CREDENTIAL_SCHEME.sub("[CREDENTIAL]", text)


def _mask_once(text: str) -> str:
    text = _without_queries(_without_credentials(text))
    for pattern, replacement in _LOG_PATTERNS:
        text = pattern.sub(replacement, text)
    return text
