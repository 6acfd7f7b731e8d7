"""Every error leaves as RFC 9457 application/problem+json; nothing leaks a stack trace."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, json
from werkzeug.exceptions import HTTPException

from schemas.common import error_paths
from service.domain.errors import (
    Busy,
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
)
from service.store import UNAVAILABLE_ERRORS

__all__ = ["Problem", "problem_from", "problem_response"]

PROBLEM_TYPE = "https://digital-adoption.example/problems/"
RETRY_AFTER_SECONDS = "5"
# RFC 9110 names where werkzeug still uses the RFC 7231 ones
TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


class Problem(Exception):
    """An outcome other than a view's one success status."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers = errors, headers or {}
        self.extra = extra or {}  # RFC 9457 extension members


# The one mapping from the domain's refusals to HTTP
DOMAIN_STATUS: dict[type[DomainError], tuple[int, str]] = {
    Invalid: (422, "Unprocessable Content"),
    NotFound: (404, "Not Found"),
    Conflict: (409, "Conflict"),
    Forbidden: (403, "Forbidden"),
    PreconditionFailed: (412, "Precondition Failed"),
    Busy: (409, "Conflict"),
}


def problem_from(error: DomainError | Problem) -> Problem:
    """The HTTP problem a domain refusal is answered with."""
    if isinstance(error, Problem):
        return error
    status, title = next(
        mapped for kind, mapped in DOMAIN_STATUS.items() if isinstance(error, kind)
    )
    return Problem(status, title, error.detail, error.errors, error.headers, error.extra)


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        **(extra or {}),
        "type": PROBLEM_TYPE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _from_problem(exc: Problem | DomainError) -> Response:
    exc = problem_from(exc)
    return problem_response(exc.status, exc.title, exc.detail, exc.errors, exc.headers, exc.extra)


def _from_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    errors = None
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:  # webargs: {"query": {"level": [...]}, "json": {...}} — drop the location level
        errors = {}
        for located in messages.values():
            errors.update(error_paths(located))
    headers = {}
    if exc.response is None:
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    detail = exc.description if isinstance(exc.description, str) else ""
    if messages:
        detail = "The request parameters are invalid."
    return problem_response(status, TITLES.get(status, exc.name), detail, errors, headers)


def _from_unavailable(exc: Exception) -> Response:
    current_app.logger.warning("store unavailable: %s", type(exc).__name__)
    return problem_response(
        503,
        "Service Unavailable",
        "The data store cannot be reached; try again shortly.",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def _from_unexpected(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error")
    return problem_response(500, "Internal Server Error", "An unexpected error occurred.")


def init_app(app: Flask) -> None:
    app.register_error_handler(Problem, _from_problem)
    app.register_error_handler(DomainError, _from_problem)
    app.register_error_handler(HTTPException, _from_http)
    for error_class in UNAVAILABLE_ERRORS:
        app.register_error_handler(error_class, _from_unavailable)
    app.register_error_handler(Exception, _from_unexpected)
