"""Prometheus metrics, per process: every series carries the worker's `pid` label.

gunicorn runs several workers and a scrape reaches one of them; labelling by pid keeps each
worker's counters apart (sum them with `sum without (pid)`), with no shared files to clean up.
"""

from __future__ import annotations

import bisect
import os
import threading
from collections.abc import Iterable

from flask import Flask, Response, request

from service.observability.request_context import elapsed_seconds, route_name

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _render_labels(labels: Labels) -> str:
    pairs = (("pid", str(os.getpid())), *labels)
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in pairs) + "}"


class Counter:
    """A monotonically increasing count per label set."""

    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help_text = name, help_text
        self._values: dict[Labels, float] = {}
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        return self._values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help_text}"
        yield f"# TYPE {self.name} counter"
        with self._lock:
            for labels, value in sorted(self._values.items()):
                yield f"{self.name}{_render_labels(labels)} {value:g}"


class Histogram:
    """Observations in cumulative buckets, with their sum and count, per label set."""

    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...]) -> None:
        self.name, self.help_text, self.buckets = name, help_text, buckets
        self._series: dict[Labels, list[float]] = {}  # bucket counts, then sum, then count
        self._lock = threading.Lock()

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self._series.setdefault(key, [0.0] * (len(self.buckets) + 2))
            index = bisect.bisect_left(self.buckets, value)  # first bound with value <= bound
            if index < len(self.buckets):
                series[index] += 1
            series[-2] += value
            series[-1] += 1

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help_text}"
        yield f"# TYPE {self.name} histogram"
        with self._lock:
            for labels, series in sorted(self._series.items()):
                cumulative = 0.0
                for bound, count in zip(self.buckets, series, strict=False):
                    cumulative += count
                    bucket_labels = (*labels, ("le", f"{bound:g}"))
                    yield f"{self.name}_bucket{_render_labels(bucket_labels)} {cumulative:g}"
                inf_labels = (*labels, ("le", "+Inf"))
                yield f"{self.name}_bucket{_render_labels(inf_labels)} {series[-1]:g}"
                yield f"{self.name}_sum{_render_labels(labels)} {series[-2]:.6f}"
                yield f"{self.name}_count{_render_labels(labels)} {series[-1]:g}"


REQUESTS = Counter("survey_http_requests_total", "HTTP requests by method, route and status.")
LATENCY = Histogram(
    "survey_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route.",
    LATENCY_BUCKETS,
)
SUBMISSIONS = Counter(
    "survey_submissions_total",
    "Submission outcomes: created, duplicate, conflict or invalid (by reason).",
)
ESTIMATE_CACHE = Counter(
    "survey_estimate_cache_total",
    "Estimates requests answered from the cache (hit) or computed (miss).",
)
ALL = (REQUESTS, LATENCY, SUBMISSIONS, ESTIMATE_CACHE)


def count_submission(status: str, reason: str | None = None) -> None:
    """One submission outcome: created, duplicate, conflict or invalid (with a reason)."""
    SUBMISSIONS.inc(status=status, reason=reason or "none")


def count_estimate_cache(hit: bool) -> None:
    """One estimates request answered from the cache (hit) or computed (miss)."""
    ESTIMATE_CACHE.inc(result="hit" if hit else "miss")


def exposition() -> str:
    """Every metric of this process in the Prometheus text format 0.0.4."""
    return "\n".join(line for metric in ALL for line in metric.render()) + "\n"


def _observe(response: Response) -> Response:
    route = route_name()
    REQUESTS.inc(method=request.method, route=route, status=str(response.status_code))
    elapsed = elapsed_seconds()
    if elapsed is not None:
        LATENCY.observe(elapsed, method=request.method, route=route)
    return response


def metrics_view() -> Response:
    return Response(exposition(), mimetype=None, content_type=CONTENT_TYPE)


def init_app(app: Flask) -> None:
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
