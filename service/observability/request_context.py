"""What every request carries: an id (`X-Request-ID`, echoed on the response) and a start time."""

from __future__ import annotations

import re
import time
import uuid

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
# Letters, digits and a few separators only: the id is logged, so nothing that could forge a line.
_SANE = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def current_request_id() -> str | None:
    """This request's id, created on first use (so errors raised before any view still get one)."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        incoming = request.headers.get(HEADER, "")
        g.request_id = incoming if _SANE.fullmatch(incoming) else uuid.uuid4().hex
    request_id: str = g.request_id
    return request_id


def elapsed_seconds() -> float | None:
    """Seconds since this request started, if it went through `init_app`'s hook."""
    started = g.get("started_at")
    return None if started is None else time.perf_counter() - started


def route_name() -> str:
    """The URL rule that matched (bounded cardinality for logs and metrics), not the raw path."""
    return request.url_rule.rule if request.url_rule else "unmatched"


def _start() -> None:
    g.started_at = time.perf_counter()
    current_request_id()


def _echo(response: Response) -> Response:
    response.headers[HEADER] = current_request_id() or ""
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_echo)
