"""The auditor's summary, as PDF: the period and its counts, the consent
rate over time, exceptions, and the latest verification of the audit chain.

Built with ReportLab from figures only (``summary.period_summary``), never
from rows, so its size doesn't grow with the period. Rendered invariant (no
random id inside, and the creation date is the export's own time), so the
same figures at the same time give the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from html import escape
from pathlib import Path

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .kinds import ReportKind
from .summary import PeriodSummary

GRANTED, DECLINED, UNDECIDED = colors.HexColor("#287233"), colors.HexColor("#ba2121"), colors.HexColor("#9a9a9a")
ALARM = colors.HexColor("#fde2e2")
GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 1), (1, -1), "RIGHT"),
    ]
)
MAX_LABELS = 16


def _consent_chart(summary: PeriodSummary, width: float) -> Drawing:
    """Stacked bars: each bucket's calls as shares granted, declined and undecided."""
    drawing = Drawing(width, 75 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 18 * mm, width - 50 * mm, 52 * mm
    shares = [[], [], []]
    for bucket in summary.consent:
        for series, value in zip(shares, (bucket.granted, bucket.declined, bucket.undecided), strict=True):
            series.append(100 * value / bucket.total)
    chart.data = [tuple(series) for series in shares]
    chart.categoryAxis.style = "stacked"
    step = max(1, -(-len(summary.consent) // MAX_LABELS))
    chart.categoryAxis.categoryNames = [
        bucket.starts.strftime("%m-%d") if index % step == 0 else "" for index, bucket in enumerate(summary.consent)
    ]
    chart.categoryAxis.labels.angle = 45
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 25
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.valueAxis.labels.fontSize = 7
    for index, colour in enumerate((GRANTED, DECLINED, UNDECIDED)):
        chart.bars[index].fillColor = colour
        chart.bars[index].strokeColor = None
    legend = Legend()
    legend.x, legend.y = width - 34 * mm, 60 * mm
    legend.fontSize = 8
    legend.colorNamePairs = [(GRANTED, "granted"), (DECLINED, "declined"), (UNDECIDED, "no decision")]
    drawing.add(chart)
    drawing.add(legend)
    return drawing


def _verification(summary: PeriodSummary) -> str:
    event = summary.last_verification
    if event is None:
        return "The audit chain has never been verified."
    details = event.details
    when = f"{event.occurred_at:%Y-%m-%d %H:%M} UTC (audit event #{event.sequence})"
    # An acknowledged restore's loss stays on record: said with every verification.
    notes = "".join(f" Note: {escape(str(note))}." for note in details.get("notes", []))
    if details.get("ok"):
        return f"Intact: {details.get('checked')} events checked on {when}.{notes}"
    return (
        f"<b>BROKEN</b> at event #{details.get('first_broken')} ({escape(str(details.get('reason')))}), "
        f"found on {when}.{notes}"
    )


class _At(TimeStamp):
    """ReportLab's document timestamp, at a given moment instead of now."""

    def __init__(self, moment: datetime) -> None:
        utc = moment.astimezone(UTC)
        self.t = utc.timestamp()
        self.lt = utc.timetuple()
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = self.dmm = 0
        self.tzname = "UTC"


def _canvas_at(moment: datetime, *args: object, **kwargs: object) -> Canvas:
    """A canvas whose PDF dates (CreationDate, ModDate) are ``moment``."""
    canvas = Canvas(*args, **kwargs)
    canvas._doc._timeStamp = _At(moment)
    return canvas


def write_summary_pdf(
    path: Path, *, kind: ReportKind, summary: PeriodSummary, rows: int, export_id: str, generated_at: str
) -> None:
    styles = getSampleStyleSheet()
    body, heading = styles["BodyText"], styles["Heading2"]
    period = summary.period
    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        title=f"Compliance report: {kind.title}, {period.first_day} to {period.last_day}",
        author="contactcenter",
        subject=f"export {export_id}",
        invariant=True,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
    )
    width = A4[0] - 36 * mm
    story = [
        Paragraph(f"Compliance report: {escape(kind.title)}", styles["Title"]),
        Paragraph(
            f"Period: <b>{period.first_day}</b> to <b>{period.last_day}</b> inclusive "
            f"({period.start:%Y-%m-%d %H:%M} to {period.end:%Y-%m-%d %H:%M} {period.start:%Z}, end exclusive).",
            body,
        ),
        Paragraph(f"Generated {escape(generated_at)}; export {export_id}.", body),
        Paragraph(f"{escape(kind.description)} This report holds <b>{rows}</b> rows.", body),
        Paragraph("Counts", heading),
        Table([["Figure", "Count"], *[[label, f"{count:,}"] for label, count in summary.counts]], style=GRID),
        Paragraph("Consent rate", heading),
    ]
    rate = summary.consent_rate
    if summary.consent:
        lead = "No call had a decision." if rate is None else f"Of calls with a decision, {rate:.1%} granted consent."
        story += [Paragraph(f"{lead} Share of calls per {summary.bucket}:", body), _consent_chart(summary, width)]
    else:
        story.append(Paragraph("No calls in this period.", body))
    story.append(Paragraph("Exceptions", heading))
    findings = [["Exception", "Count", "Examples"]]
    for finding in summary.findings:
        examples = ", ".join(finding.examples[:5]) + (" ..." if finding.count > 5 and finding.examples else "")
        title = f"<b>{escape(finding.title)}</b>" if finding.count and finding.severity == "critical" else finding.title
        findings.append([Paragraph(title, body), f"{finding.count:,}", Paragraph(escape(examples) or "-", body)])
    alarms = [
        ("BACKGROUND", (0, row), (-1, row), ALARM)
        for row, finding in enumerate(summary.findings, start=1)
        if finding.count and finding.severity == "critical"
    ]
    style = TableStyle([*GRID.getCommands(), *alarms])
    story.append(Table(findings, colWidths=[70 * mm, 20 * mm, width - 90 * mm], style=style))
    story += [
        Spacer(1, 4 * mm),
        Paragraph("Audit chain", heading),
        Paragraph(_verification(summary), body),
        Paragraph(
            "Each file of this export is listed with its SHA-256 in manifest.json; the manifest's own hash is in "
            "the audit trail. Check both with: python manage.py verify_export DIR",
            body,
        ),
    ]
    document.build(story, canvasmaker=partial(_canvas_at, datetime.fromisoformat(generated_at)))
