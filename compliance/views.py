"""Pages for compliance staff, inside the admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from compliance.audit import Actor
from compliance.forms import ExportForm
from compliance.reports.exports import export_archive
from compliance.selectors import dashboard


@permission_required("compliance.view_compliance_dashboard", raise_exception=True)
def compliance_dashboard(request: HttpRequest) -> TemplateResponse:
    context = {**admin.site.each_context(request), "title": "Compliance dashboard", "figures": dashboard()}
    return TemplateResponse(request, "compliance/dashboard.html", context)


def export_response(*, cleaned: dict, actor: Actor) -> FileResponse:
    """Make the export and stream it back as a ZIP (report and manifest)."""
    period = cleaned["period"]
    export, archive = export_archive(kind=cleaned["kind"], period=period, fmt=cleaned["format"], actor=actor)
    name = f"{cleaned['kind']}_{period.first_day}_{period.last_day}_{cleaned['format']}.zip"
    response = FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")
    response["X-Export-Id"] = export.export_id
    return response


@never_cache
@permission_required("compliance.run_export", raise_exception=True)
def compliance_export(request: HttpRequest) -> HttpResponse:
    """A form for a compliance report; its download is a ZIP of the report
    and its manifest. Admin actions link here with the kind and period of
    the rows selected."""
    form = ExportForm(request.POST) if request.method == "POST" else ExportForm(initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        return export_response(cleaned=form.cleaned_data, actor=Actor(user=request.user))
    context = {**admin.site.each_context(request), "title": "Compliance export", "form": form}
    return TemplateResponse(request, "compliance/export.html", context)
