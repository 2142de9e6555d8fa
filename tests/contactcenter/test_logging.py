from __future__ import annotations

import logging

import pytest

from compliance.masking import _SUSPICIOUS
from contactcenter.logging import PersonalDataFilter, StructuredFormatter
from tests.factories import CARD_NUMBER, CARD_NUMBER_TRACES


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


def test_traceback_is_masked(log_line):
    try:
        raise ValueError("bad number +14155550132")
    except ValueError:
        import sys

        line = log_line("task.failed", exc_info=sys.exc_info())

    assert "4155550132" not in line and "[PHONE]" in line and "ValueError" in line


def test_ids_sids_and_counts_are_left_alone(log_line):
    sid = "CA" + "0123456789abcdef" * 2

    line = log_line("inbox.processed", inbound_event_id=123456, call_sid=sid, attempts=3)

    assert f"call_sid={sid}" in line and "inbound_event_id=123456" in line and "attempts=3" in line


def test_the_filter_is_installed_on_the_project_handler():
    handlers = [
        handler for handler in logging.getLogger().handlers if isinstance(handler.formatter, StructuredFormatter)
    ]

    assert handlers
    assert all(any(isinstance(current, PersonalDataFilter) for current in handler.filters) for handler in handlers)


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
