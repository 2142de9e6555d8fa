"""Input for compliance staff's requests, shared by the admin page and the API."""

from __future__ import annotations

from django import forms

from compliance.reports.exports import FORMATS
from compliance.reports.kinds import KINDS, Period


class ExportForm(forms.Form):
    kind = forms.ChoiceField(choices=[(name, kind.title) for name, kind in KINDS.items()])
    first_day = forms.DateField(label="From", help_text="YYYY-MM-DD")
    last_day = forms.DateField(label="To (included)", help_text="YYYY-MM-DD")
    format = forms.ChoiceField(choices=FORMATS.items(), initial="csv")

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("first_day") and cleaned.get("last_day"):
            try:
                cleaned["period"] = Period(cleaned["first_day"], cleaned["last_day"])
            except ValueError as error:
                raise forms.ValidationError(str(error).capitalize() + ".") from None
        return cleaned
