"""Operator metrics for Prometheus.

``instruments``: what each process measures as it works (webhook
acknowledgement latency, task durations), in histograms that add up across
processes when ``PROMETHEUS_MULTIPROC_DIR`` is set. ``state``: what the
database holds (backlogs, dead letters, refusals, the evidence's last check),
read at each scrape. ``views``: ``GET /metrics``, behind a bearer token.
"""
