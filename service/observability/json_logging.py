"""Structured JSON logs: one object per line, with the request id; never bodies or secrets.

Only whitelisted fields are written: the message, the logger, the level, the request id and,
for the one access line per request, method, route, status, duration and the caller's token id
(an identifier, not the secret). Bodies, answers, query strings and headers are never logged.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

from service.observability.request_context import current_request_id, elapsed_seconds, route_name

ACCESS_FIELDS = ("method", "route", "status", "duration_ms", "token_id", "remote_addr")
_HANDLER_MARK = "_survey_json_handler"


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id", ...access fields}` per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            # The type and where it happened, never the message: messages can quote stored data.
            entry["exception"] = record.exc_info[0].__name__
            entry["frames"] = [
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(record.exc_info[2])
            ]
        return json.dumps(entry, ensure_ascii=False, default=str)


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
