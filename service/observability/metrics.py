"""Prometheus metrics with prometheus-client, one scrape for the whole server.

Under gunicorn every worker writes its samples to files in PROMETHEUS_MULTIPROC_DIR (chosen and
cleaned by service/gunicorn_conf.py before any worker starts); a scrape of /metrics, whichever
worker answers it, adds up every worker's files, those of workers that died included. Without
that directory (tests, `flask run`) the process's own registry answers.

/metrics is not public: with SURVEY_METRICS_TOKEN set, a scrape presents it as a bearer token;
without one, only a caller on this host (loopback) is answered. The proxy refuses it outright.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from flask import Flask, Response, current_app, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import disable_created_metrics as _disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from service.bearer import bearer_token
from service.errors import Problem
from service.observability.auth_failures import failed_authentication
from service.observability.request_context import elapsed_seconds, route_name

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_disable_created_metrics()  # type: ignore[no-untyped-call]  # a multiprocess scrape has no *_created series; both modes alike

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
CACHE = Counter(
    "survey_cache",
    "Look-ups in each cache (service/caching.py): answered from it (hit) or not (miss).",
    ("cache", "result"),
)
CACHE_BYTES = Gauge(
    "survey_cache_bytes",
    "Bytes held by each cache, all live workers together.",
    ("cache",),
    multiprocess_mode="livesum",
)


def count_submission(status: str, reason: str | None = None) -> None:
    """One submission outcome: created, duplicate, conflict or invalid (with a reason)."""
    SUBMISSIONS.labels(status=status, reason=reason or "none").inc()


class CacheMetrics:
    """One cache's series, labelled once (a look-up costs an increment, not a label search)."""

    def __init__(self, cache: str) -> None:
        self.hits = CACHE.labels(cache=cache, result="hit")
        self.misses = CACHE.labels(cache=cache, result="miss")
        self.bytes = CACHE_BYTES.labels(cache=cache)

    def count(self, hit: bool) -> None:
        """One look-up: answered from the cache (hit) or not (miss)."""
        (self.hits if hit else self.misses).inc()

    def count_bytes(self, change: int) -> None:
        """The cache now holds `change` bytes more (or fewer)."""
        if change:
            self.bytes.inc(change)


def scrape_registry() -> CollectorRegistry:
    """Every worker's samples under gunicorn; this process's otherwise."""
    if MULTIPROC_DIR_VARIABLE not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped library
    return registry


def _observe(response: Response) -> Response:
    route = route_name()
    REQUESTS.labels(method=request.method, route=route, status=str(response.status_code)).inc()
    elapsed = elapsed_seconds()
    if elapsed is not None:
        LATENCY.labels(method=request.method, route=route).observe(elapsed)
    return response


def require_scraper() -> None:
    """The metrics token when one is configured; otherwise a caller on this host only."""
    expected = current_app.config.get("SURVEY_METRICS_TOKEN")
    if expected:
        presented = bearer_token()
        if presented is None or not hmac.compare_digest(presented.encode(), str(expected).encode()):
            if presented is not None:
                failed_authentication()
            raise Problem(
                401,
                "Unauthorized",
                "Metrics need the metrics token (SURVEY_METRICS_TOKEN).",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return
    try:
        local = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        local = False
    if not local:
        raise Problem(403, "Forbidden", "Metrics are answered on this host only.")


def metrics_view() -> Response:
    require_scraper()
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(scrape_registry()), mimetype=None, content_type=content_type)


def init_app(app: Flask) -> None:
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
