"""Prometheus metrics with prometheus-client, one scrape for the whole server.

Under gunicorn every worker writes its samples to files in PROMETHEUS_MULTIPROC_DIR (chosen and
cleaned by service/gunicorn_conf.py before any worker starts); a scrape of /metrics, whichever
worker answers it, adds up every worker's files, those of workers that died included. Without
that directory (tests, `flask run`) the process's own registry answers.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client import disable_created_metrics as _disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from service.observability.request_context import elapsed_seconds, route_name

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_disable_created_metrics()  # a multiprocess scrape has no *_created series; both modes alike

REQUESTS = Counter(
    "survey_http_requests",
    "HTTP requests by method, route and status.",
    ("method", "route", "status"),
)
LATENCY = Histogram(
    "survey_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route.",
    ("method", "route"),
    buckets=LATENCY_BUCKETS,
)
SUBMISSIONS = Counter(
    "survey_submissions",
    "Submission outcomes: created, duplicate, conflict or invalid (by reason).",
    ("status", "reason"),
)
ESTIMATE_CACHE = Counter(
    "survey_estimate_cache",
    "Estimates requests answered from the cache (hit) or computed (miss).",
    ("result",),
)


def count_submission(status: str, reason: str | None = None) -> None:
    """One submission outcome: created, duplicate, conflict or invalid (with a reason)."""
    SUBMISSIONS.labels(status=status, reason=reason or "none").inc()


def count_estimate_cache(hit: bool) -> None:
    """One estimates request answered from the cache (hit) or computed (miss)."""
    ESTIMATE_CACHE.labels(result="hit" if hit else "miss").inc()


def scrape_registry() -> CollectorRegistry:
    """Every worker's samples under gunicorn; this process's otherwise."""
    if MULTIPROC_DIR_VARIABLE not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def _observe(response: Response) -> Response:
    route = route_name()
    REQUESTS.labels(method=request.method, route=route, status=str(response.status_code)).inc()
    elapsed = elapsed_seconds()
    if elapsed is not None:
        LATENCY.labels(method=request.method, route=route).observe(elapsed)
    return response


def metrics_view() -> Response:
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(scrape_registry()), mimetype=None, content_type=content_type)


def init_app(app: Flask) -> None:
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
