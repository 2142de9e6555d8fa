"""Input for compliance staff's requests, shared by the admin page and the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from compliance.reports.exports import FORMATS
from compliance.reports.kinds import KINDS, Period


class DayField(forms.DateField):
    """A day written as text (a form field, a JSON string): a number, a
    list or an object is refused as invalid rather than failing the form."""

    def to_python(self, value: Any) -> date | None:
        if value is not None and not isinstance(value, (str, date)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


DATE_PICKER = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ExportForm(forms.Form):
    kind = forms.ChoiceField(choices=[(name, kind.title) for name, kind in KINDS.items()])
    # The browser's own date picker; the value is sent as YYYY-MM-DD either way.
    first_day = DayField(label="From", help_text="YYYY-MM-DD", widget=DATE_PICKER)
    last_day = DayField(label="To (included)", help_text="YYYY-MM-DD", widget=DATE_PICKER)
    format = forms.ChoiceField(choices=FORMATS.items(), initial="csv")

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("first_day") and cleaned.get("last_day"):
            try:
                cleaned["period"] = Period(cleaned["first_day"], cleaned["last_day"])
            except ValueError as error:
                raise forms.ValidationError(str(error).capitalize() + ".") from None
        return cleaned
