"""Dates and times as evidence is read: unambiguous, 24-hour, in UTC (the
site's time zone), the same on every page, list and timeline."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i:s"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i:s"
