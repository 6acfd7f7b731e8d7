"""One JSON object per log line, for the app, gunicorn and `python -m service serve` alike.

Standard library only: gunicorn's master loads this file by path (service/gunicorn_conf.py), before
any worker has imported the app or gevent has patched anything.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from typing import Any

# The only fields besides time, level, logger, message and request id that a line may carry.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms", "token_id", "remote_addr")
SERVE_FIELDS = ("address", "path", "round_id", "new", "already_loaded", "exit_code", "admin_token")


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
        for name in (*ACCESS_FIELDS, *SERVE_FIELDS):
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
