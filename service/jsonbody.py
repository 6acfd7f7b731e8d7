"""Request bodies: JSON only where JSON is expected, parsed without crashing on hostile input."""

from __future__ import annotations

import re
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider

from service.errors import Problem

WRITE_METHODS = {"POST", "PUT", "PATCH"}
# Our documents nest 4 levels; anything far deeper is hostile and would exhaust recursion later.
MAX_DEPTH = 32
# Writes that take the CSV a statistician keeps: samples, and groupings of communes (§13).
CSV_BODY_PATHS = re.compile(r"/sample(/rows)?$|/geography/[^/]+/groupings/[^/]+$")


class SafeJSONProvider(DefaultJSONProvider):
    """Deeply nested documents raise RecursionError in `json`; report them as bad JSON."""

    ensure_ascii = False
    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc
        check_parsed(value)
        return value


def check_parsed(value: Any) -> None:
    """ValueError when a parsed document nests deeper than MAX_DEPTH or holds a lone surrogate
    (`"\\ud800"` parses, but cannot be stored or hashed as UTF-8). Iterative: no recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise ValueError("JSON string is not valid Unicode") from exc
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise ValueError("JSON nested too deeply")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def require_json_body() -> None:
    """415 for a write to the JSON API whose body is not declared as JSON; 400 when it is not
    well-formed, safe JSON (checked here, once, before webargs parses it with plain `json`)."""
    if request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
        return
    if request.routing_exception is not None:
        return  # 404/405 first: `PUT /api/v1/rounds` is a method the route lacks, not a bad body
    if request.mimetype == "text/csv" and CSV_BODY_PATHS.search(request.path):
        return  # a sample or grouping may be sent as the CSV a statistician keeps it in
    if request.mimetype != "application/json":
        raise Problem(415, "Unsupported Media Type", "Send the body as application/json.")
    request.get_json()  # cached for the view; malformed → 400 problem
