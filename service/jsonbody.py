"""Request bodies: JSON only where JSON is expected, parsed without crashing on hostile input."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider

from service.errors import Problem

WRITE_METHODS = {"POST", "PUT", "PATCH"}


class SafeJSONProvider(DefaultJSONProvider):
    """Deeply nested documents raise RecursionError in `json`; report them as bad JSON."""

    ensure_ascii = False
    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc


def require_json_body() -> None:
    """415 for a write to the JSON API whose body is not declared as JSON."""
    if request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
        return
    if request.mimetype != "application/json":
        raise Problem(415, "Unsupported Media Type",
                      "Send the body as application/json.")  # fmt: skip
