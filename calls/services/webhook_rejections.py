"""Evidence of refused webhook requests, bounded whatever the sender does.

A refused request costs one statement: an upsert of its counter row, keyed
by the URL pattern it reached (never the path or query it sent), its reason
from a closed list, and the time window it fell in. It takes no lock but
that row's. The audit trail gets two events per key and window, however
many requests arrive:

- ``webhook.rejected`` when the window's first refusal arrives, so an
  attack shows in the trail at once;
- ``webhook.rejections_counted`` with the count, from the periodic report
  once the window has closed. A refusal that lands after its window was
  reported (a slow request, clock skew between hosts) is reported by the
  next run in an event of its own: for each key and window, the counts of
  these events add up to the refusals counted, none twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from calls.models import WebhookRejectionCount
from compliance.audit import Actor, audit_record
from compliance.locks import job_lock

logger = logging.getLogger(__name__)

OPENED = "webhook.rejected"
COUNTED = "webhook.rejections_counted"
# Every reason a webhook view refuses with; anything else is counted as
# OTHER, so the set of keys stays bounded by the code, not by the sender.
REASONS = frozenset(
    {
        "credential",
        "invalid",
        "parse_error",
        "too_large",
        "unsupported_media_type",
        "method_not_allowed",
        "not_acceptable",
        "throttled",
    }
)
OTHER = "other"
UNKNOWN_ROUTE = "unknown"
# A window is reported this long after its end, so that requests still in
# flight at the boundary are counted in its first report.
REPORT_GRACE = timedelta(seconds=10)
REPORT_BATCH = 500
REPORT_MAX_BATCHES = 20
# Counter rows are not evidence (the audit events are); fully reported
# ones are kept a week for the admin's list, then deleted.
KEEP_REPORTED = timedelta(days=7)
LOCK_TTL = timedelta(minutes=10)


def window_of(moment: datetime) -> tuple[datetime, datetime]:
    """The window holding ``moment``: aligned to multiples of
    WEBHOOK_REJECTION_WINDOW_SECONDS since the epoch, so every process
    agrees on it without asking anyone."""
    seconds = settings.WEBHOOK_REJECTION_WINDOW_SECONDS
    epoch = int(moment.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
    return start, start + timedelta(seconds=seconds)


def rejection_key(*, route: str, reason: str) -> tuple[str, str]:
    """The bounded key a refusal is counted under."""
    max_route = WebhookRejectionCount._meta.get_field("route").max_length
    # A webhook answers at its path with and without the trailing slash:
    # one route, counted once.
    route = route.rstrip("/") + "/" if route else UNKNOWN_ROUTE
    return route[:max_route], reason if reason in REASONS else OTHER


def webhook_rejection_count(*, provider: str, route: str, reason: str) -> bool:
    """Count one refused request and, if it is the first of its key and
    window, append the ``webhook.rejected`` audit event. Returns whether it
    was the first.

    ``route`` must be the URL pattern the request resolved to, not its path.
    Outside a transaction the count commits on its own, before the audit
    event; a count that fails is logged and the refusal goes out anyway.
    Not idempotent: each call is one more refusal.
    """
    route, reason = rejection_key(route=route, reason=reason)
    now = timezone.now()
    window_start, window_end = window_of(now)
    try:
        count = _upsert(provider, route, reason, window_start, window_end, now)
    except DatabaseError:
        # The refusal is answered all the same; its evidence is this line.
        logger.exception("webhook.rejection_not_counted", extra={"route": route, "reason": reason})
        return False
    if count != 1:
        return False
    # Only the window's first refusal reaches the audit chain's lock. If
    # this event is lost, the count is not: the report still carries it.
    try:
        audit_record(
            OPENED,
            actor=Actor(name=provider),
            object_type="webhook",
            object_repr=f"/{route}",
            details={"reason": reason},
        )
    except DatabaseError:
        logger.exception("webhook.rejection_not_audited", extra={"route": route, "reason": reason})
    return True


def _upsert(provider: str, route: str, reason: str, window_start: datetime, window_end: datetime, now: datetime) -> int:
    """INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count:
    one statement, and 1 only for the request that created the row."""
    opts = WebhookRejectionCount._meta
    quote = connection.ops.quote_name
    values = {
        "provider": provider,
        "route": route,
        "reason": reason,
        "window_start": window_start,
        "window_end": window_end,
        "count": 1,
        "reported": 0,
        "first_at": now,
        "last_at": now,
    }
    fields = [opts.get_field(name) for name in values]
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    table, count, last_at = quote(opts.db_table), quote("count"), quote("last_at")
    # Names come from the model's own metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(field.column) for field in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote('route')}, {quote('reason')}, {quote('window_start')}) "
        f"DO UPDATE SET {count} = {table}.{count} + 1, {last_at} = EXCLUDED.{last_at} "
        f"RETURNING {count}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def webhook_rejections_report(*, now: datetime | None = None) -> int:
    """Append one ``webhook.rejections_counted`` event per key and window
    closed by ``now`` (default: the current time) holding refusals not yet
    reported, with how many, and delete counters reported long ago.
    Returns the refusals reported.

    Safe to run twice and concurrently: a named lock keeps runs apart, and
    within a run each counter row is locked while its event is written and
    ``reported`` moved up to ``count`` in the same transaction, so a
    refusal is reported once. Works in bounded batches.
    """
    with job_lock("webhook-rejections-report", ttl=LOCK_TTL) as acquired:
        if not acquired:
            return 0
        reported = events = 0
        now = now or timezone.now()
        for _ in range(REPORT_MAX_BATCHES):
            batch_reported, batch_events = _report_batch(closed_before=now - REPORT_GRACE)
            reported, events = reported + batch_reported, events + batch_events
            if batch_events < REPORT_BATCH:
                break
        deleted = _delete_reported(before=now - KEEP_REPORTED)
    if events or deleted:
        logger.info("webhook.rejections_reported", extra={"events": events, "rejections": reported, "deleted": deleted})
    return reported


def _report_batch(*, closed_before: datetime) -> tuple[int, int]:
    with transaction.atomic():
        due = list(
            WebhookRejectionCount.objects.select_for_update(skip_locked=True)
            .filter(window_end__lte=closed_before, count__gt=F("reported"))
            .order_by("window_start", "route", "reason")[:REPORT_BATCH]
        )
        if not due:
            return 0, 0
        # The counts read are the ones reported: on PostgreSQL the rows are
        # locked, and where they are not (SQLite) a refusal counted since
        # the read is left for the next run. Row locks first, the audit
        # chain's lock last (see audit_record).
        WebhookRejectionCount.objects.filter(pk__in=[row.pk for row in due]).update(
            reported=Case(*(When(pk=row.pk, then=Value(row.count)) for row in due))
        )
        for row in due:
            audit_record(
                COUNTED,
                actor=Actor(name=row.provider),
                object_type="webhook",
                object_repr=f"/{row.route}",
                details={
                    "reason": row.reason,
                    "count": row.count - row.reported,
                    "window_start": row.window_start.isoformat(),
                    "window_end": row.window_end.isoformat(),
                },
            )
    return sum(row.count - row.reported for row in due), len(due)


def _delete_reported(*, before: datetime) -> int:
    stale = WebhookRejectionCount.objects.filter(window_end__lt=before, reported=F("count"))
    pks = list(stale.values_list("pk", flat=True)[:REPORT_BATCH])
    return WebhookRejectionCount.objects.filter(pk__in=pks, reported=F("count")).delete()[0] if pks else 0
