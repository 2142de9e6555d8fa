"""Celery entry points of the compliance app."""

from __future__ import annotations

from celery import shared_task

from compliance import audit, checkpoints, refusals


@shared_task
def audit_seal() -> None:
    # The sealer process seals within a second; this is the backstop when it is down.
    audit.audit_seal(wait=False)


@shared_task
def audit_checkpoint() -> None:
    checkpoints.checkpoint_write(reason="schedule")


@shared_task
def audit_chain_check() -> None:
    audit.audit_chain_check()


@shared_task(soft_time_limit=5 * 3600, time_limit=6 * 3600)
def retention_purge() -> None:
    # Imported here: retention reaches into the calls app, which imports this one.
    from compliance.retention import retention_purge as purge

    purge()


@shared_task
def refusals_report() -> None:
    refusals.refusals_report()


@shared_task
def recording_review_due() -> None:
    # Imported here, as retention is: the review reads the calls app.
    from compliance.recording_review import recording_review_due as review

    review()
