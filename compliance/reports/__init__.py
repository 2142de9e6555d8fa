"""Compliance export reports for auditors.

- ``kinds``: what each report (consent, access, destruction, calls) holds,
  as columns and streamed rows;
- ``summary``: the period's figures and exceptions, for the PDF;
- ``pdf``: the auditor's summary document;
- ``exports``: writing an export (CSV, JSON or PDF, plus ``manifest.json``
  with each file's SHA-256), auditing it, and verifying one later.
"""
