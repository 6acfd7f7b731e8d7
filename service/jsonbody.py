"""Request bodies: JSON only where JSON is expected, parsed without crashing on hostile input."""

from __future__ import annotations

import math
import re
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider

from service.errors import Problem
from service.uploaded_tables import CSV, TABLE_MIMETYPES, XLSX

WRITE_METHODS = {"POST", "PUT", "PATCH"}
# Our documents nest 4 levels; anything far deeper is hostile and would exhaust recursion later.
MAX_DEPTH = 32
# Bodies that may be sent as the file people keep them in: a sample, a list of enumerators
# (CSV or XLSX); and CSV-only tables of communes: auxiliary data (§14) and groupings (§13).
TABLE_BODY_PATHS = re.compile(r"/api/v1/(rounds/[^/]+/sample(/rows)?|tokens/import)")
CSV_BODY_PATHS = re.compile(r"/api/v1/geography/[^/]+/(auxiliary|groupings)/[^/]+")
JSON_415 = "Send the body as application/json."
TABLE_415 = f"Send the body as application/json, {CSV} (UTF-8) or an XLSX workbook ({XLSX})."


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

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Valid JSON only: a NaN or ±Infinity that reached a response is written as null (the
        fast path is tried first, so the rewrite costs nothing when there is none)."""
        try:
            return super().dumps(obj, allow_nan=False, **kwargs)
        except ValueError:
            return super().dumps(finite_or_null(obj), allow_nan=False, **kwargs)


def finite_or_null(value: Any) -> Any:
    """`value` with every non-finite float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_or_null(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_null(item) for item in value]
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
    if request.mimetype == "text/csv" and CSV_BODY_PATHS.fullmatch(request.path):
        return
    table = TABLE_BODY_PATHS.fullmatch(request.path) is not None
    if table and request.mimetype in TABLE_MIMETYPES:
        return  # a sample or a list of enumerators, as the file people keep it in
    if request.mimetype != "application/json":
        raise Problem(415, "Unsupported Media Type", TABLE_415 if table else JSON_415)
    request.get_json()  # cached for the view; malformed → 400 problem
