"""Every webhook input field is held to the columns it feeds.

One check reads both places a bound lives: the input serializers' fields
and the model columns they name (``feeds``). A field that does not say
where its value goes, or whose length, range or type does not fit a column
it feeds, fails here, so no bound can drift from its column again. The same
walk checks the classes of value that pass every bound: text that can't be
stored, numbers that are not finite, times with no window.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from rest_framework import serializers

from calls.serializers import InputSerializer
from calls.serializers import twilio as twilio_shapes  # noqa: F401  (registers the shapes)
from calls.serializers import vapi as vapi_shapes  # noqa: F401
from calls.serializers.fields import Column, FiniteFloatField, ReportedTimeField, TextField, storable_text

TEXT_COLUMNS = (models.CharField, models.TextField)
INTEGER_COLUMNS = (models.IntegerField, models.BigIntegerField, models.SmallIntegerField)


def input_serializers() -> list[type[serializers.Serializer]]:
    found, pending = [], list(InputSerializer.__subclasses__())
    while pending:
        shape = pending.pop()
        found.append(shape)
        pending.extend(shape.__subclasses__())
    return sorted(set(found), key=lambda shape: shape.__qualname__)


def leaves(shape: type[serializers.Serializer]) -> Iterator[tuple[str, serializers.Field]]:
    """Fields that hold values; nested shapes are checked as shapes."""
    # The declared fields: DRF binds copies built from their arguments alone,
    # which don't carry ``feeds``; the bounds are the same on both.
    for name, field in shape._declared_fields.items():
        nested = field.child if isinstance(field, serializers.ListField) else field
        if not isinstance(nested, serializers.BaseSerializer):
            yield f"{shape.__name__}.{name}", field


def _longest(field: serializers.Field) -> int | None:
    """The most characters the field's value can take as text."""
    if isinstance(field, serializers.ChoiceField):
        return max(len(str(choice)) for choice in field.choices)
    if isinstance(field, serializers.IntegerField):
        if field.min_value is None or field.max_value is None:
            return None
        return max(len(str(field.min_value)), len(str(field.max_value)))
    return getattr(field, "max_length", None)


def column_problems(name: str, field: serializers.Field, target: Column) -> list[str]:
    column = target.field
    where = f"{name} → {target}"
    if isinstance(column, models.DateTimeField):
        return [] if isinstance(field, ReportedTimeField) else [f"{where}: a time without a window"]
    if isinstance(column, models.DecimalField):
        largest = 10 ** (column.max_digits - column.decimal_places) - 10**-column.decimal_places
        fits = isinstance(field, FiniteFloatField) and field.min_value is not None and field.max_value is not None
        if not fits or field.max_value > largest or field.min_value < -largest:
            return [f"{where}: beyond ±{largest}"]
        return []
    if isinstance(column, models.FloatField):
        return [] if isinstance(field, FiniteFloatField) else [f"{where}: not a finite number"]
    if isinstance(column, INTEGER_COLUMNS):
        low, high = BaseDatabaseOperations.integer_field_ranges[column.get_internal_type()]
        if not isinstance(field, serializers.IntegerField):
            return [f"{where}: not an integer"]
        if field.min_value is None or field.max_value is None or field.min_value < low or field.max_value > high:
            return [f"{where}: range {field.min_value}..{field.max_value} beyond {low}..{high}"]
        return []
    if isinstance(column, TEXT_COLUMNS):
        problems = []
        if column.choices and not isinstance(column, models.BooleanField):
            allowed = {value for value, _ in column.choices}
            if not isinstance(field, serializers.ChoiceField) or not set(field.choices) <= allowed:
                problems.append(f"{where}: values outside the column's choices")
        if column.max_length is not None:
            longest = _longest(field)
            if longest is None or longest + target.extra > column.max_length:
                problems.append(f"{where}: {longest} + {target.extra} characters into {column.max_length}")
        return problems
    return [f"{where}: no rule for {type(column).__name__}"]


def value_problems(name: str, field: serializers.Field) -> list[str]:
    """The classes of value that pass every length and range check."""
    if isinstance(field, serializers.FloatField) and not isinstance(field, FiniteFloatField):
        return [f"{name}: accepts NaN and infinities"]
    if isinstance(field, (serializers.DateTimeField, serializers.DateField)):
        return [f"{name}: a time without a window"]
    if isinstance(field, serializers.CharField) and storable_text not in field.validators:
        return [f"{name}: accepts NUL and lone surrogates"]
    return []


def bound_problems(shapes: list[type[serializers.Serializer]]) -> list[str]:
    problems = []
    for shape in shapes:
        for name, field in leaves(shape):
            problems += value_problems(name, field)
            if not hasattr(field, "feeds"):
                problems.append(f"{name}: does not say which columns it feeds")
                continue
            for target in field.feeds:
                problems += column_problems(name, field, target)
    return problems


def test_every_input_field_fits_the_columns_it_feeds():
    shapes = input_serializers()

    assert len(shapes) >= 20, "the walk found too few input shapes to be walking them all"
    assert bound_problems(shapes) == []


def test_the_bounds_check_finds_each_kind_of_mismatch():
    from calls.models import Call, CallStatusEvent, Recording

    class Drifted(serializers.Serializer):
        undeclared = serializers.CharField(max_length=10)
        too_long = TextField(max_length=65)
        prefixed = TextField(max_length=64)
        nan = serializers.FloatField()
        costly = FiniteFloatField(min_value=0, max_value=1_000_000)
        huge = serializers.IntegerField(min_value=0, max_value=2**40)
        unbounded_time = serializers.DateTimeField()
        unknown_status = serializers.ChoiceField(choices=["in-progress", "sideways"])
        raw = serializers.CharField(max_length=10)

    fields = Drifted._declared_fields
    fields["too_long"].feeds = (Column(Call, "direction"),)
    fields["prefixed"].feeds = (Column(Call, "call_sid", len("vapi:")),)
    fields["nan"].feeds = ()
    fields["costly"].feeds = (Column(Call, "cost"),)
    fields["huge"].feeds = (Column(Recording, "duration_seconds"),)
    fields["unbounded_time"].feeds = (Column(CallStatusEvent, "occurred_at"),)
    fields["unknown_status"].feeds = (Column(Recording, "status"),)
    fields["raw"].feeds = ()

    problems = bound_problems([Drifted])

    flagged = {problem.split(":")[0].split(" → ")[0].removeprefix("Drifted.") for problem in problems}
    assert flagged == set(fields), problems
