"""The edges of HTTP every route shares (docs/design.md §3): URL length, OPTIONS, and the order in
which a request is refused — routing (404/405) before body checks, and every refusal in the
caller's format (problem+json; OpenRosa routes turn a Problem into their XML message)."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from service.errors import Problem
from service.interactive import CountInteractive
from service.jsonbody import require_json_body
from service.query_params import refuse_unknown_query

# Longer than any URL the API or ODK Collect builds; gunicorn's 8190-byte request line is the hard
# stop behind this one (service/gunicorn_conf.py).
MAX_URL_BYTES = 4096


def refuse_long_url() -> None:
    length = len(request.full_path.encode("utf-8", "surrogateescape"))
    if length > MAX_URL_BYTES:
        raise Problem(414, "URI Too Long", f"The URL is longer than {MAX_URL_BYTES} bytes.")


def options_without_body(response: Response) -> Response:
    """Flask's automatic OPTIONS answer is an empty text/html 200: make it a plain 204 + Allow."""
    if request.method == "OPTIONS" and response.status_code == 200 and not response.data:
        response.status_code = 204
        del response.headers["Content-Type"]
    return response


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("SURVEY_TRUSTED_PROXIES") or 0)
    if proxies:  # behind nginx, the client's address (for rate limits and logs) is forwarded
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.wsgi_app = CountInteractive(app.wsgi_app)  # type: ignore[method-assign]
    for check in (refuse_long_url, require_json_body, refuse_unknown_query):
        app.before_request(check)
    app.after_request(options_without_body)
