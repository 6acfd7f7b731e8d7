"""Logs, request ids, metrics, rate limits and security headers, wired by `init_app(app)`."""

from flask import Flask

from service.observability import headers, json_logging, metrics, rate_limit, request_context


def init_app(app: Flask) -> None:
    """Wire request ids, structured logs, /metrics, rate limits and security headers."""
    request_context.init_app(app)
    json_logging.init_app(app)
    metrics.init_app(app)
    rate_limit.init_app(app)
    headers.init_app(app)
