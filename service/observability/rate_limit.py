"""Rate limits per caller: one bucket per token (or per address when anonymous), 429 + Retry-After.

Where the counters live is `SURVEY_RATE_LIMIT_STORAGE`: `store` keeps them in the service's MongoDB
(service/store/rate_counters.py), one limit across every worker and replica (docker-compose.yml);
the default `memory://` counts in each gunicorn worker, so a caller spread over W workers can make
up to W times the limit; it is served by `SweptMemoryStorage`, the same counters without a timer
thread started on every request.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from limits.storage import MemoryStorage

from service.errors import Problem, problem_response
from service.store.rate_counters import storage_settings

# Probes and scrapes must keep working under load, whoever sends them.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
DEFAULT_RETRY_AFTER = 60
MEMORY_SCHEME = "memory://"
SWEPT_MEMORY_SCHEME = "survey+memory://"


class SweptMemoryStorage(MemoryStorage):
    """`limits`' in-memory counters, their expired entries swept at most once a second on the
    request path. The base class starts a `threading.Timer` on nearly every hit to sweep them
    10 ms later (under gevent a greenlet, its events and a switch: a tenth of a millisecond of
    a submission's CPU). A counter is never read past its expiry either way (`get` drops it
    first); the sweep only frees the memory of callers gone quiet."""

    STORAGE_SCHEME = ["survey+memory"]  # noqa: RUF012 (the base's)
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (the base's private name)
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def caller_key() -> str:
    """A short hash of the presented credential, or the remote address when there is none.

    Digest credentials change with every nonce, so for them (and Basic) the key is the user name
    *and* the address: counted before the password is checked, a name alone would let anyone
    exhaust an enumerator's allowance with wrong passwords (wrong ones are limited per address,
    service/observability/auth_failures.py).
    """
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    if scheme.lower() == "bearer" and credential:
        return "token:" + hashlib.sha256(credential.encode()).hexdigest()[:16]
    if scheme.lower() in {"basic", "digest"} and request.authorization:
        name = f"{request.remote_addr}|{request.authorization.username or ''}"
        return "user:" + hashlib.sha256(name.encode()).hexdigest()[:16]
    return "addr:" + (request.remote_addr or "unknown")


def _exempt() -> bool:
    return request.path in EXEMPT_PATHS


def too_many_requests(limiter: Limiter) -> Problem:
    """The 429 for the limit just exceeded (OpenRosa routes answer it as their XML message)."""
    current = limiter.current_limit
    wait = DEFAULT_RETRY_AFTER
    if current is not None:
        wait = max(1, math.ceil(current.reset_at - time.time()))
    return Problem(
        429,
        "Too Many Requests",
        f"Rate limit of {current.limit if current else 'requests'} exceeded; retry later.",
        headers={"Retry-After": str(wait)},
    )


def _too_many_requests(limiter: Limiter) -> Response:
    problem = too_many_requests(limiter)
    return problem_response(problem.status, problem.title, problem.detail, headers=problem.headers)


def init_app(app: Flask) -> Limiter:
    storage_uri, storage_options = storage_settings(app.config)
    if storage_uri == MEMORY_SCHEME:
        storage_uri = SWEPT_MEMORY_SCHEME
    limiter = Limiter(
        caller_key,
        app=app,
        application_limits=[str(app.config["SURVEY_RATE_LIMIT"])],
        storage_uri=storage_uri,
        storage_options=storage_options,
        strategy="fixed-window",
        headers_enabled=False,
        key_prefix="survey",
    )
    limiter.request_filter(_exempt)
    app.register_error_handler(RateLimitExceeded, lambda _exc: _too_many_requests(limiter))
    app.extensions["survey_limiter"] = limiter
    return limiter
