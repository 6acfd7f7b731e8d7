"""Unknown or repeated query parameters → 400 naming them, on every route (docs/design.md §3): a
typo such as `?indicatr=` must never silently change an answer, nor may `level=0.95&level=0.9`
(every parameter takes one value; lists are comma-separated). Values are ASCII (every
parameter is a code, an id or a number), so `limit=١٠` is refused rather than read as 10.

A route's known parameters are the fields of its flask-smorest query schema
(`@blp.arguments(..., location="query")`) plus any it declares with `@accepts_query(...)` (routes
outside the OpenAPI document, e.g. OpenRosa's `formID`). The check runs before authentication:
parameter names are public (they are in /openapi.json) and the answer reveals nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from flask import Flask, current_app, request

from service.errors import Problem

F = TypeVar("F", bound=Callable[..., Any])
DECLARED = "_query_params"


def accepts_query(*names: str) -> Callable[[F], F]:
    """Declare the query parameters of a view that has no flask-smorest query schema."""

    def mark(view: F) -> F:
        setattr(view, DECLARED, frozenset(names))
        return view

    return mark


def _schema_fields(parameters: list[dict[str, Any]]) -> Iterator[str]:
    for parameter in parameters:
        if parameter.get("in") != "query":
            continue
        schema = parameter["schema"]
        schema = schema() if isinstance(schema, type) else schema
        for name, field in schema.fields.items():
            yield field.data_key or name


def _handler(view: Callable[..., Any], method: str) -> Callable[..., Any] | None:
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return view
    handler = getattr(view_class, method.lower(), None)
    if handler is None and method == "HEAD":
        handler = getattr(view_class, "get", None)
    return handler


def _known(app: Flask, endpoint: str, method: str) -> frozenset[str]:
    """The route's parameter names, worked out once per app, endpoint and method."""
    known: dict[tuple[str, str], frozenset[str]] = app.extensions.setdefault("query_params", {})
    if (endpoint, method) not in known:
        handler = _handler(app.view_functions[endpoint], method)
        apidoc = getattr(handler, "_apidoc", {})
        parameters = apidoc.get("arguments", {}).get("parameters", [])
        declared: frozenset[str] = getattr(handler, DECLARED, frozenset())
        known[endpoint, method] = declared | frozenset(_schema_fields(parameters))
    return known[endpoint, method]


def refuse_unknown_query() -> None:
    """before_request: 400 problem (OpenRosa routes turn it into their XML) naming the strangers."""
    if request.routing_exception is not None or not request.args or request.endpoint is None:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    unknown = sorted(set(request.args) - _known(app, request.endpoint, request.method))
    if unknown:
        raise Problem(
            400,
            "Bad Request",
            f"Unknown query parameter(s): {', '.join(unknown)}.",
            {name: ["Unknown query parameter."] for name in unknown},
        )
    repeated = sorted(name for name in set(request.args) if len(request.args.getlist(name)) > 1)
    if repeated:
        raise Problem(
            400,
            "Bad Request",
            f"Query parameter(s) given more than once: {', '.join(repeated)}.",
            {
                name: ["Given more than once (send one value; lists are comma-separated)."]
                for name in repeated
            },
        )
    foreign = sorted(
        {name for name, value in request.args.items(multi=True) if not value.isascii()}
    )
    if foreign:  # Python's int()/float() would read `٤` or `４` as 4: numbers are ASCII digits
        raise Problem(
            400,
            "Bad Request",
            f"Query parameter values are ASCII: {', '.join(foreign)}.",
            {name: ["Not ASCII (write numbers with the digits 0-9)."] for name in foreign},
        )
