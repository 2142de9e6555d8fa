"""Fields of the webhook input shapes, bounded by what can be stored.

A delivery is acknowledged only if the worker can apply it, so every value
a provider sends is held at the edge to the limits of where it ends up:

- a field that is stored names its column (``feeds``), and takes its
  length, range and type from it: ``column(Call, "end_reason")``. A test
  walks every input field and fails on any bound that does not fit its
  columns, or on a field that does not say where it goes;
- text is Unicode scalar values without NUL, which PostgreSQL can't store
  and the UTF-8 codec can't encode (a lone surrogate);
- numbers are finite: ``NaN`` and infinities pass every range check;
- times that providers report lie within a window around the delivery's
  receipt (``provider_clock``), so the worker, which reads the stored
  delivery through the same fields later, judges it exactly as the view did.
"""

from __future__ import annotations

import abc
import contextlib
import contextvars
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from contactcenter.parsers import UNSTORABLE


@dataclass(frozen=True)
class Column:
    """Where a field's value is stored: ``model.field``, with ``extra``
    characters added around it on the way (a prefix such as ``vapi:``)."""

    model: type[models.Model]
    name: str
    extra: int = 0

    @property
    def field(self) -> models.Field:
        return self.model._meta.get_field(self.name)

    def __str__(self) -> str:
        return f"{self.model._meta.label}.{self.name}"


def feeds(field: serializers.Field, *columns: Column) -> serializers.Field:
    """Declare the columns ``field``'s value is stored in; none: it is read
    (or kept only inside the encrypted inbox payload) and never stored in
    a column of its own. The declaration lives on the declared field (DRF
    binds copies of it, built from its arguments only)."""
    field.feeds = columns
    return field


def storable_text(value: str) -> None:
    if UNSTORABLE.search(value):
        raise serializers.ValidationError("Contains a character that can't be stored.", code="invalid_character")


class StorableText:
    """A text field that also refuses NUL and lone surrogates."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validators.append(storable_text)


class TextField(StorableText, serializers.CharField):
    pass


class StorableURLField(StorableText, serializers.URLField):
    pass


class LenientTextField(TextField):
    """Text that never fails the message it comes in: a value that is not
    text, too long, or can't be stored becomes ``unusable``, for the
    service to refuse (and say so) while the rest of the message applies."""

    def __init__(self, *, unusable: str, **kwargs: Any) -> None:
        self.unusable = unusable
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        try:
            return super().run_validation(data)
        except serializers.ValidationError:
            return self.unusable


class PatternField(StorableText, serializers.RegexField):
    """A provider's identifier in its documented format, with its length
    stated so the column check can read it."""

    def __init__(self, pattern: str, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(pattern, max_length=max_length, **kwargs)


class FiniteFloatField(serializers.FloatField):
    """A float that is a number: ``"NaN"`` and ``"inf"`` are refused."""

    default_error_messages = {"not_finite": "Must be a finite number."}

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("not_finite")
        return value


# --- Reported times -------------------------------------------------------------------

_clock: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("provider_clock", default=None)


@contextlib.contextmanager
def provider_clock(received_at: datetime) -> Iterator[None]:
    """Judge reported times against ``received_at``, for everything read
    inside the block: a webhook request's one receipt time, or a stored
    delivery's when the worker reads it again."""
    token = _clock.set(received_at)
    try:
        yield
    finally:
        _clock.reset(token)


def received_now() -> datetime:
    """When the delivery being read was received: the clock set by
    ``provider_clock``, or now outside one."""
    return _clock.get() or timezone.now()


def time_window() -> tuple[datetime, datetime]:
    """The earliest and latest time a provider may report, around the
    delivery's receipt."""
    reference = received_now()
    return (
        reference - timedelta(days=settings.PROVIDER_TIME_MAX_AGE_DAYS),
        reference + timedelta(seconds=settings.PROVIDER_TIME_MAX_AHEAD_SECONDS),
    )


