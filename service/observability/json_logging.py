"""Structured JSON logs: one object per line, with the request id; never bodies or secrets.

Only whitelisted fields are written: the message, the logger, the level, the request id and,
for the one access line per request, method, route, status, duration and the caller's token id
(an identifier, not the secret). Bodies, answers, query strings and headers are never logged.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask, Response, g, request

from service.observability.log_format import JsonFormatter
from service.observability.request_context import current_request_id, elapsed_seconds, route_name

_HANDLER_MARK = "_survey_json_handler"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def _handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def configure(logger: logging.Logger, level: str) -> None:
    """Give `logger` exactly one JSON handler (create_app may run many times in one process)."""
    for old in [h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)]:
        logger.removeHandler(old)
    logger.addHandler(_handler())
    logger.setLevel(level.upper())
    logger.propagate = False


def _access_line(response: Response) -> Response:
    elapsed = elapsed_seconds()
    token = g.get("token") or {}
    logging.getLogger("service.access").info(
        "request",
        extra={
            "method": request.method,
            "route": route_name(),
            "status": response.status_code,
            "duration_ms": None if elapsed is None else round(elapsed * 1000, 2),
            "token_id": token.get("_id"),
            "remote_addr": request.remote_addr,
        },
    )
    return response


def init_app(app: Flask) -> None:
    level = str(app.config.get("SURVEY_LOG_LEVEL") or "INFO")
    configure(logging.getLogger("service"), level)
    for noisy in ("flask-limiter",):
        configure(logging.getLogger(noisy), "WARNING")
    app.after_request(_access_line)
