"""Celery entry points of the compliance app."""

from __future__ import annotations

from celery import shared_task

from compliance import audit


@shared_task
def audit_chain_check() -> None:
    audit.audit_chain_check()