class ReportedTimeField(serializers.Field, metaclass=abc.ABCMeta):
    """A time a provider reports, in UTC, within ``time_window()``.

    Subclasses read the provider's format in ``parse`` (returning None for
    anything else). An offset that carries the time out of datetime's range
    is as invalid as a malformed value.
    """

    default_error_messages = {
        "invalid": "Expected a date-time.",
        "out_of_range": "Outside the accepted window around now.",
    }

    @abc.abstractmethod
    def parse(self, data: Any) -> datetime | None: ...

    def to_internal_value(self, data: Any) -> datetime:
        try:
            parsed = self.parse(data)
            if parsed is None or parsed.tzinfo is None:
                self.fail("invalid")
            moment = parsed.astimezone(UTC)
        except (OverflowError, ValueError, TypeError, IndexError, OSError):
            self.fail("invalid")
        earliest, latest = time_window()
        if not earliest <= moment <= latest:
            self.fail("out_of_range")
        return moment

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class RFC2822TimeField(ReportedTimeField):
    """Twilio's ``Timestamp``: ``Tue, 21 Nov 2026 09:50:01 +0000``."""

    def parse(self, data: Any) -> datetime | None:
        if not isinstance(data, str) or len(data) > 64:
            return None
        return parsedate_to_datetime(data)


class ISO8601TimeField(ReportedTimeField):
    """An ISO 8601 date-time; one without an offset is UTC."""

    def parse(self, data: Any) -> datetime | None:
        if not isinstance(data, str) or len(data) > 40:
            return None
        parsed = parse_datetime(data)
        if parsed is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed


class EpochOrISO8601TimeField(ISO8601TimeField):
    """Vapi's ``timestamp``: epoch milliseconds (its usual form), epoch
    seconds, or ISO 8601."""

    def parse(self, data: Any) -> datetime | None:
        if isinstance(data, bool):
            return None
        if isinstance(data, (int, float)):
            seconds = data / 1000 if data > 1e11 else data
            return datetime.fromtimestamp(seconds, tz=UTC)
        return super().parse(data)


# --- Fields built from their column ------------------------------------------------------


def _integer_range(field: models.Field) -> tuple[int, int]:
    # The portable ranges (PostgreSQL's), whichever database runs, so the
    # embedded default accepts exactly what production does.
    return BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]


def column(
    model: type[models.Model],
    name: str,
    *,
    extra: int = 0,
    max_length: int | None = None,
    also: tuple[Column, ...] = (),
    **options: Any,
) -> serializers.Field:
    """A serializer field taking its type and bounds from ``model.name``.

    Text gets the column's length less ``extra`` (or ``max_length`` when
    smaller); integers the column's range (narrowed by ``min_value`` /
    ``max_value``); decimals the largest value their digits hold; date-times
    are reported times (pass the provider's ``time_field`` class); choices
    the column's choices (or a subset in ``choices``). ``also`` names
    further columns the value is copied to; the column check holds the
    field to each of them.
    """
    target = model._meta.get_field(name)
    time_field = options.pop("time_field", ISO8601TimeField)
    if target.choices and not isinstance(target, models.BooleanField):
        choices = options.pop("choices", [value for value, _ in target.choices])
        field: serializers.Field = serializers.ChoiceField(choices=choices, **options)
    elif isinstance(target, models.URLField):
        field = StorableURLField(max_length=_length(target, extra, max_length), **options)
    elif isinstance(target, (models.CharField, models.TextField)):
        if target.max_length is None and max_length is None:
            raise ValueError(f"{model._meta.label}.{name} is unbounded: give max_length")
        field = TextField(max_length=_length(target, extra, max_length), **options)
    elif isinstance(target, models.DecimalField):
        places = target.decimal_places
        largest = float(Decimal(10) ** (target.max_digits - places) - Decimal(10) ** -places)
        low = options.pop("min_value", -largest)
        high = min(options.pop("max_value", largest), largest)
        field = FiniteFloatField(min_value=low, max_value=high, **options)
    elif isinstance(target, (models.IntegerField, models.BigIntegerField)):
        low, high = _integer_range(target)
        low = max(low, options.pop("min_value", low))
        high = min(high, options.pop("max_value", high))
        field = serializers.IntegerField(min_value=low, max_value=high, **options)
    elif isinstance(target, models.FloatField):
        field = FiniteFloatField(**options)
    elif isinstance(target, models.DateTimeField):
        field = time_field(**options)
    else:
        raise TypeError(f"no input field for {type(target).__name__}")
    return feeds(field, Column(model, name, extra), *also)


def _length(target: models.Field, extra: int, max_length: int | None) -> int:
    if target.max_length is None:
        return max_length
    available = target.max_length - extra
    return available if max_length is None else min(max_length, available)
